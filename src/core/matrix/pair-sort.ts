// Sorting rows by a pair of non-negative Int32 keys (hi, lo): an LSD radix sort with 16-bit digits (stable),
// as one call or as a job in bounded steps (the fold sorts up to a million events per batch and must not
// block its event loop for long).

const RADIX_BITS = 16;
const RADIX = 1 << RADIX_BITS;
const MASK = RADIX - 1;

function insertionSort(hi: Int32Array, lo: Int32Array, n: number): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = 1; i < n; i++) {
    const p = perm[i]!;
    const h = hi[p]!;
    const l = lo[p]!;
    let j = i - 1;
    while (j >= 0 && (hi[perm[j]!]! > h || (hi[perm[j]!] === h && lo[perm[j]!]! > l))) {
      perm[j + 1] = perm[j]!;
      j--;
    }
    perm[j + 1] = p;
  }
  return perm;
}

/** Work units of one element in one pass (a counting read and a scattered write). */
export const SORT_COST_PER_PASS = 6;

// Stages of the job.
const MAX = 0;
const COUNT = 1;
const SCATTER = 2;
const SORTED = 3;

/**
 * The permutation that sorts rows [0, n) by (hi, lo), built in steps: `run(budget)` does about `budget` units
 * (`SORT_COST_PER_PASS` per element and pass) and returns true when `perm` is ready. The keys must not change
 * meanwhile.
 */
export class PairSortJob {
  /** The sorting permutation, once done. */
  perm: Int32Array;
  private tmp: Int32Array = new Int32Array(0);
  private readonly count = new Int32Array(RADIX + 1);
  private stage = MAX;
  private cursor = 0;
  private maxHi = 0;
  private maxLo = 0;
  /** The digits still to sort by, first to last: key (0 lo, 1 hi) and shift. */
  private passes: [key: 0 | 1, shift: number][] = [];
  private pass = 0;

  constructor(
    private readonly hi: Int32Array,
    private readonly lo: Int32Array,
    private readonly n: number,
  ) {
    if (n <= 64) {
      this.perm = insertionSort(hi, lo, n);
      this.stage = SORTED;
    } else {
      this.perm = new Int32Array(n);
      for (let i = 0; i < n; i++) this.perm[i] = i;
    }
  }

  /** Whether `perm` is ready. */
  get done(): boolean {
    return this.stage === SORTED;
  }

  /** Does about `budget` units of work (at least one element); returns true when sorted. */
  run(budget: number): boolean {
    this.step(budget);
    return this.stage === SORTED;
  }

  /** Does about `budget` units of work (at least one element); returns the work done. */
  step(budget: number): number {
    let work = 0;
    const target = Math.max(1, budget);
    while (this.stage !== SORTED && work < target) {
      const chunk = Math.max(1, Math.ceil((target - work) / SORT_COST_PER_PASS));
      const stop = Math.min(this.n, this.cursor + chunk);
      if (this.stage === MAX) {
        for (let i = this.cursor; i < stop; i++) {
          if (this.hi[i]! > this.maxHi) this.maxHi = this.hi[i]!;
          if (this.lo[i]! > this.maxLo) this.maxLo = this.lo[i]!;
        }
      } else {
        const [which, shift] = this.passes[this.pass]!;
        const key = which === 0 ? this.lo : this.hi;
        const perm = this.perm;
        const count = this.count;
        if (this.stage === COUNT) {
          for (let i = this.cursor; i < stop; i++) count[((key[perm[i]!]! >>> shift) & MASK) + 1]!++;
        } else {
          const tmp = this.tmp;
          for (let i = this.cursor; i < stop; i++) {
            const p = perm[i]!;
            tmp[count[(key[p]! >>> shift) & MASK]!++] = p;
          }
        }
      }
      work += (stop - this.cursor) * SORT_COST_PER_PASS;
      this.cursor = stop;
      if (stop === this.n) this.nextStage();
    }
    return work;
  }

  private nextStage(): void {
    this.cursor = 0;
    if (this.stage === MAX) {
      this.passes = [[0, 0]];
      if (this.maxLo >= RADIX) this.passes.push([0, RADIX_BITS]);
      this.passes.push([1, 0]);
      if (this.maxHi >= RADIX) this.passes.push([1, RADIX_BITS]);
      this.tmp = new Int32Array(this.n);
      this.count.fill(0);
      this.stage = COUNT;
    } else if (this.stage === COUNT) {
      const count = this.count;
      for (let d = 0; d < RADIX; d++) count[d + 1]! += count[d]!;
      this.stage = SCATTER;
    } else {
      const t = this.perm;
      this.perm = this.tmp;
      this.tmp = t;
      this.pass++;
      this.count.fill(0);
      if (this.pass === this.passes.length) {
        this.tmp = new Int32Array(0);
        this.stage = SORTED;
      } else {
        this.stage = COUNT;
      }
    }
  }
}

/** The permutation that sorts rows [0, n) by (hi, lo), both non-negative Int32 (stable), in one call. */
export function sortByPair(hi: Int32Array, lo: Int32Array, n: number): Int32Array {
  const job = new PairSortJob(hi, lo, n);
  job.run(Infinity);
  return job.perm;
}
