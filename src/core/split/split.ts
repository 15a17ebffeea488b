// The offline train/test splits of method.md §5: per-user chronological (the authors' code, default) and
// random 30/70 by a hash of (seed, user id, item id) (the paper's text).
//
// Ties in first-seen time are common: an impression carries the Monday 00:00 of its ISO week, so a user's
// whole week ties. They are ordered by hash(seed, user, item) (issue 10), never by item id, which made "test"
// mean "the newest item ids". A dyad is *placed by a tie* when its side was decided by that order: it belongs
// to the group of equal first-seen times that spans the cut (at least one of the group on each side), and
// every dyad of that group counts, on either side. Groups wholly on one side place nothing.

import { invariant } from '../errors.js';
import { HASH_TAG, hash32, hashUnit } from '../random/hash.js';
import { SPLIT } from '../features/feature-table.js';

/** Share of dyads that the random split puts in train (the paper's 30% train / 70% test). */
export const RANDOM_SPLIT_TRAIN_SHARE = 0.3;

/** Number of a user's n dyads that the chronological split puts in train: ⌈2n/3⌉ (np.array_split into thirds). */
export function trainCount(n: number): number {
  return Math.ceil((2 * n) / 3);
}

/** A split per row and how many dyads the tie order placed (see the file comment). */
export interface TimeSplit {
  split: Uint8Array;
  tiePlaced: number;
}

/**
 * Sorts `rows` (indices of one user's dyads) chronologically: first-seen time ascending, ties by
 * hash32(seed, timeSplitTie, user, item), then by a second hash, then by item id (reached only if both 32-bit
 * hashes collide, about 2^-64 per pair).
 */
export function sortChronologically(rows: Int32Array | number[], userId: number, itemIds: Int32Array, timeS: Float64Array, seed: number): void {
  const tieKey = (r: number, tag: number): number => hash32(seed, tag, userId, itemIds[r]!);
  rows.sort((a: number, b: number) => {
    const dt = timeS[a]! - timeS[b]!;
    if (dt !== 0) return dt;
    return (
      tieKey(a, HASH_TAG.timeSplitTie) - tieKey(b, HASH_TAG.timeSplitTie) ||
      tieKey(a, HASH_TAG.timeSplitTie2) - tieKey(b, HASH_TAG.timeSplitTie2) ||
      itemIds[a]! - itemIds[b]!
    );
  });
}

/**
 * Dyads placed by the tie order when chronologically sorted `rows` are cut before position `cut` (the first
 * `cut` on one side, the rest on the other): the size of the group of equal times spanning the cut, else 0.
 */
export function tiePlacedAt(rows: ArrayLike<number>, cut: number, timeS: Float64Array): number {
  if (cut <= 0 || cut >= rows.length) return 0;
  const t = timeS[rows[cut]!]!;
  if (timeS[rows[cut - 1]!] !== t) return 0;
  let lo = cut - 1;
  while (lo > 0 && timeS[rows[lo - 1]!] === t) lo--;
  let hi = cut + 1;
  while (hi < rows.length && timeS[rows[hi]!] === t) hi++;
  return hi - lo;
}

/**
 * Per-user chronological split: rows must be grouped by user (e.g. sorted by user id); within a user, the
 * first ⌈2n/3⌉ dyads by first-seen time (ties by hash(seed, user, item)) are train, the rest test. Returns
 * SPLIT codes per row and the number of dyads the tie order placed.
 */
export function timeSplit(userIds: Int32Array, itemIds: Int32Array, firstSeenS: Float64Array, seed: number): TimeSplit {
  const n = userIds.length;
  invariant(itemIds.length === n && firstSeenS.length === n, 'timeSplit: column lengths differ');
  const split = new Uint8Array(n).fill(SPLIT.test);
  let tiePlaced = 0;
  let order = new Int32Array(64);
  let start = 0;
  while (start < n) {
    const user = userIds[start]!;
    let end = start + 1;
    while (end < n && userIds[end] === user) end++;
    const len = end - start;
    if (len > order.length) order = new Int32Array(len * 2);
    const block = order.subarray(0, len);
    for (let i = 0; i < len; i++) block[i] = start + i;
    sortChronologically(block, user, itemIds, firstSeenS, seed);
    const nTrain = trainCount(len);
    for (let i = 0; i < nTrain; i++) split[block[i]!] = SPLIT.train;
    tiePlaced += tiePlacedAt(block, nTrain, firstSeenS);
    start = end;
  }
  return { split, tiePlaced };
}

/** Random split: train when hashUnit(seed, HASH_TAG.randomSplit, userId, itemId) < 0.3, else test. */
export function randomSplit(userIds: Int32Array, itemIds: Int32Array, seed: number): Uint8Array {
  invariant(userIds.length === itemIds.length, 'randomSplit: column lengths differ');
  const split = new Uint8Array(userIds.length);
  for (let i = 0; i < userIds.length; i++) {
    const r = hashUnit(seed, HASH_TAG.randomSplit, userIds[i]!, itemIds[i]!);
    split[i] = r < RANDOM_SPLIT_TRAIN_SHARE ? SPLIT.train : SPLIT.test;
  }
  return split;
}
