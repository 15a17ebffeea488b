// The batch fold of a window's events into the implicit state (issue 11), equal to folding them one by one.
//
// 1. Entries: the batch's events are sorted by (user, item); per user one merge with the user's sorted entry
//    row applies the new entries, new type bits and lowered first-seen times, remembering each entry whose
//    type set changed with its old value.
// 2. Dot products. For a pair (u, v) and an item o, a_u·a_v moves by a1_u·a1_v − a0_u·a0_v (new minus old
//    values), non-zero only if u or v changed at o. Per user u, for the items o where u is positive and some
//    user changed (Ch(o) = the changed users of o, P(o) = its positive users after the batch):
//      u changed at o:    + (a1_u − a0_u)·a1_v for every v in P(o), and + a0_u·(a1_v − a0_v) for v in Ch(o);
//      u unchanged at o:  + a1_u·(a1_v − a0_v) for v in Ch(o);
//    (the binary dots likewise with 0/1 values), summed in a dense scratch accumulator; then u's pair row is
//    merged once. Each pair's change is computed from both ends (both directions are stored), so the cost is
//    about 2·Σ_o |Ch(o)|·|P(o)|, in time proportional to the users sharing each changed item, with no global
//    list of contributions. Every contribution is positive (values only grow, IM is strictly increasing in
//    the type set), so a pair touched in a batch is a pair with a positive dot product.
// Each step is a bounded amount of work: `run(budget)` stops after about `budget` units (one unit ≈ one
// event, row slot or pair contribution) at a user or item boundary, and the result never depends on how the
// work was sliced. A checkpoint restore (`RebuildJob`) is the same pair step with every positive entry as a
// change from 0.

import { invariant } from '../errors.js';
import type { ImpressionTable, InteractionTable } from '../events/tables.js';
import { isoWeekStartS } from '../time/iso-week.js';
import { IM_LEVELS, IM_OF_MASK } from './im.js';
import type { ImplicitState, ImplicitStateCheckpoint } from './implicit-state.js';
import { EntryGrowth } from './entry-growth.js';
import { PairSortJob } from './pair-sort.js';

/** The events of one fold: either table may be empty; masks select rows by a non-zero value. */
export interface FoldInput {
  interactions?: InteractionTable;
  impressions?: ImpressionTable;
  keepInteraction?: Uint8Array;
  keepImpression?: Uint8Array;
}

/** Options of a fold. */
export interface FoldOptions {
  /** Events per internal batch (bounds the fold's scratch memory; results do not depend on it). Default 2^20. */
  maxBatchEvents?: number;
}

// Work units: one unit ≈ one pair contribution or one row slot walked (a few ns); the other steps are weighted
// by what they cost relative to that (measured on daemon), so a budget bounds time whatever the phase.
/** An event's two id lookups (JS Maps) and its batch slot. */
const COST_INTERN = 40;
/** An event applied to its entry (search in the user's row, perhaps a new entry and a type change). */
const COST_EVENT = 30;
/** A checkpoint entry counted, or placed in its item's row and its user's group (random accesses). */
const COST_ENTRY = 10;
/** A change placed in its item's group. */
const COST_CHANGE = 12;
/** A positive user of a changed item counted into, or placed in, its bucket (random accesses per user). */
const COST_BUCKET = 3;
/** An item row allocated by the rebuild. */
const COST_ALLOCATE = 8;

/**
 * Scale of the weighted change in an accumulator slot: slot = ΔW·2^24 + ΔB. ΔB of one pair in one batch is at most
 * the number of items the two users share (< 2^24) and ΔW·2^24 stays below 2^53, so both are exact.
 */
const W_UNIT = 16777216;
const INV_W_UNIT = 1 / W_UNIT;

/** Scratch arrays sized by users and items, kept on the state between batches; all zero between uses. */
export class FoldScratch {
  /** Per other user: the weighted dot change · W_UNIT + the binary dot change (both exact in a double). */
  acc = new Float64Array(0);
  /** Bit v set while v is touched and not yet merged (an L1-sized set for the row walk). */
  touchedBits = new Int32Array(0);
  touched = new Int32Array(0);
  /** Places of touched users found in a row walk (at most the number touched, plus one for the branch-free scan). */
  hits = new Int32Array(0);
  userSlot = new Int32Array(0);
  userMark = new Int8Array(0);
  itemSlot = new Int32Array(0);

  /** Grows the arrays to cover users [0, nUsers) and items [0, nItems). */
  ensure(nUsers: number, nItems: number): void {
    if (nUsers > this.acc.length) {
      const n = Math.max(nUsers, Math.ceil(this.acc.length * 1.5), 64);
      this.acc = new Float64Array(n);
      this.touched = new Int32Array(n);
      this.hits = new Int32Array(n + 1);
      this.touchedBits = new Int32Array((n >>> 5) + 1);
      this.userSlot = new Int32Array(n);
      this.userMark = new Int8Array(n);
    }
    if (nItems > this.itemSlot.length) this.itemSlot = new Int32Array(Math.max(nItems, Math.ceil(this.itemSlot.length * 1.5), 64));
  }
}

function scratchOf(state: ImplicitState): FoldScratch {
  state.foldScratch ??= new FoldScratch();
  state.foldScratch.ensure(state.users.size, state.items.size);
  return state.foldScratch;
}

