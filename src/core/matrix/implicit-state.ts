// The implicit-feedback state (method.md §2–3): a fold of interaction and impression events into
// the implicit matrix IM ∈ {0..6} (explicit 0 entries for impression-only dyads), per-user IM
// histograms, per-item user lists, and the exact integer squared norms and sparse user-user dot
// products of both the weighted (IM values) and the binary (0/1) cosine similarity.
//
// Every update is order-independent (IM is a set of types, the first-seen time a minimum, dot products
// exact integer sums), so folding the same events in any order or in any number of batches gives the
// same state (architecture.md, "Time, order and determinism").
//
// Layout (issue 11): entries are append-only columns; each user has a row of (item, entry) sorted by item
// (the entry lookup), each item a row of (user, IM, entry) with its positive users first (the item's users,
// contiguous for neighbour selection and the fold), each user an unsorted row of (other user, packed dots)
// (pair-slab.ts). Rows live in segmented slabs (row-slab.ts).
// Two ways in, with equal results: the one-event methods below (an entry change costs O(users of the item),
// each pair found by a scan of the row: tests and occasional events), and the batch fold of batch-fold.ts,
// grouped by item, for windows.

import { IdIndex } from '../ids/id-index.js';
import { invariant } from '../errors.js';
import type { ImpressionTable, InteractionTable } from '../events/tables.js';
import { isoWeekStartS } from '../time/iso-week.js';
import { FoldJob, RebuildJob, type FoldScratch } from './batch-fold.js';
import { grownLength } from './entry-growth.js';
import { IM_LEVELS, IM_OF_MASK } from './im.js';
import { PairSlab } from './pair-slab.js';
import { EntrySlab, ItemUserSlab } from './row-slab.js';

export { IM_LEVELS, IM_OF_MASK } from './im.js';
export { FoldJob, RebuildJob } from './batch-fold.js';

/**
 * The state as plain typed arrays: what a checkpoint stores (binary I/O is an adapter's job). Only the
 * entries: histograms, norms, item lists and dot products are derived from them on restore (`RebuildJob`).
 */
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
}

/** How a state stores its rows (results never depend on it). */
export interface StateOptions {
  /**
   * Slots per slab segment (row-slab.ts; default 2^21–2^22). Tests use a handful, so that row moves, dedicated
   * segments and compaction happen on tiny inputs.
   */
  slabSegmentSize?: number;
}

/** Bytes of the state's typed arrays, by part (`pairs` is everything that stores user pairs). */
export interface StateBytes {
  entries: number;
  userEntryRows: number;
  itemUserRows: number;
  perUser: number;
  pairs: number;
  total: number;
}

/** A read-only view `view[pairOf(u, v)]` of one dot product column (tests and inspection). */
export interface DotView {
  readonly [handle: number]: number;
}

