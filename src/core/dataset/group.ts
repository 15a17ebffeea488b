// Linear-time helpers for per-user passes over a dataset's rows: dense indices and a stable counting sort.
// The indices are internal (first-seen order); only aggregates that do not depend on them leave the callers.

/** Maps each of the first `n` ids to a dense index, adding unseen ids to `ixById`. */
export function internIds(ids: Int32Array, n: number, ixById: Map<number, number>, out: Int32Array, outOffset = 0): void {
  for (let r = 0; r < n; r++) {
    const id = ids[r]!;
    let ix = ixById.get(id);
    if (ix === undefined) {
      ix = ixById.size;
      ixById.set(id, ix);
    }
    out[outOffset + r] = ix;
  }
}

/**
 * Stable counting sort of rows by a dense key in [0, keyCount); rows with key -1 are left out. Returns the rows in
 * key order and `starts` (keyCount + 1 offsets), so the rows of key k are order[starts[k]..starts[k+1]).
 */
export function groupByKey(keys: Int32Array, keyCount: number): { order: Int32Array; starts: Int32Array } {
  const starts = new Int32Array(keyCount + 1);
  for (let r = 0; r < keys.length; r++) {
    const k = keys[r]!;
    if (k >= 0) starts[k + 1]!++;
  }
  for (let k = 0; k < keyCount; k++) starts[k + 1]! += starts[k]!;
  const order = new Int32Array(starts[keyCount]!);
  const next = starts.slice(0, keyCount);
  for (let r = 0; r < keys.length; r++) {
    const k = keys[r]!;
    if (k >= 0) order[next[k]!++] = r;
  }
  return { order, starts };
}