function growI32(a: Int32Array, need: number): Int32Array {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

// Steps of the pair deltas.
const GROUP_COUNT = 0;
const GROUP_FILL = 1;
const COUNT = 2;
const FILL = 3;
const ORDER = 4;
const USERS = 5;
const PAIRS_DONE = 6;

/**
 * Step 2 of the fold: the dot-product changes of a set of changed entries (entry index and old type mask;
 * the entries already hold their new masks). Resumable at item and user boundaries.
 */
class PairDeltas {
  private step = GROUP_COUNT;
  private cursor = 0;
  // Changes grouped by item: changed item k is chItems[k]; its changed users chUser[chStart[k] .. chStart[k+1]).
  private nItemsChanged = 0;
  private chItems: Int32Array = new Int32Array(0);
  private chStart: Int32Array = new Int32Array(0);
  private chUser: Int32Array = new Int32Array(0);
  private chA0: Int8Array = new Int8Array(0);
  private chA1: Int8Array = new Int8Array(0);
  // Per user (bucket b, user bUsers[b]): the changed items where the user is positive, with its old and new value.
  private nBucketUsers = 0;
  private bUsers: Int32Array = new Int32Array(0);
  private bStart: Int32Array = new Int32Array(0);
  private bItem: Int32Array = new Int32Array(0);
  private bA1: Int8Array = new Int8Array(0);
  private bA0: Int8Array = new Int8Array(0);
  /** The order in which the bucket users are visited. */
  private order: Int32Array = new Int32Array(0);
  private orderJob: PairSortJob | null = null;
  /** The next free place of each bucket while filling. */
  private bFill: Int32Array = new Int32Array(0);
  /** Directed pair contributions summed so far (a work figure). */
  contributions = 0;

  constructor(
    private readonly state: ImplicitState,
    private readonly scratch: FoldScratch,
    private readonly chE: Int32Array,
    private readonly chOld: Uint8Array,
    private readonly nCh: number,
  ) {}

  get done(): boolean {
    return this.step === PAIRS_DONE;
  }

  /** The current step, for progress reports. */
  get stepName(): string {
    return ['group', 'group', 'count', 'fill', 'order', 'users', 'done'][this.step]!;
  }

  /** Does about `budget` units of work (at least one item or user); returns the work done. */
  run(budget: number): number {
    let work = 0;
    do {
      const left = Math.max(1, budget - work);
      if (this.step === GROUP_COUNT) work += this.groupCount(left);
      else if (this.step === GROUP_FILL) work += this.groupFill(left);
      else if (this.step === COUNT) work += this.countBuckets(left);
      else if (this.step === FILL) work += this.fillBuckets(left);
      else if (this.step === ORDER) work += this.orderBucketsByRow(left);
      else if (this.step === USERS) work += this.users(left);
    } while (work < budget && this.step !== PAIRS_DONE);
    return work;
  }

  /** Groups the changes by item, first pass: the changed items and their change counts (sparse counting). */
  private groupCount(budget: number): number {
    const st = this.state;
    const n = this.nCh;
    const itemSlot = this.scratch.itemSlot;
    if (this.cursor === 0) {
      this.chItems = new Int32Array(n);
      this.chStart = new Int32Array(n + 1);
    }
    const chItems = this.chItems;
    const counts = this.chStart;
    let k = this.nItemsChanged;
    const stop = Math.min(n, this.cursor + Math.ceil(budget / COST_CHANGE));
    for (let c = this.cursor; c < stop; c++) {
      const o = st.entryItemIx[this.chE[c]!]!;
      let slot = itemSlot[o]!;
      if (slot === 0) {
        slot = ++k;
        itemSlot[o] = slot;
        chItems[slot - 1] = o;
      }
      counts[slot]!++;
    }
    const work = (stop - this.cursor) * COST_CHANGE;
    this.nItemsChanged = k;
    this.cursor = stop;
    if (stop === n) {
      for (let i = 0; i < k; i++) counts[i + 1]! += counts[i]!;
      this.bFill = counts.slice(0, k);
      this.chUser = new Int32Array(n);
      this.chA0 = new Int8Array(n);
      this.chA1 = new Int8Array(n);
      this.step = GROUP_FILL;
      this.cursor = 0;
    }
    return work + 1;
  }

  /** Groups the changes by item, second pass: each change (user, old and new value) in its item's group. */
  private groupFill(budget: number): number {
    const st = this.state;
    const n = this.nCh;
    const itemSlot = this.scratch.itemSlot;
    const fill = this.bFill;
    const stop = Math.min(n, this.cursor + Math.ceil(budget / COST_CHANGE));
    for (let c = this.cursor; c < stop; c++) {
      const e = this.chE[c]!;
      const at = fill[itemSlot[st.entryItemIx[e]!]! - 1]!++;
      this.chUser[at] = st.entryUserIx[e]!;
      this.chA0[at] = IM_OF_MASK[this.chOld[c]!]!;
      this.chA1[at] = IM_OF_MASK[st.entryTypes[e]!]!;
    }
    const work = (stop - this.cursor) * COST_CHANGE;
    this.cursor = stop;
    if (stop === n) {
      const k = this.nItemsChanged;
      for (let i = 0; i < k; i++) itemSlot[this.chItems[i]!] = 0;
      this.chStart = this.chStart.subarray(0, k + 1);
      this.bFill = new Int32Array(0);
      this.bUsers = new Int32Array(Math.min(st.users.size, 1024));
      this.bStart = new Int32Array(Math.min(st.users.size, 1024) + 1);
      this.step = COUNT;
      this.cursor = 0;
    }
    return work + 1;
  }

  /** First pass over the changed items' rows: the users with a bucket and their bucket sizes. */
  private countBuckets(budget: number): number {
    const items = this.state.itemUsers;
    const positives = this.state.itemPositiveCount;
    const userSlot = this.scratch.userSlot;
    let work = 0;
    while (this.cursor < this.nItemsChanged && work < budget) {
      const o = this.chItems[this.cursor++]!;
      const seg = items.rowSeg[o]!;
      const off = items.rowOff[o]!;
      const end = off + positives[o]!;
      const users = items.user[seg]!;
      for (let j = off; j < end; j++) {
        const v = users[j]!;
        let slot = userSlot[v]!;
        if (slot === 0) {
          slot = ++this.nBucketUsers;
          userSlot[v] = slot;
          if (slot > this.bUsers.length) {
            this.bUsers = growI32(this.bUsers, slot);
            this.bStart = growI32(this.bStart, this.bUsers.length + 1);
          }
          this.bUsers[slot - 1] = v;
        }
        this.bStart[slot]!++;
      }
      work += (end - off) * COST_BUCKET + 1;
    }
    if (this.cursor === this.nItemsChanged) {
      const nb = this.nBucketUsers;
      for (let b = 0; b < nb; b++) this.bStart[b + 1]! += this.bStart[b]!;
      const total = this.bStart[nb]!;
      this.bItem = new Int32Array(total);
      this.bA1 = new Int8Array(total);
      this.bA0 = new Int8Array(total);
      this.bFill = this.bStart.slice(0, nb);
      this.step = FILL;
      this.cursor = 0;
    }
    return work;
  }

  /** Second pass: each positive user of each changed item gets (item, new value, old value) in its bucket. */
  private fillBuckets(budget: number): number {
    const items = this.state.itemUsers;
    const positives = this.state.itemPositiveCount;
    const userSlot = this.scratch.userSlot;
    const mark = this.scratch.userMark;
    let work = 0;
    while (this.cursor < this.nItemsChanged && work < budget) {
      const k = this.cursor++;
      const o = this.chItems[k]!;
      const c0 = this.chStart[k]!;
      const c1 = this.chStart[k + 1]!;
      for (let c = c0; c < c1; c++) mark[this.chUser[c]!] = this.chA0[c]! + 1;
      const seg = items.rowSeg[o]!;
      const off = items.rowOff[o]!;
      const end = off + positives[o]!;
      const users = items.user[seg]!;
      const ims = items.im[seg]!;
      for (let j = off; j < end; j++) {
        const s = ims[j]!;
        const v = users[j]!;
        const at = this.bFill[userSlot[v]! - 1]!++;
        this.bItem[at] = k;
        this.bA1[at] = s;
        const m = mark[v]!;
        this.bA0[at] = m === 0 ? s : m - 1;
      }
      for (let c = c0; c < c1; c++) mark[this.chUser[c]!] = 0;
      work += (end - off) * COST_BUCKET + 1 + (c1 - c0);
    }
    if (this.cursor === this.nItemsChanged) {
      for (let b = 0; b < this.nBucketUsers; b++) userSlot[this.bUsers[b]!] = 0;
      this.bFill = new Int32Array(0);
      this.step = ORDER;
      this.cursor = 0;
    }
    return work;
  }

  /**
   * Visits the users in the order their pair rows lie in memory (segment, offset), so consecutive merges read
   * and write neighbouring memory (the merges are bound by memory traffic to rows no cache holds).
   */
  private orderBucketsByRow(budget: number): number {
    if (this.orderJob === null) {
      const n = this.nBucketUsers;
      const pairs = this.state.pairs;
      const segs = new Int32Array(n);
      const offs = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const u = this.bUsers[b]!;
        segs[b] = pairs.rowSeg[u]!;
        offs[b] = pairs.rowOff[u]!;
      }
      this.orderJob = new PairSortJob(segs, offs, n);
      return 2 * n + 1;
    }
    const job = this.orderJob;
    const work = job.step(budget);
    if (job.done) {
      this.order = job.perm;
      this.orderJob = null;
      this.step = USERS;
      this.cursor = 0;
    }
    return work;
  }

  /** Per bucket user: the dot-product changes with every other user in the accumulator, then one row merge. */
  private users(budget: number): number {
    const st = this.state;
    const pairs = st.pairs;
    let work = 0;
    while (this.cursor < this.nBucketUsers && work < budget) {
      work += this.user(this.order[this.cursor++]!);
      if (pairs.needsCompaction()) work += pairs.compactSome(Math.max(1, budget - work));
    }
    if (this.cursor === this.nBucketUsers) this.step = PAIRS_DONE;
    return work;
  }

  private user(b: number): number {
    const st = this.state;
    const sc = this.scratch;
    const acc = sc.acc;
    const touched = sc.touched;
    const items = st.itemUsers;
    const chStart = this.chStart;
    const chUser = this.chUser;
    const chA0 = this.chA0;
    const chA1 = this.chA1;
    const u = this.bUsers[b]!;
    let t = 0;
    let work = 0;
    const end = this.bStart[b + 1]!;
    for (let x = this.bStart[b]!; x < end; x++) {
      const k = this.bItem[x]!;
      const a1u = this.bA1[x]!;
      const a0u = this.bA0[x]!;
      const c0 = chStart[k]!;
      const c1 = chStart[k + 1]!;
      if (a1u !== a0u) {
        // u changed at o: (a1_u − a0_u)·a1_v for every positive v; binary: +1 if u was 0 before.
        const o = this.chItems[k]!;
        const dW = (a1u - a0u) * W_UNIT;
        const dB = a0u === 0 ? 1 : 0;
        const seg = items.rowSeg[o]!;
        const off = items.rowOff[o]!;
        const rowEnd = off + st.itemPositiveCount[o]!;
        const users = items.user[seg]!;
        const ims = items.im[seg]!;
        for (let j = off; j < rowEnd; j++) {
          const v = users[j]!;
          if (v === u) continue;
          const s = ims[j]!;
          const before = acc[v]!;
          if (before === 0) touched[t++] = v;
          acc[v] = before + dW * s + dB;
        }
        work += rowEnd - off;
        if (a0u > 0) {
          // The correction for users that changed too: a0_u·(a1_v − a0_v); binary b0_u·(b1_v − b0_v).
          for (let c = c0; c < c1; c++) {
            const v = chUser[c]!;
            if (v === u) continue;
            const before = acc[v]!;
            if (before === 0) touched[t++] = v;
            acc[v] = before + a0u * (chA1[c]! - chA0[c]!) * W_UNIT + (chA0[c] === 0 ? 1 : 0);
          }
          work += c1 - c0;
        }
      } else {
        // u unchanged at o: a1_u·(a1_v − a0_v) for the changed users; binary (b1_v − b0_v).
        for (let c = c0; c < c1; c++) {
          const v = chUser[c]!;
          const before = acc[v]!;
          if (before === 0) touched[t++] = v;
          acc[v] = before + a1u * (chA1[c]! - chA0[c]!) * W_UNIT + (chA0[c] === 0 ? 1 : 0);
        }
        work += c1 - c0;
      }
    }
    this.contributions += work;
    if (t > 0) work += this.mergeRow(u, t);
    return work + 1;
  }

  /**
   * Adds the accumulated changes of touched[0..t) to u's row and clears them: one walk over the row updates the
   * pairs whose bit is set in the touched bitmap (an L1-sized bit per user, so the walk reads the accumulator
   * only where it changed); the users still marked are new pairs, appended. Rows are unsorted: no sort and no
   * moves, the walk is the cost (merges are bound by memory traffic to rows no cache holds).
   */
  private mergeRow(u: number, t: number): number {
    const p = this.state.pairs;
    const sc = this.scratch;
    const acc = sc.acc;
    const bits = sc.touchedBits;
    const touched = sc.touched;
    for (let i = 0; i < t; i++) {
      const v = touched[i]!;
      bits[v >>> 5]! |= 1 << (v & 31);
    }
    const len = p.rowLen[u]!;
    const slots = p.slots[p.rowSeg[u]!]!;
    // First a branch-free scan that lists where the touched users sit (a mispredicted branch per slot would
    // throw away the loads of the rows in flight), then the updates at those places only.
    const hits = sc.hits;
    let nHits = 0;
    for (let j = 2 * p.rowOff[u]!, end = j + 2 * len; j < end; j += 2) {
      const v = slots[j]!;
      hits[nHits] = j;
      nHits += (bits[v >>> 5]! >>> (v & 31)) & 1;
    }
    for (let h = 0; h < nHits; h++) {
      const j = hits[h]!;
      const v = slots[j]!;
      bits[v >>> 5]! &= ~(1 << (v & 31));
      const x = acc[v]!;
      acc[v] = 0;
      const w = (x * INV_W_UNIT) | 0;
      slots[j + 1] = p.add(u, v, slots[j + 1]!, w, x - w * W_UNIT);
    }
    const found = nHits;
    const nNew = t - found;
    if (nNew === 0) return t + len;
    const need = len + nNew;
    if (need > p.rowCap[u]! && !p.growInPlace(u, p.capacityFor(need))) p.reserve(u, need);
    const to = p.slots[p.rowSeg[u]!]!;
    let at = 2 * (p.rowOff[u]! + len);
    for (let i = 0; i < t; i++) {
      const v = touched[i]!;
      const word = bits[v >>> 5]!;
      const bit = 1 << (v & 31);
      if ((word & bit) === 0) continue;
      bits[v >>> 5] = word & ~bit;
      const x = acc[v]!;
      acc[v] = 0;
      const w = (x * INV_W_UNIT) | 0;
      to[at] = v;
      to[at + 1] = p.add(u, v, 0, w, x - w * W_UNIT);
      at += 2;
    }
    p.setLength(u, need);
    return t + len + need;
  }
}