function growI32(a: Int32Array, need: number, fill = 0): Int32Array {
  if (need <= a.length) return a;
  const n = grownLength(a.length, need);
  const b = new Int32Array(n);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

function growU8(a: Uint8Array, need: number): Uint8Array {
  if (need <= a.length) return a;
  const n = grownLength(a.length, need);
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

function growF64(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const n = grownLength(a.length, need);
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/**
 * The implicit matrix with its neighbour statistics. Fields are public typed arrays for the hot loops
 * of neighbour selection and the batch fold; only this class and the fold jobs write them.
 */
export class ImplicitState {
  readonly users = new IdIndex();
  readonly items = new IdIndex();

  // Entries (one per dyad present): coordinates, type bitmask, first-seen time, position in the item's row.
  entryCount = 0;
  entryUserIx: Int32Array = new Int32Array(16);
  entryItemIx: Int32Array = new Int32Array(16);
  entryTypes: Uint8Array = new Uint8Array(16);
  entryFirstSeenS: Float64Array = new Float64Array(16);
  /** Position of each entry in its item's row: stable, since item rows only append. */
  entryItemPos: Int32Array = new Int32Array(16);

  /** Per user: (item, entry) sorted by item. */
  readonly userEntries: EntrySlab;
  /** Per item: (user, IM, entry), positive entries first (`itemPositiveCount` of them). */
  readonly itemUsers: ItemUserSlab;
  /** Per item: the number of users with a positive entry (the first slots of the item's row). */
  itemPositiveCount: Int32Array = new Int32Array(16);
  /** Per user: (other user, packed weighted and binary dots), unsorted; dots > 0 only. */
  readonly pairs: PairSlab;

  // Per user: IM histogram (×7) and squared norms.
  userHist: Int32Array = new Int32Array(16 * IM_LEVELS);
  userNormW: Int32Array = new Int32Array(16);
  userNormB: Int32Array = new Int32Array(16);

  /** Incremented by every change: a reader holding derived data (a selector) checks it is still current. */
  version = 0;
  /** The fold job under way on this state, if any: nothing else may change the state meanwhile. */
  activeJob: object | null = null;
  /** Scratch arrays of the batch fold, kept between batches (sparse-reset, so a batch costs what it touches). */
  foldScratch: FoldScratch | null = null;

  /**
   * Whether dot products are kept. A state without them (`ImplicitState.empty({ pairs: false })`) still has
   * IM, first-seen times, histograms and norms: enough to list dyads and labels, at a fraction of the cost.
   */
  readonly tracksPairs: boolean;

  private dotViewW: DotView | null = null;
  private dotViewB: DotView | null = null;

  private constructor(tracksPairs: boolean, options: StateOptions) {
    this.tracksPairs = tracksPairs;
    const seg = options.slabSegmentSize;
    this.userEntries = seg === undefined ? new EntrySlab() : new EntrySlab(seg);
    this.itemUsers = seg === undefined ? new ItemUserSlab() : new ItemUserSlab(seg);
    this.pairs = seg === undefined ? new PairSlab() : new PairSlab(seg);
  }

  /** An empty state; `pairs: false` skips the user-user dot products (no neighbours can be selected from it). */
  static empty(options: StateOptions & { pairs?: boolean } = {}): ImplicitState {
    return new ImplicitState(options.pairs ?? true, options);
  }

  /** Number of users with an entry for each item (by item index). */
  get itemUserCount(): Int32Array {
    return this.itemUsers.rowLen;
  }

  /** Number of co-occurring users (positive dot product) of each user (by user index). */
  get userPairCount(): Int32Array {
    return this.pairs.rowLen;
  }

  /** Number of unordered user pairs with a positive dot product. */
  get pairCount(): number {
    return this.pairs.used / 2;
  }

  /** The entry index of (userIx, itemIx), or -1 when the dyad is absent: a binary search in the user's row. */
  entryOf(userIx: number, itemIx: number): number {
    const rows = this.userEntries;
    if (userIx < 0 || userIx >= rows.rowCount) return -1;
    const seg = rows.rowSeg[userIx]!;
    const off = rows.rowOff[userIx]!;
    const len = rows.rowLen[userIx]!;
    const item = rows.item[seg]!;
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (item[off + mid]! < itemIx) lo = mid + 1;
      else hi = mid;
    }
    return lo < len && item[off + lo] === itemIx ? rows.entry[seg]![off + lo]! : -1;
  }

  /** IM(u, o) by external ids, or -1 when the dyad is absent. */
  imOf(userId: number, itemId: number): number {
    const u = this.users.indexOf(userId);
    const o = this.items.indexOf(itemId);
    if (u < 0 || o < 0) return -1;
    const e = this.entryOf(u, o);
    return e < 0 ? -1 : IM_OF_MASK[this.entryTypes[e]!]!;
  }

  /** Weighted dot product of users u and v (dense indices), 0 when they share no positive item. */
  dotW(u: number, v: number): number {
    const j = this.pairs.find(u, v);
    return j < 0 ? 0 : this.pairs.weighted(u, v, this.pairs.packedAt(u, j));
  }

  /** Binary dot product of users u and v (dense indices), 0 when they share no positive item. */
  dotB(u: number, v: number): number {
    const j = this.pairs.find(u, v);
    return j < 0 ? 0 : this.pairs.binary(u, v, this.pairs.packedAt(u, j));
  }

  /**
   * A handle of the pair (u, v) for `pairDotW[h]` / `pairDotB[h]`, or -1 when they share no positive item.
   * Valid until the state changes (it is v's position in u's row).
   */
  pairOf(userIx: number, otherIx: number): number {
    const j = this.pairs.find(userIx, otherIx);
    invariant(this.pairs.rowCount < 2 ** 26, 'too many users for a pair handle');
    return j < 0 ? -1 : j * this.pairs.rowCount + userIx;
  }

  /** Weighted dot products by `pairOf` handle (a view for tests and inspection; hot loops read rows). */
  get pairDotW(): DotView {
    this.dotViewW ??= this.dotView(false);
    return this.dotViewW;
  }

  /** Binary dot products by `pairOf` handle. */
  get pairDotB(): DotView {
    this.dotViewB ??= this.dotView(true);
    return this.dotViewB;
  }

  private dotView(binary: boolean): DotView {
    const read = (handle: number): number | undefined => {
      const p = this.pairs;
      if (!Number.isInteger(handle) || handle < 0) return undefined;
      const u = handle % p.rowCount;
      const j = Math.floor(handle / p.rowCount);
      if (j >= p.rowLen[u]!) return undefined;
      const v = p.otherAt(u, j);
      const packed = p.packedAt(u, j);
      return binary ? p.binary(u, v, packed) : p.weighted(u, v, packed);
    };
    return new Proxy({} as DotView, {
      get: (_target, key) => (typeof key === 'string' ? read(Number(key)) : undefined),
    });
  }

  /** Folds one interaction (type 1 click, 2 bookmark, 3 reply; others are ignored: deletes drop at ingest). */
  applyInteraction(userId: number, itemId: number, type: number, createdAtS: number): void {
    if (type < 1 || type > 3) return;
    this.assertIdle();
    const e = this.touch(userId, itemId, createdAtS);
    const oldMask = this.entryTypes[e]!;
    const newMask = oldMask | (1 << (type - 1));
    if (newMask !== oldMask) {
      this.setMask(e, newMask);
      if (this.tracksPairs) this.addPairsOfChange(e, oldMask, newMask);
    }
    this.version++;
  }

  /** Folds one impression of `itemId` shown to `userId` at `eventTimeS` (the Monday of its ISO week). */
  applyImpression(userId: number, itemId: number, eventTimeS: number): void {
    this.assertIdle();
    this.touch(userId, itemId, eventTimeS);
    this.version++;
  }

  /** Throws unless no fold job is under way. */
  assertIdle(): void {
    invariant(this.activeJob === null, 'the state is being folded: finish the fold job first');
  }

  /** The entry of the dyad, created with IM 0 if absent (inserted into the user's row); first-seen lowered to `tS`. */
  private touch(userId: number, itemId: number, tS: number): number {
    const u = this.users.intern(userId);
    const o = this.items.intern(itemId);
    this.ensureUsers(u + 1);
    this.ensureItems(o + 1);
    const rows = this.userEntries;
    const len = rows.rowLen[u]!;
    let seg = rows.rowSeg[u]!;
    let off = rows.rowOff[u]!;
    let lo = 0;
    let hi = len;
    const items = rows.item[seg]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[off + mid]! < o) lo = mid + 1;
      else hi = mid;
    }
    if (lo < len && items[off + lo] === o) {
      const e = rows.entry[seg]![off + lo]!;
      if (tS < this.entryFirstSeenS[e]!) this.entryFirstSeenS[e] = tS;
      return e;
    }
    const e = this.appendEntry(u, o, tS);
    rows.reserve(u, len + 1);
    seg = rows.rowSeg[u]!;
    off = rows.rowOff[u]!;
    const item = rows.item[seg]!;
    const entry = rows.entry[seg]!;
    item.copyWithin(off + lo + 1, off + lo, off + len);
    entry.copyWithin(off + lo + 1, off + lo, off + len);
    item[off + lo] = o;
    entry[off + lo] = e;
    rows.setLength(u, len + 1);
    return e;
  }

  /**
   * Appends a new entry (u, o) with IM 0 first seen at tS: entry columns, the item's row and u's histogram.
   * The caller puts it into u's entry row.
   */
  appendEntry(u: number, o: number, tS: number): number {
    const e = this.entryCount++;
    if (e >= this.entryUserIx.length) {
      const need = e + 1;
      this.entryUserIx = growI32(this.entryUserIx, need);
      this.entryItemIx = growI32(this.entryItemIx, need);
      this.entryTypes = growU8(this.entryTypes, need);
      this.entryFirstSeenS = growF64(this.entryFirstSeenS, need);
      this.entryItemPos = growI32(this.entryItemPos, need);
    }
    this.entryUserIx[e] = u;
    this.entryItemIx[e] = o;
    this.entryTypes[e] = 0;
    this.entryFirstSeenS[e] = tS;
    const rows = this.itemUsers;
    const len = rows.rowLen[o]!;
    rows.reserve(o, len + 1);
    const at = rows.rowOff[o]! + len;
    const seg = rows.rowSeg[o]!;
    rows.user[seg]![at] = u;
    rows.im[seg]![at] = 0;
    rows.entry[seg]![at] = e;
    rows.setLength(o, len + 1);
    this.entryItemPos[e] = len;
    this.userHist[u * IM_LEVELS]!++;
    return e;
  }

  /**
   * Replaces the entry columns by copies of the given ones (with room to grow): the rebuild's first step, on an
   * empty state; everything derived from them is the rebuild's to fill.
   */
  setEntries(userIxs: Int32Array, itemIxs: Int32Array, types: Uint8Array, firstSeenS: Float64Array): void {
    invariant(this.entryCount === 0, 'setEntries on a state with entries');
    const n = userIxs.length;
    const cap = Math.max(16, n + (n >> 3));
    const copy = <T extends Int32Array | Uint8Array | Float64Array>(make: (n: number) => T, from: T): T => {
      const a = make(cap);
      a.set(from);
      return a;
    };
    this.entryUserIx = copy((c) => new Int32Array(c), userIxs);
    this.entryItemIx = copy((c) => new Int32Array(c), itemIxs);
    this.entryTypes = copy((c) => new Uint8Array(c), types);
    this.entryFirstSeenS = copy((c) => new Float64Array(c), firstSeenS);
    this.entryItemPos = new Int32Array(cap);
    this.entryCount = n;
  }

  /** Gives entry e a new type set: histogram, norms and the IM in the item's row (dot products are the caller's). */
  setMask(e: number, newMask: number): void {
    const oldMask = this.entryTypes[e]!;
    const u = this.entryUserIx[e]!;
    const a0 = IM_OF_MASK[oldMask]!;
    const a1 = IM_OF_MASK[newMask]!;
    this.entryTypes[e] = newMask;
    this.userHist[u * IM_LEVELS + a0]!--;
    this.userHist[u * IM_LEVELS + a1]!++;
    this.userNormW[u]! += a1 * a1 - a0 * a0;
    this.userNormB[u]! += (newMask === 0 ? 0 : 1) - (oldMask === 0 ? 0 : 1);
    const o = this.entryItemIx[e]!;
    const rows = this.itemUsers;
    const seg = rows.rowSeg[o]!;
    const off = rows.rowOff[o]!;
    let p = this.entryItemPos[e]!;
    if (oldMask === 0 && newMask !== 0) {
      // Turned positive: swap it to the boundary of the item's positive entries.
      const q = this.itemPositiveCount[o]!++;
      if (p !== q) {
        const users = rows.user[seg]!;
        const ims = rows.im[seg]!;
        const entries = rows.entry[seg]!;
        const f = entries[off + q]!;
        users[off + p] = users[off + q]!;
        ims[off + p] = ims[off + q]!;
        entries[off + p] = f;
        this.entryItemPos[f] = p;
        users[off + q] = u;
        entries[off + q] = e;
        this.entryItemPos[e] = q;
        p = q;
      }
    }
    rows.im[seg]![off + p] = a1;
  }

  /** One event's dot-product updates: dot(u, v) moves by Δ(u,o)·value(v,o) for each positive v of item o. */
  private addPairsOfChange(e: number, oldMask: number, newMask: number): void {
    const u = this.entryUserIx[e]!;
    const o = this.entryItemIx[e]!;
    const dW = IM_OF_MASK[newMask]! - IM_OF_MASK[oldMask]!;
    const dB = oldMask === 0 ? 1 : 0;
    const rows = this.itemUsers;
    const positives = this.itemPositiveCount[o]!;
    const users = rows.user[rows.rowSeg[o]!]!;
    const ims = rows.im[rows.rowSeg[o]!]!;
    const off = rows.rowOff[o]!;
    // Only pair rows change below, so the item's row stays where it is.
    for (let j = off; j < off + positives; j++) {
      const v = users[j]!;
      const s = ims[j]!;
      if (v === u) continue;
      this.addDot(u, v, dW * s, dB);
      this.addDot(v, u, dW * s, dB);
    }
  }

  /** Adds to the dots of the directed pair (u, v), appending it to u's row if new. */
  private addDot(u: number, v: number, dw: number, db: number): void {
    const p = this.pairs;
    const j = p.find(u, v);
    if (j >= 0) {
      const at = 2 * (p.rowOff[u]! + j) + 1;
      const slots = p.slots[p.rowSeg[u]!]!;
      slots[at] = p.add(u, v, slots[at]!, dw, db);
      return;
    }
    const len = p.rowLen[u]!;
    p.reserve(u, len + 1);
    const at = 2 * (p.rowOff[u]! + len);
    const slots = p.slots[p.rowSeg[u]!]!;
    slots[at] = v;
    slots[at + 1] = p.add(u, v, 0, dw, db);
    p.setLength(u, len + 1);
  }

  /** Makes per-user arrays and rows exist for users [0, n). */
  ensureUsers(n: number): void {
    if (n * IM_LEVELS > this.userHist.length) this.userHist = growI32(this.userHist, n * IM_LEVELS);
    if (n > this.userNormW.length) {
      this.userNormW = growI32(this.userNormW, n);
      this.userNormB = growI32(this.userNormB, n);
    }
    this.userEntries.ensureRows(n);
    this.pairs.ensureRows(n);
  }

  /** Makes per-item rows exist for items [0, n). */
  ensureItems(n: number): void {
    this.itemUsers.ensureRows(n);
    if (n > this.itemPositiveCount.length) this.itemPositiveCount = growI32(this.itemPositiveCount, n);
  }

  /** Bytes of the state's typed arrays by part; `pairs` over `pairCount` is the cost of one stored pair. */
  bytes(): StateBytes {
    const entries = this.entryUserIx.length * (4 + 4 + 1 + 8 + 4);
    const userEntryRows = this.userEntries.bytes + this.userEntries.rowSeg.length * 16;
    const itemUserRows = this.itemUsers.bytes + this.itemUsers.rowSeg.length * 20;
    const perUser = this.userHist.length * 4 + this.userNormW.length * 8;
    // Pair rows' per-user offset/length/capacity/segment count as pair storage (the index of the store).
    const pairs = this.pairs.bytes + this.pairs.rowSeg.length * 16;
    return { entries, userEntryRows, itemUserRows, perUser, pairs, total: entries + userEntryRows + itemUserRows + perUser + pairs };
  }

  /** The state as plain typed arrays (copies) for a checkpoint: ids and entries only (the rest is derived). */
  toCheckpoint(): ImplicitStateCheckpoint {
    const ne = this.entryCount;
    return {
      tracksPairs: this.tracksPairs,
      userIds: this.users.ids(),
      itemIds: this.items.ids(),
      entryUserIxs: this.entryUserIx.slice(0, ne),
      entryItemIxs: this.entryItemIx.slice(0, ne),
      entryTypes: this.entryTypes.slice(0, ne),
      entryFirstSeenS: this.entryFirstSeenS.slice(0, ne),
    };
  }

  /** Restores a state from a checkpoint in one go; O(entries + the pair work of one batch of all of them). */
  static fromCheckpoint(cp: ImplicitStateCheckpoint, options: StateOptions = {}): ImplicitState {
    const job = ImplicitState.rebuildJob(cp, options);
    job.run(Infinity);
    return job.state;
  }

  /** The restore of a checkpoint as a job that runs in slices (`run(budget)`); its `state` is ready when done. */
  static rebuildJob(cp: ImplicitStateCheckpoint, options: StateOptions = {}): RebuildJob {
    return new RebuildJob(cp, new ImplicitState(cp.tracksPairs, options));
  }
}

/** Event time of an impression row: 00:00 UTC on the Monday of its ISO week (method.md §5a). */
export function impressionTimeS(yearWeek: number): number {
  return isoWeekStartS(Math.floor(yearWeek / 100), yearWeek % 100);
}

/**
 * Folds the rows of two event tables into `state` in one batch (the batch fold of batch-fold.ts, equal to
 * folding them one by one). `keepInteraction` / `keepImpression`, when given, select rows by a non-zero mask.
 */
export function foldEvents(
  state: ImplicitState,
  interactions: InteractionTable,
  impressions: ImpressionTable,
  keepInteraction?: Uint8Array,
  keepImpression?: Uint8Array,
): ImplicitState {
  new FoldJob(state, { interactions, impressions, keepInteraction, keepImpression }).run(Infinity);
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
