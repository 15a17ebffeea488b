// A stream window's snapshot (method.md §5a; issue 11 item 3): the window's dyads (every (user, item) with an
// impression or an interaction of types 1–3 in the window), their labels from the window's own events, their
// win/tie/loss statistics from the feature state (the state after all earlier windows plus the late events that
// arrived while this window was open) and their raw contextual columns. The same code as the batch table
// (`entriesByIds`, `WtlBuilder` through `FeatureJob`, `contextFeatures`), as a job in slices so the stream's
// event loop is never blocked for long.
import { invariant } from '../errors.js';
import type { ImpressionTable, InteractionTable, ProfileTable } from '../events/tables.js';
import { FoldJob } from '../matrix/batch-fold.js';
import { ImplicitState } from '../matrix/implicit-state.js';
import { isoYearWeek } from '../time/iso-week.js';
import { EntriesByIdsJob } from './build-feature-table.js';
import { contextFeatures, profileRow } from './context.js';
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable } from './feature-table.js';
import { FeatureJob, type WtlOptions } from './wtl.js';

/** What a window's snapshot saw: rows, labels, who is new, neighbour shortfalls, profile misses. */
export interface WindowFeatureReport {
  dyads: number;
  users: number;
  items: number;
  /** Users and items of the window that the feature state had never seen (cold start). */
  newUsers: number;
  newItems: number;
  labels: { click: number; bookmark: number; reply: number };
  fewerThanK: number;
  noNeighbours: number;
  usersWithoutProfile: number;
  itemsWithoutProfile: number;
}

const LIST = 0;
const FILL = 1;
const FEATURES = 2;
const CONTEXT = 3;
const DONE = 4;

/**
 * The snapshot of one window as a job: `run(budget)` until it returns true, then `result()`. The feature state
 * must not change while the job runs. Every `split` value is `train`: a window's rows are first scored by the
 * previous model (prequential) and then trained on; no row is held out.
 */
export class WindowSnapshotJob {
  private phase = LIST;
  private readonly local = ImplicitState.empty({ pairs: false });
  private readonly listing: FoldJob;
  private table: FeatureTable | null = null;
  private userIxs = new Int32Array(0);
  private itemIxs = new Int32Array(0);
  private features: FeatureJob | null = null;
  private report: WindowFeatureReport | null = null;

  constructor(
    events: { interactions: InteractionTable; impressions: ImpressionTable },
    private readonly featureState: ImplicitState,
    private readonly profiles: { users: ProfileTable | null; items: ProfileTable | null },
    private readonly opts: WtlOptions,
  ) {
    this.listing = new FoldJob(this.local, { interactions: events.interactions, impressions: events.impressions });
  }

  /** Whether the snapshot is complete. */
  get done(): boolean {
    return this.phase === DONE;
  }

  /** What the next call's budget counts (listed rows, ordered entries, filled rows, feature work, context rows). */
  get unitKind(): string {
    if (this.phase === LIST) return this.listing.done ? 'order' : 'list';
    return ['list', 'fill', 'features', 'context', 'done'][this.phase]!;
  }

  /** Does about `budget` units of work (see FoldJob and FeatureJob; rows when listing); returns true when complete. */
  run(budget: number): boolean {
    if (this.phase === LIST) {
      if (!this.listing.done) {
        this.listing.run(budget);
        return false;
      }
      this.order ??= new EntriesByIdsJob(this.local);
      if (!this.order.run(budget)) return false;
      this.sortRows();
      this.phase = FILL;
      return false;
    }
    if (this.phase === FILL) {
      if (!this.fill(budget)) return false;
      this.features = new FeatureJob(this.featureState, this.userIxs, this.itemIxs, this.opts, this.table!.wtl);
      this.phase = FEATURES;
      return false;
    }
    if (this.phase === FEATURES) {
      if (!this.features!.run(budget)) return false;
      this.phase = CONTEXT;
      return false;
    }
    if (this.phase === CONTEXT) {
      // The contextual columns a chunk of rows at a time (their miss counts are taken per distinct id in finish).
      const t = this.table!;
      const end = Math.min(t.length, this.contextDone + Math.max(1, budget));
      const at = this.contextDone;
      contextFeatures(t.userIds.subarray(at, end), t.itemIds.subarray(at, end), this.profiles.users, this.profiles.items, t.context.subarray(at * CONTEXT_WIDTH, end * CONTEXT_WIDTH));
      this.contextDone = end;
      if (end < t.length) return false;
      this.finish();
      this.phase = DONE;
    }
    return this.phase === DONE;
  }

