// A state in a form keyed by external ids only (sorted), so states built in different orders compare equal.
import { IM_LEVELS, IM_OF_MASK, type ImplicitState } from '../../../src/core/matrix/implicit-state.js';

/** Entries, per-user statistics and positive dot products, sorted by external ids. */
export interface CanonicalState {
  entries: [userId: number, itemId: number, typesMask: number, im: number, firstSeenS: number][];
  users: [userId: number, hist: number[], normW: number, normB: number, coUserCount: number, coUserIds: number[]][];
  items: [itemId: number, users: number][];
  pairs: [userId: number, otherId: number, dotW: number, dotB: number][];
}

/** The canonical form of a state. */
export function canonicalState(s: ImplicitState): CanonicalState {
  const entries: CanonicalState['entries'] = [];
  for (let e = 0; e < s.entryCount; e++) {
    const mask = s.entryTypes[e]!;
    entries.push([s.users.idAt(s.entryUserIx[e]!), s.items.idAt(s.entryItemIx[e]!), mask, IM_OF_MASK[mask]!, s.entryFirstSeenS[e]!]);
  }
  entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const users: CanonicalState['users'] = [];
  for (let u = 0; u < s.users.size; u++) {
    // Walk u's co-occurrence list: it must hold exactly userPairCount[u] distinct users.
    const co: number[] = [];
    for (let p = s.userPairHead[u]!; p >= 0; p = s.nextPairOf(u, p)) co.push(s.users.idAt(s.otherOf(u, p)));
    co.sort((a, b) => a - b);
    if (co.length !== s.userPairCount[u] || new Set(co).size !== co.length) throw new Error(`user ${s.users.idAt(u)}: broken co-occurrence list`);
    users.push([s.users.idAt(u), [...s.userHist.subarray(u * IM_LEVELS, (u + 1) * IM_LEVELS)], s.userNormW[u]!, s.userNormB[u]!, s.userPairCount[u]!, co]);
  }
  users.sort((a, b) => a[0] - b[0]);
  const items: CanonicalState['items'] = [];
  for (let o = 0; o < s.items.size; o++) items.push([s.items.idAt(o), s.itemUserCount[o]!]);
  items.sort((a, b) => a[0] - b[0]);
  const pairs: CanonicalState['pairs'] = [];
  for (let p = 0; p < s.pairCount; p++) {
    const lo = s.users.idAt(s.pairLoIx[p]!);
    const hi = s.users.idAt(s.pairHiIx[p]!);
    pairs.push([lo, hi, s.pairDotW[p]!, s.pairDotB[p]!], [hi, lo, s.pairDotW[p]!, s.pairDotB[p]!]);
  }
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { entries, users, items, pairs };
}