/** Compacts the state's slabs whose holes exceed their bound, within a budget; returns the work done. */
function compactSlabs(state: ImplicitState, budget: number): number {
  let work = 0;
  for (const slab of [state.userEntries, state.itemUsers, state.pairs]) {
    if (work >= budget) break;
    if (slab.needsCompaction()) work += slab.compactSome(Math.max(1, budget - work));
  }
  return work;
}

function slabsNeedCompaction(state: ImplicitState): boolean {
  return state.userEntries.needsCompaction() || state.itemUsers.needsCompaction() || state.pairs.needsCompaction();
}

// Phases of a fold.
const COLLECT = 0;
const SORT = 1;
const GROW = 2;
const ENTRIES = 3;
const PAIRS = 4;
const FINISH = 5;
const DONE = 6;

/**
 * The batch fold of a set of events into a state, as a job: `run(budget)` until it returns true. The state
 * accepts no other change while the job runs. Folding the same events in one job, many jobs or one by one
 * gives the same state.
 */
export class FoldJob {
  private phase = COLLECT;
  private readonly maxBatch: number;
  private iNext = 0;
  private pNext = 0;
  private lastWeek = -1;
  private lastWeekS = 0;
  // The current batch, as (user, item, type bits, time) by dense index.
  private n = 0;
  private evU: Int32Array = new Int32Array(0);
  private evO: Int32Array = new Int32Array(0);
  private evBits: Uint8Array = new Uint8Array(0);
  private evT: Float64Array = new Float64Array(0);
  private perm: Int32Array = new Int32Array(0);
  private at = 0;
  // Entries whose type set changed in this batch, with their old masks.
  private nCh = 0;
  private chE: Int32Array = new Int32Array(0);
  private chOld: Uint8Array = new Uint8Array(0);
  // A user's new entries, before they are merged into its row.
  private newO: Int32Array = new Int32Array(0);
  private newE: Int32Array = new Int32Array(0);
  private pairDeltas: PairDeltas | null = null;
  private scratch: FoldScratch | null = null;
  private sortJob: PairSortJob | null = null;
  private growth: EntryGrowth | null = null;

