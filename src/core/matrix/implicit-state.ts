// The implicit-feedback state (method.md §2–3): a fold of interaction and impression events into
// the implicit matrix IM ∈ {0..6} (explicit 0 entries for impression-only dyads), per-user IM
// histograms, per-item user lists, and the exact integer squared norms and sparse user-user dot
// products of both the weighted (IM values) and the binary (0/1) cosine similarity.
//
// Every update is order-independent (IM is a set of types, the first-seen time a minimum, dot products
// exact integer sums), so folding the same events in any order or in any number of batches gives the
// same state (architecture.md, "Time, order and determinism"). An entry change costs O(users of that
// item): dot(u, v) moves by Δ(u,o)·value(v,o) for each v with a positive entry for o.

import { IdIndex } from '../ids/id-index.js';
import { invariant } from '../errors.js';
import type { ImpressionTable, InteractionTable } from '../events/tables.js';
import { isoWeekStartS } from '../time/iso-week.js';
import { PairMap } from './pair-map.js';

/** IM value of a set of types as a bitmask (bit 0 click, bit 1 bookmark, bit 2 reply): 1·c + 2·b + 3·r. */
export const IM_OF_MASK: readonly number[] = [0, 1, 2, 3, 3, 4, 5, 6];

/** Number of distinct IM values (0..6): the width of a user's histogram. */
export const IM_LEVELS = 7;

/** The state as plain typed arrays: what a checkpoint stores (binary I/O is an adapter's job). */
export interface ImplicitStateCheckpoint {
  /** Whether the state keeps user-user dot products (a `{ pairs: false }` state lists dyads only). */
  tracksPairs: boolean;
  /** External user ids in dense order. */
  userIds: Int32Array;
  /** External item ids in dense order. */
  itemIds: Int32Array;
  entryUserIxs: Int32Array;
  entryItemIxs: Int32Array;
  /** Type bitmask per entry (bit 0 click, 1 bookmark, 2 reply). */
  entryTypes: Uint8Array;
  /** Earliest event time of each entry, unix seconds (impressions at their ISO week's Monday). */
  entryFirstSeenS: Float64Array;
  /** users × 7 IM histogram counts. */
  userHist: Int32Array;
  userNormsW: Int32Array;
  userNormsB: Int32Array;
  /** Unordered pairs (lo < hi) of users sharing at least one positive item, with their dot products. */
  pairLoIxs: Int32Array;
  pairHiIxs: Int32Array;
  pairDotsW: Int32Array;
  pairDotsB: Int32Array;
}

