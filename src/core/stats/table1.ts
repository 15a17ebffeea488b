// The paper's Table 1 for a dataset (paper §2 Table 1, method.md §1).
import type { Dataset } from '../events/tables.js';
import { groupByKey, internIds } from '../dataset/group.js';

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

/**
 * Table 1 of a dataset: users and offers are the distinct ids of its dyads, a dyad is a distinct (user, item)
 * pair with an impression or an interaction of type 1-3 (deletes are not dyads), per-user averages are taken
 * over all users. Every mean is an integer total divided once, so the result does not depend on row order.
 */
export function computeTable1(ds: Dataset): Table1 {
  const inter = ds.interactions;
  const imp = ds.impressions;
  // One row space: the positive interactions, then the impression triples (deletes get user key -1).
  const nInter = inter.length;
  const total = nInter + imp.length;
  const userIxById = new Map<number, number>();
  const itemIxById = new Map<number, number>();
  const userIxs = new Int32Array(total);
  const itemIxs = new Int32Array(total);
  const rowBits = new Uint8Array(total); // bit 0 shown, bit t interaction type t
  for (let r = 0; r < nInter; r++) {
    const t = inter.types[r]!;
    if (t < 1 || t > 3) {
      userIxs[r] = -1;
      continue;
    }
    rowBits[r] = 1 << t;
  }
  // Intern only the rows that make dyads, so ids seen only in deletes do not count.
  const intern = (map: Map<number, number>, id: number): number => {
    let ix = map.get(id);
    if (ix === undefined) {
      ix = map.size;
      map.set(id, ix);
    }
    return ix;
  };
  for (let r = 0; r < nInter; r++) {
    if (rowBits[r] === 0) continue;
    userIxs[r] = intern(userIxById, inter.userIds[r]!);
    itemIxs[r] = intern(itemIxById, inter.itemIds[r]!);
  }
  internIds(imp.userIds, imp.length, userIxById, userIxs, nInter);
  internIds(imp.itemIds, imp.length, itemIxById, itemIxs, nInter);
  rowBits.fill(1, nInter);
  const users = userIxById.size;
  const offers = itemIxById.size;

  // Rows grouped by user; per item, the last user seen (stamp) and the types seen for that user (bits).
  const { order, starts } = groupByKey(userIxs, users);
  const stamp = new Int32Array(offers).fill(-1);
  const bits = new Uint8Array(offers);
  const touched = new Int32Array(offers);
  const dyadsPerUser = new Int32Array(users);
  const dyadsPerOffer = new Int32Array(offers);
  const flagTotals = [0, 0, 0, 0]; // distinct (user, item) pairs shown / clicked / bookmarked / replied
  let dyads = 0;
  for (let u = 0; u < users; u++) {
    let nTouched = 0;
    for (let k = starts[u]!; k < starts[u + 1]!; k++) {
      const r = order[k]!;
      const i = itemIxs[r]!;
      if (stamp[i] !== u) {
        stamp[i] = u;
        bits[i] = 0;
        touched[nTouched++] = i;
        dyadsPerOffer[i]!++;
      }
      bits[i]! |= rowBits[r]!;
    }
    dyadsPerUser[u] = nTouched;
    dyads += nTouched;
    for (let k = 0; k < nTouched; k++) {
      const b = bits[touched[k]!]!;
      for (let flag = 0; flag < 4; flag++) flagTotals[flag]! += (b >> flag) & 1;
    }
  }

  const perUser = (total: number): number => (users === 0 ? 0 : total / users);
  return {
    users,
    offers,
    dyads,
    perUser: {
      displayed: perUser(flagTotals[0]!),
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