  /** Events folded (kept interactions of types 1–3 and impressions). */
  events = 0;
  /** Entries created. */
  newEntries = 0;
  /** Entry type-set changes. */
  changes = 0;
  /** Directed pair contributions summed (a work figure). */
  contributions = 0;

  constructor(
    readonly state: ImplicitState,
    private readonly input: FoldInput,
    options: FoldOptions = {},
  ) {
    state.assertIdle();
    invariant(!input.keepInteraction || !input.interactions || input.keepInteraction.length >= input.interactions.length, 'keepInteraction shorter than interactions');
    invariant(!input.keepImpression || !input.impressions || input.keepImpression.length >= input.impressions.length, 'keepImpression shorter than impressions');
    this.maxBatch = Math.max(1, options.maxBatchEvents ?? 1 << 20);
    state.activeJob = this;
  }

  /** Whether the fold is complete. */
  get done(): boolean {
    return this.phase === DONE;
  }

  /** The current phase, for progress reports. */
  get phaseName(): string {
    const name = ['collect', 'sort', 'grow', 'entries', 'pairs', 'finish', 'done'][this.phase]!;
    return this.pairDeltas ? `${name}/${this.pairDeltas.stepName}` : name;
  }

  /** Does about `budget` units of work (always some progress); returns true when the fold is complete. */
  run(budget: number): boolean {
    let work = 0;
    while (this.phase !== DONE) {
      const left = Math.max(1, budget - work);
      if (this.phase === COLLECT) work += this.collect(left);
      else if (this.phase === SORT) {
        const sort = this.sortJob!;
        work += sort.step(left);
        if (sort.done) {
          this.perm = sort.perm;
          this.sortJob = null;
          // At most one new entry per event: room first, in steps (growing copies every entry column).
          this.growth = new EntryGrowth(this.state, this.state.entryCount + this.n);
          this.phase = GROW;
        }
      } else if (this.phase === GROW) {
        const growth = this.growth!;
        work += growth.step(left);
        if (growth.done) {
          this.growth = null;
          this.phase = ENTRIES;
        }
      } else if (this.phase === ENTRIES) work += this.entries(left);
      else if (this.phase === PAIRS) {
        const pd = this.pairDeltas!;
        work += pd.run(left);
        if (pd.done) {
          this.contributions += pd.contributions;
          this.pairDeltas = null;
          this.phase = this.moreInput() ? COLLECT : FINISH;
        }
      } else if (this.phase === FINISH) {
        work += compactSlabs(this.state, left);
        if (!slabsNeedCompaction(this.state)) {
          this.state.activeJob = null;
          this.state.version++;
          this.phase = DONE;
        }
      }
      if (work >= budget) break;
    }
    return this.phase === DONE;
  }