function growI32(a: Int32Array, need: number, fill = 0): Int32Array {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Int32Array(n);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

function growU8(a: Uint8Array, need: number): Uint8Array {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

function growF64(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  let n = Math.max(16, a.length * 2);
  while (n < need) n *= 2;
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/**
 * The implicit matrix with its neighbour statistics. Fields are public typed arrays for the hot loops
 * of neighbour selection; only the methods of this class write them.
 */
export class ImplicitState {
  readonly users = new IdIndex();
  readonly items = new IdIndex();

  // Entries (one per dyad present): coordinates, type bitmask, first-seen time, next entry of the same item.
  entryCount = 0;
  entryUserIx: Int32Array = new Int32Array(1024);
  entryItemIx: Int32Array = new Int32Array(1024);
  entryTypes: Uint8Array = new Uint8Array(1024);
  entryFirstSeenS: Float64Array = new Float64Array(1024);
  entryNextInItem: Int32Array = new Int32Array(1024);
  private readonly entryMap = new PairMap(1024);

  // Per item: head of its entry list and the number of entries (users with an entry).
  itemHead: Int32Array = new Int32Array(256).fill(-1);
  itemUserCount: Int32Array = new Int32Array(256);

  // Per user: IM histogram (×7), squared norms, head of the co-occurrence (pair) list and its length.
  userHist: Int32Array = new Int32Array(256 * IM_LEVELS);
  userNormW: Int32Array = new Int32Array(256);
  userNormB: Int32Array = new Int32Array(256);
  userPairHead: Int32Array = new Int32Array(256).fill(-1);
  userPairCount: Int32Array = new Int32Array(256);

  // Pairs of users with a positive dot product.
  // One record per unordered pair, on both users' lists: pairNextLo continues the list of pairLoIx, pairNextHi
  // that of pairHiIx (one hash probe per update instead of two).
  pairCount = 0;
  pairLoIx: Int32Array = new Int32Array(1024);
  pairHiIx: Int32Array = new Int32Array(1024);
  pairDotW: Int32Array = new Int32Array(1024);
  pairDotB: Int32Array = new Int32Array(1024);
  pairNextLo: Int32Array = new Int32Array(1024);
  pairNextHi: Int32Array = new Int32Array(1024);
  private readonly pairMap = new PairMap(1024);

  /**
   * Whether dot products are kept. A state without them (`ImplicitState.empty({ pairs: false })`) still has
   * IM, first-seen times, histograms and norms: enough to list dyads and labels, at a fraction of the cost.
   */
  readonly tracksPairs: boolean;

  private constructor(tracksPairs: boolean) {
    this.tracksPairs = tracksPairs;
  }

  /** An empty state; `pairs: false` skips the user-user dot products (no neighbours can be selected from it). */
  static empty(options: { pairs?: boolean } = {}): ImplicitState {
    return new ImplicitState(options.pairs ?? true);
  }

  /** The entry index of (userIx, itemIx), or -1 when the dyad is absent. */
  entryOf(userIx: number, itemIx: number): number {
    return this.entryMap.get(userIx, itemIx);
  }

  /** IM(u, o) by external ids, or -1 when the dyad is absent. */
  imOf(userId: number, itemId: number): number {
    const u = this.users.indexOf(userId);
    const o = this.items.indexOf(itemId);
    if (u < 0 || o < 0) return -1;
    const e = this.entryMap.get(u, o);
    return e < 0 ? -1 : IM_OF_MASK[this.entryTypes[e]!]!;
  }

  /** The pair index of users userIx and otherIx (either order), or -1 when they share no positive item. */
  pairOf(userIx: number, otherIx: number): number {
    return userIx < otherIx ? this.pairMap.get(userIx, otherIx) : this.pairMap.get(otherIx, userIx);
  }

  /** Folds one interaction (type 1 click, 2 bookmark, 3 reply; others are ignored: deletes drop at ingest). */
  applyInteraction(userId: number, itemId: number, type: number, createdAtS: number): void {
    if (type < 1 || type > 3) return;
    const e = this.touch(userId, itemId, createdAtS);
    const oldMask = this.entryTypes[e]!;
    const newMask = oldMask | (1 << (type - 1));
    if (newMask === oldMask) return;
    this.changeValue(e, oldMask, newMask);
  }

  /** Folds one impression of `itemId` shown to `userId` at `eventTimeS` (the Monday of its ISO week). */
  applyImpression(userId: number, itemId: number, eventTimeS: number): void {
    this.touch(userId, itemId, eventTimeS);
  }

  /** The entry of the dyad, created with IM 0 if absent; its first-seen time lowered to `tS`. */
  private touch(userId: number, itemId: number, tS: number): number {
    const u = this.users.intern(userId);
    const o = this.items.intern(itemId);
    if (u >= this.userNormW.length) this.growUsers(u + 1);
    if (o >= this.itemHead.length) this.growItems(o + 1);
    let e = this.entryMap.get(u, o);
    if (e >= 0) {
      if (tS < this.entryFirstSeenS[e]!) this.entryFirstSeenS[e] = tS;
      return e;
    }
    e = this.entryCount++;
    if (e >= this.entryUserIx.length) {
      const need = e + 1;
      this.entryUserIx = growI32(this.entryUserIx, need);
      this.entryItemIx = growI32(this.entryItemIx, need);
      this.entryTypes = growU8(this.entryTypes, need);
      this.entryFirstSeenS = growF64(this.entryFirstSeenS, need);
      this.entryNextInItem = growI32(this.entryNextInItem, need);
    }
    this.entryUserIx[e] = u;
    this.entryItemIx[e] = o;
    this.entryTypes[e] = 0;
    this.entryFirstSeenS[e] = tS;
    this.entryNextInItem[e] = this.itemHead[o]!;
    this.itemHead[o] = e;
    this.itemUserCount[o]!++;
    this.entryMap.set(u, o, e);
    this.userHist[u * IM_LEVELS]!++;
    return e;
  }

  /** Moves entry e from one type set to another: histogram, norms and dot products with the item's users. */
  private changeValue(e: number, oldMask: number, newMask: number): void {
    const u = this.entryUserIx[e]!;
    const o = this.entryItemIx[e]!;
    const a0 = IM_OF_MASK[oldMask]!;
    const a1 = IM_OF_MASK[newMask]!;
    const b0 = oldMask === 0 ? 0 : 1;
    const b1 = newMask === 0 ? 0 : 1;
    this.entryTypes[e] = newMask;
    this.userHist[u * IM_LEVELS + a0]!--;
    this.userHist[u * IM_LEVELS + a1]!++;
    this.userNormW[u]! += a1 * a1 - a0 * a0;
    this.userNormB[u]! += b1 - b0;
    if (!this.tracksPairs) return;
    const dW = a1 - a0;
    const dB = b1 - b0;
    for (let f = this.itemHead[o]!; f >= 0; f = this.entryNextInItem[f]!) {
      const v = this.entryUserIx[f]!;
      if (v === u) continue;
      const mv = this.entryTypes[f]!;
      if (mv === 0) continue;
      const incW = dW * IM_OF_MASK[mv]!;
      const incB = dB;
      this.addDot(u < v ? u : v, u < v ? v : u, incW, incB);
    }
  }

  private addDot(lo: number, hi: number, incW: number, incB: number): void {
    let p = this.pairMap.get(lo, hi);
    if (p < 0) p = this.newPair(lo, hi);
    this.pairDotW[p]! += incW;
    this.pairDotB[p]! += incB;
  }

  private newPair(lo: number, hi: number): number {
    const p = this.pairCount++;
    if (p >= this.pairLoIx.length) {
      const need = p + 1;
      this.pairLoIx = growI32(this.pairLoIx, need);
      this.pairHiIx = growI32(this.pairHiIx, need);
      this.pairDotW = growI32(this.pairDotW, need);
      this.pairDotB = growI32(this.pairDotB, need);
      this.pairNextLo = growI32(this.pairNextLo, need);
      this.pairNextHi = growI32(this.pairNextHi, need);
    }
    this.pairLoIx[p] = lo;
    this.pairHiIx[p] = hi;
    this.pairDotW[p] = 0;
    this.pairDotB[p] = 0;
    this.pairNextLo[p] = this.userPairHead[lo]!;
    this.userPairHead[lo] = p;
    this.userPairCount[lo]!++;
    this.pairNextHi[p] = this.userPairHead[hi]!;
    this.userPairHead[hi] = p;
    this.userPairCount[hi]!++;
    this.pairMap.set(lo, hi, p);
    return p;
  }

  /** The pair after p on user u's co-occurrence list (u must be one of p's users), or -1. */
  nextPairOf(u: number, p: number): number {
    return this.pairLoIx[p] === u ? this.pairNextLo[p]! : this.pairNextHi[p]!;
  }

  /** The other user of pair p, seen from user u. */
  otherOf(u: number, p: number): number {
    const lo = this.pairLoIx[p]!;
    return lo === u ? this.pairHiIx[p]! : lo;
  }

  private growUsers(need: number): void {
    this.userHist = growI32(this.userHist, need * IM_LEVELS);
    this.userNormW = growI32(this.userNormW, need);
    this.userNormB = growI32(this.userNormB, need);
    this.userPairHead = growI32(this.userPairHead, need, -1);
    this.userPairCount = growI32(this.userPairCount, need);
  }

  private growItems(need: number): void {
    this.itemHead = growI32(this.itemHead, need, -1);
    this.itemUserCount = growI32(this.itemUserCount, need);
  }

  /** The state as plain typed arrays (copies), for a checkpoint. */
  toCheckpoint(): ImplicitStateCheckpoint {
    const nu = this.users.size;
    const ne = this.entryCount;
    const np = this.pairCount;
    return {
      tracksPairs: this.tracksPairs,
      userIds: this.users.ids(),
      itemIds: this.items.ids(),
      entryUserIxs: this.entryUserIx.slice(0, ne),
      entryItemIxs: this.entryItemIx.slice(0, ne),
      entryTypes: this.entryTypes.slice(0, ne),
      entryFirstSeenS: this.entryFirstSeenS.slice(0, ne),
      userHist: this.userHist.slice(0, nu * IM_LEVELS),
      userNormsW: this.userNormW.slice(0, nu),
      userNormsB: this.userNormB.slice(0, nu),
      pairLoIxs: this.pairLoIx.slice(0, np),
      pairHiIxs: this.pairHiIx.slice(0, np),
      pairDotsW: this.pairDotW.slice(0, np),
      pairDotsB: this.pairDotB.slice(0, np),
    };
  }

  /** Restores a state from a checkpoint; the lookup tables and lists are rebuilt in O(size). */
  static fromCheckpoint(cp: ImplicitStateCheckpoint): ImplicitState {
    const s = new ImplicitState(cp.tracksPairs);
    for (let i = 0; i < cp.userIds.length; i++) s.users.intern(cp.userIds[i]!);
    for (let i = 0; i < cp.itemIds.length; i++) s.items.intern(cp.itemIds[i]!);
    invariant(s.users.size === cp.userIds.length && s.items.size === cp.itemIds.length, 'checkpoint ids are not distinct');
    s.growUsers(s.users.size);
    s.growItems(s.items.size);
    const ne = cp.entryUserIxs.length;
    // All entry columns share one capacity: growth is decided on entryUserIx's length alone.
    const cap = Math.max(16, ne);
    s.entryUserIx = new Int32Array(cap);
    s.entryUserIx.set(cp.entryUserIxs);
    s.entryItemIx = new Int32Array(cap);
    s.entryItemIx.set(cp.entryItemIxs);
    s.entryTypes = new Uint8Array(cap);
    s.entryTypes.set(cp.entryTypes);
    s.entryFirstSeenS = new Float64Array(cap);
    s.entryFirstSeenS.set(cp.entryFirstSeenS);
    s.entryNextInItem = new Int32Array(cap);
    s.entryCount = ne;
    for (let e = 0; e < ne; e++) {
      const u = s.entryUserIx[e]!;
      const o = s.entryItemIx[e]!;
      s.entryNextInItem[e] = s.itemHead[o]!;
      s.itemHead[o] = e;
      s.itemUserCount[o]!++;
      s.entryMap.set(u, o, e);
    }
    s.userHist.set(cp.userHist);
    s.userNormW.set(cp.userNormsW);
    s.userNormB.set(cp.userNormsB);
    for (let p = 0; p < cp.pairLoIxs.length; p++) {
      invariant(cp.pairLoIxs[p]! < cp.pairHiIxs[p]!, 'checkpoint pair not ordered lo < hi');
      const q = s.newPair(cp.pairLoIxs[p]!, cp.pairHiIxs[p]!);
      s.pairDotW[q] = cp.pairDotsW[p]!;
      s.pairDotB[q] = cp.pairDotsB[p]!;
    }
    return s;
  }
}

/** Event time of an impression row: 00:00 UTC on the Monday of its ISO week (method.md §5a). */
export function impressionTimeS(yearWeek: number): number {
  return isoWeekStartS(Math.floor(yearWeek / 100), yearWeek % 100);
}

/**
 * Folds the rows of two event tables into `state` (the batch form: the same kernel as the stream).
 * `keepInteraction` / `keepImpression`, when given, select rows by a non-zero mask value.
 */
export function foldEvents(
  state: ImplicitState,
  interactions: InteractionTable,
  impressions: ImpressionTable,
  keepInteraction?: Uint8Array,
  keepImpression?: Uint8Array,
): ImplicitState {
  for (let i = 0; i < interactions.length; i++) {
    if (keepInteraction && keepInteraction[i] === 0) continue;
    state.applyInteraction(interactions.userIds[i]!, interactions.itemIds[i]!, interactions.types[i]!, interactions.createdAtS[i]!);
  }
  let lastWeek = -1;
  let lastWeekS = 0;
  for (let i = 0; i < impressions.length; i++) {
    if (keepImpression && keepImpression[i] === 0) continue;
    const yw = impressions.yearWeeks[i]!;
    if (yw !== lastWeek) {
      lastWeek = yw;
      lastWeekS = impressionTimeS(yw);
    }
    state.applyImpression(impressions.userIds[i]!, impressions.itemIds[i]!, lastWeekS);
  }
  return state;
}

/** A new state folded from the events (optionally masked): `foldEvents(ImplicitState.empty(), ...)`. */
export function stateFromEvents(
  interactions: InteractionTable,
  impressions: ImpressionTable,
  keepInteraction?: Uint8Array,
  keepImpression?: Uint8Array,
): ImplicitState {
  return foldEvents(ImplicitState.empty(), interactions, impressions, keepInteraction, keepImpression);
}
