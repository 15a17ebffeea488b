// The offline train/test splits of method.md §5: per-user chronological (the authors' code, default) and
// random 30/70 by a hash of (seed, user id, item id) (the paper's text).

import { invariant } from '../errors.js';
import { HASH_TAG, hashUnit } from '../random/hash.js';
import { SPLIT } from '../features/feature-table.js';

/** Share of dyads that the random split puts in train (the paper's 30% train / 70% test). */
export const RANDOM_SPLIT_TRAIN_SHARE = 0.3;

/** Number of a user's n dyads that the chronological split puts in train: ⌈2n/3⌉ (np.array_split into thirds). */
export function trainCount(n: number): number {
  return Math.ceil((2 * n) / 3);
}

/**
 * Per-user chronological split: rows must be grouped by user (e.g. sorted by user id); within a user, the
 * first ⌈2n/3⌉ dyads by (first-seen time, item id) are train, the rest test. Returns SPLIT codes per row.
 */
export function timeSplit(userIds: Int32Array, itemIds: Int32Array, firstSeenS: Float64Array): Uint8Array {
  const n = userIds.length;
  const split = new Uint8Array(n).fill(SPLIT.test);
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
    block.sort((a, b) => firstSeenS[a]! - firstSeenS[b]! || itemIds[a]! - itemIds[b]!);
    const nTrain = trainCount(len);
    for (let i = 0; i < nTrain; i++) split[block[i]!] = SPLIT.train;
    start = end;
  }
  return split;
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