  private moreInput(): boolean {
    return this.iNext < (this.input.interactions?.length ?? 0) || this.pNext < (this.input.impressions?.length ?? 0);
  }

  private push(u: number, o: number, bits: number, tS: number): void {
    const i = this.n++;
    if (i >= this.evU.length) {
      const cap = Math.min(this.maxBatch, Math.max(1024, this.evU.length * 2));
      const grow = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(cap);
        b.set(a);
        return b;
      };
      this.evU = grow(this.evU, (n) => new Int32Array(n));
      this.evO = grow(this.evO, (n) => new Int32Array(n));
      this.evBits = grow(this.evBits, (n) => new Uint8Array(n));
      this.evT = grow(this.evT, (n) => new Float64Array(n));
    }
    this.evU[i] = u;
    this.evO[i] = o;
    this.evBits[i] = bits;
    this.evT[i] = tS;
  }

  /** Interns the next events' ids into the batch, until the batch is full or the input ends. */
  private collect(budget: number): number {
    const st = this.state;
    const inter = this.input.interactions;
    const impr = this.input.impressions;
    const keepI = this.input.keepInteraction;
    const keepP = this.input.keepImpression;
    let work = 0;
    if (inter) {
      while (this.iNext < inter.length && this.n < this.maxBatch && work < budget) {
        const i = this.iNext++;
        work++;
        if (keepI && keepI[i] === 0) continue;
        const type = inter.types[i]!;
        if (type < 1 || type > 3) continue;
        work += COST_INTERN;
        this.push(st.users.intern(inter.userIds[i]!), st.items.intern(inter.itemIds[i]!), 1 << (type - 1), inter.createdAtS[i]!);
      }
    }
    if (impr && (!inter || this.iNext >= inter.length)) {
      while (this.pNext < impr.length && this.n < this.maxBatch && work < budget) {
        const i = this.pNext++;
        work++;
        if (keepP && keepP[i] === 0) continue;
        work += COST_INTERN;
        const yw = impr.yearWeeks[i]!;
        if (yw !== this.lastWeek) {
          this.lastWeek = yw;
          this.lastWeekS = isoWeekStartS(Math.floor(yw / 100), yw % 100);
        }
        this.push(st.users.intern(impr.userIds[i]!), st.items.intern(impr.itemIds[i]!), 0, this.lastWeekS);
      }
    }
    if (this.n === this.maxBatch || !this.moreInput()) {
      if (this.n === 0) {
        this.phase = FINISH;
        return work;
      }
      st.ensureUsers(st.users.size);
      st.ensureItems(st.items.size);
      this.scratch = scratchOf(st);
      this.sortJob = new PairSortJob(this.evU, this.evO, this.n);
      this.at = 0;
      this.nCh = 0;
      if (this.chE.length < this.n) {
        this.chE = new Int32Array(this.n);
        this.chOld = new Uint8Array(this.n);
        this.newO = new Int32Array(this.n);
        this.newE = new Int32Array(this.n);
      }
      this.events += this.n;
      this.phase = SORT;
    }
    return work;
  }

  /** Applies the batch's events user by user (one merge with each user's entry row). */
  private entries(budget: number): number {
    const perm = this.perm;
    const evU = this.evU;
    let work = 0;
    while (this.at < this.n && work < budget) {
      const u = evU[perm[this.at]!]!;
      let g = this.at + 1;
      while (g < this.n && evU[perm[g]!] === u) g++;
      work += this.foldUser(u, this.at, g);
      this.at = g;
    }
    if (this.at === this.n) {
      this.n = 0;
      this.changes += this.nCh;
      if (this.state.tracksPairs && this.nCh > 0) {
        this.pairDeltas = new PairDeltas(this.state, this.scratch!, this.chE, this.chOld, this.nCh);
        this.phase = PAIRS;
      } else {
        this.phase = this.moreInput() ? COLLECT : FINISH;
      }
    }
    return work;
  }

  /** The events perm[from..to) of user u (sorted by item): entry changes, then new entries merged into u's row. */
  private foldUser(u: number, from: number, to: number): number {
    const st = this.state;
    const rows = st.userEntries;
    const perm = this.perm;
    const evO = this.evO;
    const evBits = this.evBits;
    const evT = this.evT;
    const seg = rows.rowSeg[u]!;
    const off = rows.rowOff[u]!;
    const len = rows.rowLen[u]!;
    const itemCol = rows.item[seg]!;
    const entryCol = rows.entry[seg]!;
    let lo = 0;
    let nNew = 0;
    let i = from;
    while (i < to) {
      const p = perm[i++]!;
      const o = evO[p]!;
      let bits = evBits[p]!;
      let t = evT[p]!;
      while (i < to && evO[perm[i]!] === o) {
        const q = perm[i++]!;
        bits |= evBits[q]!;
        if (evT[q]! < t) t = evT[q]!;
      }
      let hi = len;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (itemCol[off + mid]! < o) lo = mid + 1;
        else hi = mid;
      }
      let e: number;
      if (lo < len && itemCol[off + lo] === o) {
        e = entryCol[off + lo]!;
        lo++;
        if (t < st.entryFirstSeenS[e]!) st.entryFirstSeenS[e] = t;
      } else {
        e = st.appendEntry(u, o, t);
        this.newO[nNew] = o;
        this.newE[nNew++] = e;
      }
      const old = st.entryTypes[e]!;
      const mask = old | bits;
      if (mask !== old) {
        this.chE[this.nCh] = e;
        this.chOld[this.nCh++] = old;
        st.setMask(e, mask);
      }
    }
    if (nNew > 0) this.insertEntries(u, nNew);
    this.newEntries += nNew;
    return (to - from) * COST_EVENT + 1;
  }

  /** Merges u's new (item, entry) pairs (sorted by item, none already present) into its sorted entry row. */
  private insertEntries(u: number, nNew: number): void {
    const rows = this.state.userEntries;
    const newO = this.newO;
    const newE = this.newE;
    const seg = rows.rowSeg[u]!;
    const off = rows.rowOff[u]!;
    const len = rows.rowLen[u]!;
    const need = len + nNew;
    const item = rows.item[seg]!;
    const entry = rows.entry[seg]!;
    if (need <= rows.rowCap[u]! || rows.growInPlace(u, rows.capacityFor(need))) {
      let i = off + len - 1;
      let j = nNew - 1;
      let k = off + need - 1;
      while (j >= 0) {
        if (i >= off && item[i]! > newO[j]!) {
          item[k] = item[i]!;
          entry[k] = entry[i--]!;
        } else {
          item[k] = newO[j]!;
          entry[k] = newE[j--]!;
        }
        k--;
      }
    } else {
      rows.relocate(u, rows.capacityFor(need));
      const toItem = rows.item[rows.rowSeg[u]!]!;
      const toEntry = rows.entry[rows.rowSeg[u]!]!;
      let k = rows.rowOff[u]!;
      let i = off;
      const oldEnd = off + len;
      for (let j = 0; j < nNew; j++) {
        while (i < oldEnd && item[i]! < newO[j]!) {
          toItem[k] = item[i]!;
          toEntry[k++] = entry[i++]!;
        }
        toItem[k] = newO[j]!;
        toEntry[k++] = newE[j]!;
      }
      while (i < oldEnd) {
        toItem[k] = item[i]!;
        toEntry[k++] = entry[i++]!;
      }
      rows.release(rows.oldSeg, rows.oldOff, rows.oldCap);
    }
    rows.setLength(u, need);
  }
}

