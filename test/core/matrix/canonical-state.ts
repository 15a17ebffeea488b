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
  const pairs: CanonicalState['pairs'] = [];
  const p = s.pairs;
  for (let u = 0; u < s.users.size; u++) {
    // u's pair row: distinct other users, positive dots, the same seen from the other end.
    const co: number[] = [];
    const len = p.rowLen[u]!;
    for (let j = 0; j < len; j++) {
      const v = p.otherAt(u, j);
      const packed = p.packedAt(u, j);
      const dotW = p.weighted(u, v, packed);
      const dotB = p.binary(u, v, packed);
      if (!(dotW > 0 && dotB > 0 && dotW >= dotB)) throw new Error(`user ${s.users.idAt(u)}: bad dots ${dotW}, ${dotB}`);
      if (s.dotW(v, u) !== dotW || s.dotB(v, u) !== dotB) throw new Error(`pair (${s.users.idAt(u)}, ${s.users.idAt(v)}) differs by direction`);
      co.push(s.users.idAt(v));
      pairs.push([s.users.idAt(u), s.users.idAt(v), dotW, dotB]);
    }
    co.sort((a, b) => a - b);
    if (co.some((id, i) => i > 0 && id === co[i - 1])) throw new Error(`user ${s.users.idAt(u)}: a pair twice in its row`);
    users.push([s.users.idAt(u), [...s.userHist.subarray(u * IM_LEVELS, (u + 1) * IM_LEVELS)], s.userNormW[u]!, s.userNormB[u]!, s.userPairCount[u]!, co]);
  }
  users.sort((a, b) => a[0] - b[0]);
  const items: CanonicalState['items'] = [];
  const rows = s.itemUsers;
  for (let o = 0; o < s.items.size; o++) {
    // The item's row: positive entries first, each slot pointing at its entry and agreeing with it.
    const seg = rows.rowSeg[o]!;
    const off = rows.rowOff[o]!;
    for (let j = 0; j < rows.rowLen[o]!; j++) {
      const e = rows.entry[seg]![off + j]!;
      const im = IM_OF_MASK[s.entryTypes[e]!]!;
      const ok =
        s.entryItemIx[e] === o && s.entryItemPos[e] === j && rows.user[seg]![off + j] === s.entryUserIx[e] && rows.im[seg]![off + j] === im && (im > 0) === j < s.itemPositiveCount[o]!;
      if (!ok) throw new Error(`item ${s.items.idAt(o)}: row slot ${j} disagrees with entry ${e}`);
    }
    items.push([s.items.idAt(o), s.itemUserCount[o]!]);
  }
  items.sort((a, b) => a[0] - b[0]);
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { entries, users, items, pairs };
}
