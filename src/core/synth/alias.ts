// Walker's alias method (Walker 1977, with Vose's 1991 construction): O(1) draws from a fixed discrete
// distribution, used to pick items by popularity without scanning the catalogue.
import type { Rng } from '../random/rng.js';

/** A discrete distribution over 0..n-1 sampled in O(1) per draw. */
export class AliasTable {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  /** Builds the table from non-negative weights (not all zero). */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError('alias table needs at least one weight');
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i]!;
    if (!(total > 0)) throw new RangeError('alias table weights must not all be zero');
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / total;
      if (scaled[i]! < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns]!;
      const l = large[--nl]!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      if (scaled[l]! < 1) small[ns++] = l;
      else large[nl++] = l;
    }
    while (nl > 0) this.prob[large[--nl]!] = 1;
    while (ns > 0) this.prob[small[--ns]!] = 1; // rounding leftovers
  }

  /** Number of outcomes. */
  get size(): number {
    return this.prob.length;
  }

  /** One draw. */
  sample(rng: Rng): number {
    const i = rng.nextInt(this.prob.length);
    return rng.nextFloat() < this.prob[i]! ? i : this.alias[i]!;
  }
}