// Phases of a rebuild.
const R_COUNT = 0;
const R_ALLOCATE = 1;
const R_FILL = 2;
const R_USER_ROWS = 3;
const R_PAIRS = 4;
const R_FINISH = 5;
const R_DONE = 6;

/**
 * The restore of a checkpoint (entries only) as a job: the entry columns copied; one pass counting entries per
 * user and per item (histograms and norms on the way); each item's row allocated once and filled, positive
 * entries first; the entries grouped by user (a counting sort) and each user's entry row sorted by item; then
 * every dot product by the pair step of the batch fold (every positive entry a change from 0).
 */
export class RebuildJob {
  private phase = R_COUNT;
  private cursor = 0;
  // Per user: entries byUser[userStart[u] .. userStart[u + 1]); per item: where its next positive / zero goes.
  private userStart: Int32Array;
  private byUser: Int32Array = new Int32Array(0);
  private itemLen: Int32Array;
  private positiveAt: Int32Array = new Int32Array(0);
  private zeroAt: Int32Array = new Int32Array(0);
  private sortKeys: Float64Array = new Float64Array(0);
  private nCh = 0;
  private readonly chE: Int32Array;
  private pairDeltas: PairDeltas | null = null;
  /** Directed pair contributions summed (a work figure). */
  contributions = 0;

