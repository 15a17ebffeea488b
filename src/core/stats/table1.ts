// The paper's Table 1 for a dataset (paper §2 Table 1, method.md §1).
import type { Dataset } from '../events/tables.js';

/** Per-user averages of Table 1. */
export interface Table1PerUser {
  /** Distinct items shown to a user (impressions), averaged over all users. */
  displayed: number;
  /** Distinct items a user clicked, averaged over all users. */
  clicked: number;
  /** Distinct items a user bookmarked, averaged over all users. */
  bookmarked: number;
  /** Distinct items a user replied to, averaged over all users. */
  replied: number;
  /** Dyads per user, the paper's "Av. nb interactions/user" (137.71 = 819,226 / 5,949). */
  interactionsMean: number;
  /** Median of dyads per user ("Med. nb interactions/user"). */
  interactionsMedian: number;
}

/** Per-offer figures of Table 1. */
export interface Table1PerOffer {
  /** Dyads per offer, the paper's "Av. nb users/offer" (32.53 = 819,226 / 25,184). */
  usersMean: number;
  /** Median of dyads per offer. */
  usersMedian: number;
}

/** The paper's Table 1 (JSON shape of `dyadflow stats --json`). */
export interface Table1 {
  users: number;
  offers: number;
  /** Distinct (user, item) pairs with an impression or an interaction of type 1-3. */
  dyads: number;
  perUser: Table1PerUser;
  perOffer: Table1PerOffer;
  /** 1 − dyads / (users · offers); 0 for an empty dataset. */
  sparsity: number;
}

/** Median of integer counts (sorted in place); an even count takes the mean of the two middle values; 0 when empty. */
export function medianOfCounts(counts: Int32Array): number {
  const n = counts.length;
  if (n === 0) return 0;
  counts.sort();
  const mid = n >>> 1;
  return n % 2 === 1 ? counts[mid]! : (counts[mid - 1]! + counts[mid]!) / 2;
}

// Flags of one (user, item) row, packed into the low bits of its sort key.
const SHOWN = 0;
const FLAG_RADIX = 4; // key·4 + 0 impression, 1 click, 2 bookmark, 3 reply

/**
 * Table 1 of a dataset: users and offers are the distinct ids of its dyads, a dyad is a distinct (user, item)
 * pair with an impression or an interaction of type 1-3 (deletes are not dyads), per-user averages are taken
 * over all users. Every mean is an integer total divided once, so the result does not depend on row order.
 */
export function computeTable1(ds: Dataset): Table1 {
  const inter = ds.interactions;
  const imp = ds.impressions;
  const userIxById = new Map<number, number>();
  const itemIxById = new Map<number, number>();
  const intern = (map: Map<number, number>, id: number): number => {
    let ix = map.get(id);
    if (ix === undefined) {
      ix = map.size;
      map.set(id, ix);
    }
    return ix;
  };
  let rowCount = imp.length;
  for (let r = 0; r < inter.length; r++) {
    const t = inter.types[r]!;
    if (t < 1 || t > 3) continue;
    intern(userIxById, inter.userIds[r]!);
    intern(itemIxById, inter.itemIds[r]!);
    rowCount++;
  }
  for (let r = 0; r < imp.length; r++) {
    intern(userIxById, imp.userIds[r]!);
    intern(itemIxById, imp.itemIds[r]!);
  }
  const users = userIxById.size;
  const offers = itemIxById.size;

  // Sort keys ((userIx·offers + itemIx)·4 + flag): every row of one dyad becomes adjacent (< 2^53 at any real scale).
  const keys = new Float64Array(rowCount);
  let k = 0;
  for (let r = 0; r < inter.length; r++) {
    const t = inter.types[r]!;
    if (t < 1 || t > 3) continue;
    keys[k++] = (userIxById.get(inter.userIds[r]!)! * offers + itemIxById.get(inter.itemIds[r]!)!) * FLAG_RADIX + t;
  }
  for (let r = 0; r < imp.length; r++) {
    keys[k++] = (userIxById.get(imp.userIds[r]!)! * offers + itemIxById.get(imp.itemIds[r]!)!) * FLAG_RADIX + SHOWN;
  }
  keys.sort();

  const dyadsPerUser = new Int32Array(users);
  const dyadsPerOffer = new Int32Array(offers);
  const flagTotals = [0, 0, 0, 0]; // distinct (user, item) pairs shown / clicked / bookmarked / replied
  let dyads = 0;
  let prevPair = -1;
  let prevKey = -1;
  for (let p = 0; p < rowCount; p++) {
    const key = keys[p]!;
    if (key === prevKey) continue;
    prevKey = key;
    const flag = key % FLAG_RADIX;
    const pair = (key - flag) / FLAG_RADIX;
    flagTotals[flag]!++;
    if (pair === prevPair) continue;
    prevPair = pair;
    dyads++;
    const itemIx = pair % offers;
    dyadsPerOffer[itemIx]!++;
    dyadsPerUser[(pair - itemIx) / offers]!++;
  }

  const perUser = (total: number): number => (users === 0 ? 0 : total / users);
  return {
    users,
    offers,
    dyads,
    perUser: {
      displayed: perUser(flagTotals[SHOWN]!),
      clicked: perUser(flagTotals[1]!),
      bookmarked: perUser(flagTotals[2]!),
      replied: perUser(flagTotals[3]!),
      interactionsMean: perUser(dyads),
      interactionsMedian: medianOfCounts(dyadsPerUser),
    },
    perOffer: {
      usersMean: offers === 0 ? 0 : dyads / offers,
      usersMedian: medianOfCounts(dyadsPerOffer),
    },
    sparsity: users === 0 ? 0 : 1 - dyads / (users * offers),
  };
}
