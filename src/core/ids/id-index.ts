import { fmix32 } from '../random/hash.js';

/** Up to this many ids, ixsByIdOrder sorts packed numeric keys (see there). */
const KEY_IX_LIMIT = 1 << 22;

/**
 * External id (a non-negative Int32, e.g. `userId`) ⇄ dense index (`userIx`), append-only.
 * Dense indices are internal: they depend on the order ids were first seen, so nothing that reaches an
 * output or a random draw may be keyed by them (architecture.md, "Time, order and determinism").
 * The lookup is an open-addressing table of dense index + 1 on one Int32Array (linear probing at load ≤ ½,
 * Knuth TAOCP vol. 3 §6.4; keys compared through idsByIx): a JS Map cost ~180 ns per interned event on the
 * recsys16 fold, boxed entries included.
 */
export class IdIndex {
  private slots: Int32Array;
  private mask: number;
  private idsByIx: Int32Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.idsByIx = new Int32Array(Math.max(1, initialCapacity));
    let cap = 16;
    while (cap < 2 * initialCapacity) cap *= 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** Number of ids indexed. */
  get size(): number {
    return this.count;
  }

  /** The dense index of `id`, adding it when it was never seen (cold start is normal). */
  intern(id: number): number {
    const slots = this.slots;
    const ids = this.idsByIx;
    let h = fmix32(id) & this.mask;
    for (;;) {
      const s = slots[h]!;
      if (s === 0) break;
      if (ids[s - 1] === id) return s - 1;
      h = (h + 1) & this.mask;
    }
    const ix = this.count++;
    if (ix >= this.idsByIx.length) {
      const grown = new Int32Array(this.idsByIx.length * 2);
      grown.set(this.idsByIx);
      this.idsByIx = grown;
    }
    this.idsByIx[ix] = id;
    if (2 * this.count > this.slots.length) this.rehash(this.slots.length * 2);
    else slots[h] = ix + 1;
    return ix;
  }

  /** The dense index of `id`, or -1 when unknown. */
  indexOf(id: number): number {
    const slots = this.slots;
    const ids = this.idsByIx;
    let h = fmix32(id) & this.mask;
    for (;;) {
      const s = slots[h]!;
      if (s === 0) return -1;
      if (ids[s - 1] === id) return s - 1;
      h = (h + 1) & this.mask;
    }
  }

  /** Rebuilds the lookup table at `cap` slots from the ids (every index, the newest included). */
  private rehash(cap: number): void {
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    const ids = this.idsByIx;
    for (let ix = 0; ix < this.count; ix++) {
      let h = fmix32(ids[ix]!) & mask;
      while (slots[h] !== 0) h = (h + 1) & mask;
      slots[h] = ix + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** The external id at dense index `ix`. */
  idAt(ix: number): number {
    return this.idsByIx[ix]!;
  }

  /** A copy of the external ids in dense-index order. */
  ids(): Int32Array {
    return this.idsByIx.slice(0, this.count);
  }

  /** Dense indices ordered by ascending external id: the order any output or draw must use. */
  ixsByIdOrder(): Int32Array {
    const n = this.count;
    const ids = this.idsByIx;
    const ixs = new Int32Array(n);
    // Ids are distinct non-negative Int32s: id·2^22 + ix is an exact double (< 2^53) for up to 2^22 ids, and a
    // native numeric sort of those keys is several times faster than a comparator sort.
    if (n <= KEY_IX_LIMIT) {
      const keys = new Float64Array(n);
      let ok = true;
      for (let i = 0; i < n; i++) {
        const id = ids[i]!;
        if (id < 0) ok = false;
        keys[i] = id * KEY_IX_LIMIT + i;
      }
      if (ok) {
        keys.sort();
        for (let i = 0; i < n; i++) ixs[i] = keys[i]! % KEY_IX_LIMIT;
        return ixs;
      }
    }
    for (let i = 0; i < n; i++) ixs[i] = i;
    return ixs.sort((a, b) => ids[a]! - ids[b]!);
  }

  /** Rebuilds an index from ids in dense order (checkpoint restore). */
  static fromIds(ids: ArrayLike<number>): IdIndex {
    const index = new IdIndex(ids.length);
    for (let i = 0; i < ids.length; i++) index.intern(ids[i]!);
    return index;
  }
}