  constructor(
    private readonly cp: ImplicitStateCheckpoint,
    readonly state: ImplicitState,
  ) {
    const ne = cp.entryUserIxs.length;
    invariant(
      cp.entryItemIxs.length === ne && cp.entryTypes.length === ne && cp.entryFirstSeenS.length === ne,
      'checkpoint entry columns differ in length',
    );
    for (let i = 0; i < cp.userIds.length; i++) state.users.intern(cp.userIds[i]!);
    for (let i = 0; i < cp.itemIds.length; i++) state.items.intern(cp.itemIds[i]!);
    invariant(state.users.size === cp.userIds.length && state.items.size === cp.itemIds.length, 'checkpoint ids are not distinct');
    invariant(cp.itemIds.length * Math.max(1, ne) < Number.MAX_SAFE_INTEGER, 'too many items × entries for the rebuild sort key');
    state.ensureUsers(state.users.size);
    state.ensureItems(state.items.size);
    state.setEntries(cp.entryUserIxs, cp.entryItemIxs, cp.entryTypes, cp.entryFirstSeenS);
    this.chE = new Int32Array(ne);
    this.userStart = new Int32Array(state.users.size + 1);
    this.itemLen = new Int32Array(state.items.size);
    state.activeJob = this;
  }

  /** Whether the state is complete. */
  get done(): boolean {
    return this.phase === R_DONE;
  }

  /** The current phase, for progress reports. */
  get phaseName(): string {
    const name = ['count', 'allocate', 'fill', 'user rows', 'pairs', 'finish', 'done'][this.phase]!;
    return this.pairDeltas ? `${name}/${this.pairDeltas.stepName}` : name;
  }

  /** Does about `budget` units of work (always some progress); returns true when the state is complete. */
  run(budget: number): boolean {
    let work = 0;
    while (this.phase !== R_DONE) {
      const left = Math.max(1, budget - work);
      if (this.phase === R_COUNT) work += this.count(left);
      else if (this.phase === R_ALLOCATE) work += this.allocate(left);
      else if (this.phase === R_FILL) work += this.fill(left);
      else if (this.phase === R_USER_ROWS) work += this.userRows(left);
      else if (this.phase === R_PAIRS) {
        const pd = this.pairDeltas!;
        work += pd.run(left);
        if (pd.done) {
          this.contributions = pd.contributions;
          this.pairDeltas = null;
          this.phase = R_FINISH;
        }
      } else if (this.phase === R_FINISH) {
        work += compactSlabs(this.state, left);
        if (!slabsNeedCompaction(this.state)) {
          this.state.activeJob = null;
          this.state.version++;
          this.phase = R_DONE;
        }
      }
      if (work >= budget) break;
    }
    return this.phase === R_DONE;
  }

