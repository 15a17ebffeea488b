// Growing the entry columns of a state in bounded steps: on recsys16 they hold 19M entries (~400 MB), and a
// copy of all of them in one go would block the stream's event loop for longer than a slice may take.

import type { ImplicitState } from './implicit-state.js';

/** The length a column grows to from `length` to hold `need`: by half each time (doubling left 40% unused). */
export function grownLength(length: number, need: number): number {
  let n = Math.max(16, Math.ceil(length * 1.5));
  while (n < need) n = Math.ceil(n * 1.5);
  return n;
}

/** Entries copied per unit of work (a few bytes each, copied in bulk). */
const ENTRIES_PER_UNIT = 1;

/**
 * Makes room for `need` entries: new columns allocated once, the entries copied over in steps of about
 * `budget` units (`run`), then swapped in. Nothing else may change the entries meanwhile (the fold job that
 * owns it holds the state).
 */
export class EntryGrowth {
  private cursor = 0;
  private userIx: Int32Array | null = null;
  private itemIx: Int32Array | null = null;
  private types: Uint8Array | null = null;
  private firstSeenS: Float64Array | null = null;
  private itemPos: Int32Array | null = null;
  private finished: boolean;

  constructor(
    private readonly state: ImplicitState,
    private readonly need: number,
  ) {
    this.finished = need <= state.entryUserIx.length;
  }

  /** Whether the state has its new columns. */
  get done(): boolean {
    return this.finished;
  }

  /** Copies about `budget` units' worth of entries (at least one); returns the work done. */
  step(budget: number): number {
    if (this.finished) return 0;
    const st = this.state;
    if (this.userIx === null) {
      const n = grownLength(st.entryUserIx.length, this.need);
      this.userIx = new Int32Array(n);
      this.itemIx = new Int32Array(n);
      this.types = new Uint8Array(n);
      this.firstSeenS = new Float64Array(n);
      this.itemPos = new Int32Array(n);
    }
    const from = this.cursor;
    const to = Math.min(st.entryCount, from + Math.max(1, Math.ceil(budget * ENTRIES_PER_UNIT)));
    this.userIx.set(st.entryUserIx.subarray(from, to), from);
    this.itemIx!.set(st.entryItemIx.subarray(from, to), from);
    this.types!.set(st.entryTypes.subarray(from, to), from);
    this.firstSeenS!.set(st.entryFirstSeenS.subarray(from, to), from);
    this.itemPos!.set(st.entryItemPos.subarray(from, to), from);
    this.cursor = to;
    if (to === st.entryCount) {
      st.entryUserIx = this.userIx;
      st.entryItemIx = this.itemIx!;
      st.entryTypes = this.types!;
      st.entryFirstSeenS = this.firstSeenS!;
      st.entryItemPos = this.itemPos!;
      this.finished = true;
    }
    return (to - from) / ENTRIES_PER_UNIT + 1;
  }
}
