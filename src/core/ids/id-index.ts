/**
 * External id (a non-negative Int32, e.g. `userId`) ⇄ dense index (`userIx`), append-only.
 * Dense indices are internal: they depend on the order ids were first seen, so nothing that reaches an
 * output or a random draw may be keyed by them (architecture.md, "Time, order and determinism").
 */
/** Up to this many ids, ixsByIdOrder sorts packed numeric keys (see there). */
const KEY_IX_LIMIT = 1 << 22;

export class IdIndex {
  private readonly ixById = new Map<number, number>();
  private idsByIx: Int32Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.idsByIx = new Int32Array(Math.max(1, initialCapacity));
  }

  /** Number of ids indexed. */
  get size(): number {
    return this.count;
  }

  /** The dense index of `id`, adding it when it was never seen (cold start is normal). */
  intern(id: number): number {
    const found = this.ixById.get(id);
    if (found !== undefined) return found;
    const ix = this.count++;
    if (ix >= this.idsByIx.length) {
      const grown = new Int32Array(this.idsByIx.length * 2);
      grown.set(this.idsByIx);
      this.idsByIx = grown;
    }
    this.idsByIx[ix] = id;
    this.ixById.set(id, ix);
    return ix;
  }

  /** The dense index of `id`, or -1 when unknown. */
  indexOf(id: number): number {
    return this.ixById.get(id) ?? -1;
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