  /** Checks each entry; counts entries per user and item and positives per item; histograms and norms. */
  private count(budget: number): number {
    const cp = this.cp;
    const st = this.state;
    const nu = st.users.size;
    const ni = st.items.size;
    const ne = cp.entryUserIxs.length;
    const hist = st.userHist;
    const normW = st.userNormW;
    const normB = st.userNormB;
    const positives = st.itemPositiveCount;
    const stop = Math.min(ne, this.cursor + Math.ceil(budget / COST_ENTRY));
    for (let e = this.cursor; e < stop; e++) {
      const u = cp.entryUserIxs[e]!;
      const o = cp.entryItemIxs[e]!;
      const mask = cp.entryTypes[e]!;
      invariant(u >= 0 && u < nu && o >= 0 && o < ni && mask <= 7 && Number.isFinite(cp.entryFirstSeenS[e]), `checkpoint entry ${e} is out of range`);
      const im = IM_OF_MASK[mask]!;
      hist[u * IM_LEVELS + im]!++;
      this.userStart[u + 1]!++;
      this.itemLen[o]!++;
      if (mask !== 0) {
        normW[u]! += im * im;
        normB[u]!++;
        positives[o]!++;
        this.chE[this.nCh++] = e;
      }
    }
    const work = (stop - this.cursor) * COST_ENTRY + 1;
    this.cursor = stop;
    if (stop === ne) {
      const us = this.userStart;
      for (let u = 0; u < nu; u++) us[u + 1]! += us[u]!;
      this.positiveAt = new Int32Array(ni);
      this.zeroAt = positives.slice(0, ni);
      this.cursor = 0;
      this.phase = R_ALLOCATE;
      return work + nu;
    }
    return work;
  }

  /** Each item's row, allocated once at its final length (plus the usual growth slack). */
  private allocate(budget: number): number {
    const rows = this.state.itemUsers;
    const ni = this.state.items.size;
    const stop = Math.min(ni, this.cursor + Math.ceil(budget / COST_ALLOCATE));
    for (let o = this.cursor; o < stop; o++) {
      const n = this.itemLen[o]!;
      if (n === 0) continue;
      rows.relocate(o, rows.capacityFor(n));
      rows.setLength(o, n);
    }
    const work = (stop - this.cursor) * COST_ALLOCATE + 1;
    this.cursor = stop;
    if (stop === ni) {
      this.itemLen = new Int32Array(0);
      this.cursor = 0;
      this.phase = R_FILL;
    }
    return work;
  }

  /** Places each entry in its item's row (positives first) and in its user's group. */
  private fill(budget: number): number {
    const cp = this.cp;
    const st = this.state;
    const rows = st.itemUsers;
    const ne = cp.entryUserIxs.length;
    if (this.cursor === 0) this.byUser = new Int32Array(ne);
    const userFill = this.userStart;
    const stop = Math.min(ne, this.cursor + Math.ceil(budget / COST_ENTRY));
    for (let e = this.cursor; e < stop; e++) {
      const u = cp.entryUserIxs[e]!;
      const o = cp.entryItemIxs[e]!;
      const mask = cp.entryTypes[e]!;
      const slot = mask !== 0 ? this.positiveAt[o]!++ : this.zeroAt[o]!++;
      const seg = rows.rowSeg[o]!;
      const at = rows.rowOff[o]! + slot;
      rows.user[seg]![at] = u;
      rows.im[seg]![at] = IM_OF_MASK[mask]!;
      rows.entry[seg]![at] = e;
      st.entryItemPos[e] = slot;
      // userStart[u] walks up to userStart[u + 1] here; userRows takes it back down.
      this.byUser[userFill[u]!++] = e;
    }
    const work = (stop - this.cursor) * COST_ENTRY + 1;
    this.cursor = stop;
    if (stop === ne) {
      this.positiveAt = new Int32Array(0);
      this.zeroAt = new Int32Array(0);
      this.cursor = 0;
      this.phase = R_USER_ROWS;
    }
    return work;
  }

  /** Each user's entry row, sorted by item; a repeated dyad is a broken checkpoint. */
  private userRows(budget: number): number {
    const cp = this.cp;
    const rows = this.state.userEntries;
    const nu = this.state.users.size;
    const scale = this.byUser.length;
    let work = 0;
    while (this.cursor < nu && work < budget) {
      const u = this.cursor++;
      // After fill, userStart[u] is where u's group ends: it starts where u − 1's ended.
      const from = u === 0 ? 0 : this.userStart[u - 1]!;
      const n = this.userStart[u]! - from;
      if (n === 0) continue;
      // item·E + entry (E = number of entries): one exact double per entry while items·E < 2^53 (checked).
      if (this.sortKeys.length < n) this.sortKeys = new Float64Array(Math.max(n, 2 * this.sortKeys.length));
      const keys = this.sortKeys.subarray(0, n);
      for (let i = 0; i < n; i++) {
        const e = this.byUser[from + i]!;
        keys[i] = cp.entryItemIxs[e]! * scale + e;
      }
      keys.sort();
      rows.relocate(u, rows.capacityFor(n));
      const item = rows.item[rows.rowSeg[u]!]!;
      const entry = rows.entry[rows.rowSeg[u]!]!;
      let k = rows.rowOff[u]!;
      let last = -1;
      for (let i = 0; i < n; i++) {
        const o = Math.floor(keys[i]! / scale);
        invariant(o !== last, `checkpoint has the dyad (${u}, ${o}) twice`);
        last = o;
        item[k] = o;
        entry[k++] = keys[i]! - o * scale;
      }
      rows.setLength(u, n);
      work += n * 8 + 1;
    }
    if (this.cursor === nu) {
      this.byUser = new Int32Array(0);
      this.userStart = new Int32Array(0);
      this.sortKeys = new Float64Array(0);
      if (this.state.tracksPairs && this.nCh > 0) {
        this.pairDeltas = new PairDeltas(this.state, scratchOf(this.state), this.chE, new Uint8Array(this.nCh), this.nCh);
        this.phase = R_PAIRS;
      } else {
        this.phase = R_FINISH;
      }
    }
    return work;
  }
}