  private order: EntriesByIdsJob | null = null;
  private contextDone = 0;
  private rows: Int32Array = new Int32Array(0);
  private filled = 0;

  /** The window's dyads sorted by (user id, item id), and the table they fill. */
  private sortRows(): void {
    this.rows = this.order!.result();
    const n = this.rows.length;
    this.userIxs = new Int32Array(n);
    this.itemIxs = new Int32Array(n);
    this.table = {
      length: n,
      userIds: new Int32Array(n),
      itemIds: new Int32Array(n),
      weeks: new Int32Array(n),
      split: new Uint8Array(n).fill(SPLIT.train),
      wtl: new Float64Array(n * WTL_WIDTH),
      context: new Int32Array(n * CONTEXT_WIDTH),
      click: new Uint8Array(n),
      bookmark: new Uint8Array(n),
      reply: new Uint8Array(n),
      firstSeenS: new Float64Array(n),
    };
  }

  /** Fills about `budget` more rows: ids, labels, week, and their indices in the feature state; true when all are. */
  private fill(budget: number): boolean {
    const local = this.local;
    const fs = this.featureState;
    const t = this.table!;
    const end = Math.min(this.rows.length, this.filled + Math.max(1, budget));
    for (let i = this.filled; i < end; i++) {
      const e = this.rows[i]!;
      const userId = local.users.idAt(local.entryUserIx[e]!);
      const itemId = local.items.idAt(local.entryItemIx[e]!);
      t.userIds[i] = userId;
      t.itemIds[i] = itemId;
      t.firstSeenS![i] = local.entryFirstSeenS[e]!;
      t.weeks[i] = isoYearWeek(local.entryFirstSeenS[e]!);
      const mask = local.entryTypes[e]!;
      t.click[i] = mask & 1;
      t.bookmark[i] = (mask >> 1) & 1;
      t.reply[i] = (mask >> 2) & 1;
      this.userIxs[i] = fs.users.indexOf(userId);
      this.itemIxs[i] = fs.items.indexOf(itemId);
    }
    this.filled = end;
    return end >= this.rows.length;
  }

  private finish(): void {
    const t = this.table!;
    let newUsers = 0;
    let newItems = 0;
    let usersWithoutProfile = 0;
    let itemsWithoutProfile = 0;
    // Users and items are counted once each: the local state indexes each id of the window once.
    for (let u = 0; u < this.local.users.size; u++) {
      const id = this.local.users.idAt(u);
      if (this.featureState.users.indexOf(id) < 0) newUsers++;
      if (profileRow(this.profiles.users, id) < 0) usersWithoutProfile++;
    }
    for (let o = 0; o < this.local.items.size; o++) {
      const id = this.local.items.idAt(o);
      if (this.featureState.items.indexOf(id) < 0) newItems++;
      if (profileRow(this.profiles.items, id) < 0) itemsWithoutProfile++;
    }
    const labels = { click: 0, bookmark: 0, reply: 0 };
    for (let i = 0; i < t.length; i++) {
      labels.click += t.click[i]!;
      labels.bookmark += t.bookmark[i]!;
      labels.reply += t.reply[i]!;
    }
    this.report = {
      dyads: t.length,
      users: this.local.users.size,
      items: this.local.items.size,
      newUsers,
      newItems,
      labels,
      fewerThanK: this.features!.counts.fewerThanK,
      noNeighbours: this.features!.counts.noNeighbours,
      usersWithoutProfile,
      itemsWithoutProfile,
    };
  }

  /** The snapshot table and its report (after `run` returned true). */
  result(): { table: FeatureTable; report: WindowFeatureReport } {
    invariant(this.phase === DONE, 'WindowSnapshotJob.result() before the job is done');
    return { table: this.table!, report: this.report! };
  }
}

/**
 * Per item of the feature state (by item index): how many of its dyads have each label, the counts the popularity
 * baseline of the prequential evaluation scores an item by (issue 11 item 3: never the window's own events).
 */
export function itemLabelCounts(state: ImplicitState): { click: Int32Array; bookmark: Int32Array; reply: Int32Array } {
  const nItems = state.items.size;
  const click = new Int32Array(nItems);
  const bookmark = new Int32Array(nItems);
  const reply = new Int32Array(nItems);
  for (let e = 0; e < state.entryCount; e++) {
    const mask = state.entryTypes[e]!;
    if (mask === 0) continue;
    const o = state.entryItemIx[e]!;
    click[o]! += mask & 1;
    bookmark[o]! += (mask >> 1) & 1;
    reply[o]! += (mask >> 2) & 1;
  }
  return { click, bookmark, reply };
}
