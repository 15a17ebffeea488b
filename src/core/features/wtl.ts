// The 15 win/tie/loss statistics of a dyad (Volkovs & Zemel 2012 adapted to implicit feedback;
// method.md §3). For a neighbour v with an entry for o, s = IM(v,o), n_v = v's number of entries:
// win = #{x < s}/(n_v − 1), loss = #{x > s}/(n_v − 1), tie = (#{x = s} − 1)/(n_v − 1), all 0 when n_v = 1,
// from v's 7-bin IM histogram in O(1) (cumulated once per call). Then for WIN, LOSS, TIE: mean,
// population std (or variance), max, min and #non-zero / K over the actual neighbours (best first);
// no neighbours → all 0.

import { IM_LEVELS, ImplicitState } from '../matrix/implicit-state.js';
import { NeighbourSelector, type NeighbourOptions } from '../neighbours/selector.js';
import { WTL_WIDTH, type Spread } from './feature-table.js';

/** Options of the win/tie/loss features: neighbour selection plus the spread statistic. */
export interface WtlOptions extends NeighbourOptions {
  spread: Spread;
}

/** Counts over a batch of dyads: how many had fewer than K neighbours (none included), and none at all. */
export interface NeighbourCounts {
  fewerThanK: number;
  noNeighbours: number;
}

/**
 * Writes the five statistics (mean, spread, max, min, nonzero/K) of values[0..m) at out[offset..offset+5).
 * The sums run in the given order, so the same neighbours in the same order give the same bits.
 */
export function fiveStatistics(values: Float64Array, m: number, k: number, spread: Spread, out: Float64Array, offset: number): void {
  if (m === 0) {
    for (let j = 0; j < 5; j++) out[offset + j] = 0;
    return;
  }
  let sum = 0;
  let max = -Infinity;
  let min = Infinity;
  let nonZero = 0;
  for (let i = 0; i < m; i++) {
    const x = values[i]!;
    sum += x;
    if (x > max) max = x;
    if (x < min) min = x;
    if (x !== 0) nonZero++;
  }
  const mean = sum / m;
  // Two-pass variance: numerically safer than E[x²] − E[x]² (Chan, Golub & LeVeque 1983).
  let ss = 0;
  for (let i = 0; i < m; i++) {
    const d = values[i]! - mean;
    ss += d * d;
  }
  const variance = ss / m;
  out[offset] = mean;
  out[offset + 1] = spread === 'std' ? Math.sqrt(variance) : variance;
  out[offset + 2] = max;
  out[offset + 3] = min;
  out[offset + 4] = nonZero / k;
}

/**
 * The win/tie/loss statistics from one state, for any number of dyads in any number of calls: one neighbour
 * selector and one table of cumulative histograms (both O(users) to build), reused across slices of a
 * window's dyads. The state must not change while it is in use (the selector checks).
 */
export class WtlBuilder {
  private readonly selector: NeighbourSelector;
  private readonly k: number;
  private readonly spread: Spread;
  private readonly win: Float64Array;
  private readonly loss: Float64Array;
  private readonly tie: Float64Array;
  // Cumulative histograms, 8 per user: below(s) = cum[s], equal(s) = cum[s+1] − cum[s], n = cum[7].
  private readonly cum: Int32Array;

  constructor(state: ImplicitState, opts: WtlOptions) {
    this.selector = new NeighbourSelector(state, opts);
    this.k = opts.k;
    this.spread = opts.spread;
    this.win = new Float64Array(opts.k);
    this.loss = new Float64Array(opts.k);
    this.tie = new Float64Array(opts.k);
    const nUsers = state.users.size;
    const cum = new Int32Array(nUsers * (IM_LEVELS + 1));
    for (let u = 0; u < nUsers; u++) {
      let acc = 0;
      for (let x = 0; x < IM_LEVELS; x++) {
        cum[u * (IM_LEVELS + 1) + x] = acc;
        acc += state.userHist[u * IM_LEVELS + x]!;
      }
      cum[u * (IM_LEVELS + 1) + IM_LEVELS] = acc;
    }
    this.cum = cum;
  }

  /** Candidates scanned so far: a work figure that tracks time better than a count of dyads. */
  get work(): number {
    return this.selector.work;
  }

