// Subsampling of a dataset to its active users and items (paper §2, method.md §1).
import type { Dataset, ImpressionTable, InteractionTable } from '../events/tables.js';

/** Subsampling thresholds (method.md §1, options `--min-item-users`, `--min-user-items`). */
export interface SubsampleOptions {
  /** An item is kept when at least this many distinct users interacted with it (types 1-3). */
  minItemUsers: number;
  /** A user is kept when they interacted with at least this many distinct kept items (types 1-3). */
  minUserItems: number;
}

/** The paper's thresholds: 30 users per item, then 30 items per user. */
export const DEFAULT_SUBSAMPLE: SubsampleOptions = Object.freeze({ minItemUsers: 30, minUserItems: 30 });

/** Dense index of each external id in `ids` (an internal mapping: nothing keyed by it leaves this file). */
function denseIndex(ids: Int32Array, n: number, into: Map<number, number>): Int32Array {
  const ixs = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const id = ids[r]!;
    let ix = into.get(id);
    if (ix === undefined) {
      ix = into.size;
      into.set(id, ix);
    }
    ixs[r] = ix;
  }
  return ixs;
}

/** Whether a row's interaction type is a positive one (1 click, 2 bookmark, 3 reply). */
function isPositive(type: number): boolean {
  return type >= 1 && type <= 3;
}

/**
 * method.md §1: keep items with ≥ minItemUsers distinct interacting users (types 1-3), then users with
 * ≥ minUserItems distinct interacted items among the kept items, one pass each; impressions and
 * interactions kept for surviving users and items only. Thresholds 0 and 0 keep everything, including
 * impression-only users and items.
 * Row order is preserved; the profile tables are reference data and are returned unchanged.
 */
export function subsample(ds: Dataset, opts: SubsampleOptions): Dataset {
  const { minItemUsers, minUserItems } = opts;
  if (!(Number.isInteger(minItemUsers) && minItemUsers >= 0 && Number.isInteger(minUserItems) && minUserItems >= 0)) {
    throw new RangeError(`subsample thresholds must be non-negative integers, got ${minItemUsers}/${minUserItems}`);
  }
  if (minItemUsers === 0 && minUserItems === 0) return ds;

  const inter = ds.interactions;
  const n = inter.length;
  const userIxById = new Map<number, number>();
  const itemIxById = new Map<number, number>();
  const userIxs = denseIndex(inter.userIds, n, userIxById);
  const itemIxs = denseIndex(inter.itemIds, n, itemIxById);
  const userCount = userIxById.size;
  const itemCount = itemIxById.size;

  // Distinct positive (user, item) pairs as sorted keys userIx·itemCount + itemIx (< 2^53 at any real scale).
  let pairCount = 0;
  const keys = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    if (isPositive(inter.types[r]!)) keys[pairCount++] = userIxs[r]! * itemCount + itemIxs[r]!;
  }
  const pairs = keys.subarray(0, pairCount).sort();

  // Pass 1: distinct interacting users per item.
  const usersPerItem = new Int32Array(itemCount);
  for (let p = 0; p < pairCount; p++) {
    if (p > 0 && pairs[p] === pairs[p - 1]) continue;
    usersPerItem[pairs[p]! % itemCount]!++;
  }
  const itemKept = new Uint8Array(itemCount);
  for (let i = 0; i < itemCount; i++) itemKept[i] = usersPerItem[i]! >= minItemUsers ? 1 : 0;

  // Pass 2: distinct kept items per user.
  const itemsPerUser = new Int32Array(userCount);
  for (let p = 0; p < pairCount; p++) {
    if (p > 0 && pairs[p] === pairs[p - 1]) continue;
    const key = pairs[p]!;
    const itemIx = key % itemCount;
    if (itemKept[itemIx]) itemsPerUser[(key - itemIx) / itemCount]!++;
  }
  const userKept = new Uint8Array(userCount);
  for (let u = 0; u < userCount; u++) userKept[u] = itemsPerUser[u]! >= minUserItems ? 1 : 0;

  // A threshold of 0 passes ids that never interacted (impression-only); a positive one cannot.
  const keepItem = (id: number): boolean => {
    const ix = itemIxById.get(id);
    return ix === undefined ? minItemUsers === 0 : itemKept[ix] === 1;
  };
  const keepUser = (id: number): boolean => {
    const ix = userIxById.get(id);
    return ix === undefined ? minUserItems === 0 : userKept[ix] === 1;
  };

  return {
    ...ds,
    interactions: filterInteractions(inter, (r) => userKept[userIxs[r]!] === 1 && itemKept[itemIxs[r]!] === 1),
    impressions: filterImpressions(ds.impressions, (r) => keepUser(ds.impressions.userIds[r]!) && keepItem(ds.impressions.itemIds[r]!)),
  };
}

function filterInteractions(t: InteractionTable, keep: (row: number) => boolean): InteractionTable {
  const rowMask = new Uint8Array(t.length);
  let m = 0;
  for (let r = 0; r < t.length; r++) {
    if (keep(r)) {
      rowMask[r] = 1;
      m++;
    }
  }
  const out: InteractionTable = {
    length: m,
    userIds: new Int32Array(m),
    itemIds: new Int32Array(m),
    types: new Uint8Array(m),
    createdAtS: new Float64Array(m),
  };
  let k = 0;
  for (let r = 0; r < t.length; r++) {
    if (!rowMask[r]) continue;
    out.userIds[k] = t.userIds[r]!;
    out.itemIds[k] = t.itemIds[r]!;
    out.types[k] = t.types[r]!;
    out.createdAtS[k] = t.createdAtS[r]!;
    k++;
  }
  return out;
}

function filterImpressions(t: ImpressionTable, keep: (row: number) => boolean): ImpressionTable {
  const rowMask = new Uint8Array(t.length);
  let m = 0;
  for (let r = 0; r < t.length; r++) {
    if (keep(r)) {
      rowMask[r] = 1;
      m++;
    }
  }
  const out: ImpressionTable = { length: m, userIds: new Int32Array(m), itemIds: new Int32Array(m), yearWeeks: new Int32Array(m) };
  let k = 0;
  for (let r = 0; r < t.length; r++) {
    if (!rowMask[r]) continue;
    out.userIds[k] = t.userIds[r]!;
    out.itemIds[k] = t.itemIds[r]!;
    out.yearWeeks[k] = t.yearWeeks[r]!;
    k++;
  }
  return out;
}
