// Subsampling of a dataset to its active users and items (paper §2, method.md §1).
import type { Dataset, ImpressionTable, InteractionTable } from '../events/tables.js';
import { groupByKey, internIds } from './group.js';

/** Subsampling thresholds (method.md §1, options `--min-item-users`, `--min-user-items`). */
export interface SubsampleOptions {
  /** An item is kept when at least this many distinct users interacted with it (types 1-3). */
  minItemUsers: number;
  /** A user is kept when they interacted with at least this many distinct kept items (types 1-3). */
  minUserItems: number;
}

/** The paper's thresholds: 30 users per item, then 30 items per user. */
export const DEFAULT_SUBSAMPLE: SubsampleOptions = Object.freeze({ minItemUsers: 30, minUserItems: 30 });

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
  const userIxs = new Int32Array(n);
  const itemIxs = new Int32Array(n);
  internIds(inter.userIds, n, userIxById, userIxs);
  internIds(inter.itemIds, n, itemIxById, itemIxs);
  const userCount = userIxById.size;
  const itemCount = itemIxById.size;

  // Positive rows grouped by user; a per-item stamp of the last user seen finds each distinct (user, item) once.
  const userKeys = new Int32Array(n);
  for (let r = 0; r < n; r++) userKeys[r] = isPositive(inter.types[r]!) ? userIxs[r]! : -1;
  const { order, starts } = groupByKey(userKeys, userCount);
  const stamp = new Int32Array(itemCount).fill(-1);

  // Pass 1: distinct interacting users per item.
  const usersPerItem = new Int32Array(itemCount);
  for (let u = 0; u < userCount; u++) {
    for (let k = starts[u]!; k < starts[u + 1]!; k++) {
      const i = itemIxs[order[k]!]!;
      if (stamp[i] === u) continue;
      stamp[i] = u;
      usersPerItem[i]!++;
    }
  }
  const itemKept = new Uint8Array(itemCount);
  for (let i = 0; i < itemCount; i++) itemKept[i] = usersPerItem[i]! >= minItemUsers ? 1 : 0;

  // Pass 2: distinct kept items per user.
  stamp.fill(-1);
  const userKept = new Uint8Array(userCount);
  for (let u = 0; u < userCount; u++) {
    let items = 0;
    for (let k = starts[u]!; k < starts[u + 1]!; k++) {
      const i = itemIxs[order[k]!]!;
      if (stamp[i] === u) continue;
      stamp[i] = u;
      items += itemKept[i]!;
    }
    userKept[u] = items >= minUserItems ? 1 : 0;
  }

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