  /**
   * Writes the statistics of dyads i ∈ [start, end) of (userIxs[i], itemIxs[i]) at out[i·15 ..] (and each one's
   * number of neighbours at neighbourCounts[i], when given); adds the neighbour shortfalls to `counts`.
   */
  compute(userIxs: Int32Array, itemIxs: Int32Array, start: number, end: number, out: Float64Array, counts: NeighbourCounts, neighbourCounts?: Int32Array): void {
    const selector = this.selector;
    const k = this.k;
    const win = this.win;
    const loss = this.loss;
    const tie = this.tie;
    const cum = this.cum;
    for (let i = start; i < end; i++) {
      const m = selector.select(userIxs[i]!, itemIxs[i]!);
      if (neighbourCounts) neighbourCounts[i] = m;
      if (m < k) counts.fewerThanK++;
      if (m === 0) counts.noNeighbours++;
      for (let j = 0; j < m; j++) {
        const s = selector.nbrIm[j]!;
        if (s < 0) {
          win[j] = 0;
          loss[j] = 0;
          tie[j] = 0;
          continue;
        }
        const base = selector.nbrUserIx[j]! * (IM_LEVELS + 1);
        const below = cum[base + s]!;
        const upTo = cum[base + s + 1]!;
        const equal = upTo - below;
        const above = cum[base + IM_LEVELS]! - upTo;
        const others = below + above + equal - 1;
        if (others === 0) {
          win[j] = 0;
          loss[j] = 0;
          tie[j] = 0;
        } else {
          win[j] = below / others;
          loss[j] = above / others;
          tie[j] = (equal - 1) / others;
        }
      }
      const offset = i * WTL_WIDTH;
      fiveStatistics(win, m, k, this.spread, out, offset);
      fiveStatistics(loss, m, k, this.spread, out, offset + 5);
      fiveStatistics(tie, m, k, this.spread, out, offset + 10);
    }
  }
}

/**
 * The features of a list of dyads as a job in slices: `run(budget)` computes dyads until about `budget` units
 * of work were done (candidates scanned, weighted: `NeighbourSelector.work`; at least one dyad) and returns true
 * when all are done. Slicing never changes
 * the result: every dyad's row depends on the state and that dyad only.
 */
export class FeatureJob {
  private next = 0;
  /** Neighbour shortfalls of the dyads computed so far. */
  readonly counts: NeighbourCounts = { fewerThanK: 0, noNeighbours: 0 };
  private readonly builder: WtlBuilder;

  constructor(
    state: ImplicitState,
    private readonly userIxs: Int32Array,
    private readonly itemIxs: Int32Array,
    opts: WtlOptions,
    private readonly out: Float64Array,
    private readonly neighbourCounts?: Int32Array,
  ) {
    this.builder = new WtlBuilder(state, opts);
  }

  /** Whether every dyad is computed. */
  get done(): boolean {
    return this.next >= this.userIxs.length;
  }

  /** Computes dyads until about `budget` units of work were done; returns true when all are done. */
  run(budget: number): boolean {
    const stop = this.builder.work + budget;
    const n = this.userIxs.length;
    while (this.next < n) {
      this.builder.compute(this.userIxs, this.itemIxs, this.next, this.next + 1, this.out, this.counts, this.neighbourCounts);
      this.next++;
      if (this.builder.work >= stop) break;
    }
    return this.done;
  }
}

/**
 * The 15 win/tie/loss statistics of the dyads (userIxs[i], itemIxs[i]) from `state` (indices of that state;
 * -1 = not in the state), written row-major into out[i·15 ..]. Dyads of the same user should be adjacent
 * (the per-user neighbour preparation is shared). Returns the neighbour counts; `neighbourCounts`, when
 * given, receives each dyad's number of neighbours.
 */
export function computeFeatures(
  state: ImplicitState,
  userIxs: Int32Array,
  itemIxs: Int32Array,
  opts: WtlOptions,
  out: Float64Array,
  neighbourCounts?: Int32Array,
): NeighbourCounts {
  const counts: NeighbourCounts = { fewerThanK: 0, noNeighbours: 0 };
  new WtlBuilder(state, opts).compute(userIxs, itemIxs, 0, userIxs.length, out, counts, neighbourCounts);
  return counts;
}
