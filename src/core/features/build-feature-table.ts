// The batch driver of the dyad feature table (issue 4; method.md §1–5): fold all events to find the dyads,
// their labels and first-seen times; split; fold the state the features may see (training dyads' events
// only under `leakage: 'none'`, everything under `'paper'`); compute win/tie/loss and context.

import { invariant } from '../errors.js';
import type { Dataset } from '../events/tables.js';
import { ImplicitState, foldEvents } from '../matrix/implicit-state.js';
import { randomSplit, timeSplit } from '../split/split.js';
import { isoYearWeek } from '../time/iso-week.js';
import { contextFeatures } from './context.js';
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable, type Spread } from './feature-table.js';
import { computeFeatures } from './wtl.js';

/** Every option of the feature table (method.md §3, §5); `seed` drives the random split and the time split's tie order. */
export interface FeatureOptions {
  k: number;
  similarity: 'weighted' | 'binary';
  neighbourhood: 'item' | 'global';
  spread: Spread;
  leaveOneOut: boolean;
  leakage: 'none' | 'paper';
  split: 'time' | 'random';
  seed: number;
}

/** The defaults of method.md: K 50, weighted cosine, item neighbourhood, std, leave-one-out, no leakage, time split. */
export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = Object.freeze({
  k: 50,
  similarity: 'weighted',
  neighbourhood: 'item',
  spread: 'std',
  leaveOneOut: true,
  leakage: 'none',
  split: 'time',
  seed: 1,
});

/** Label counts of one split. */
export interface LabelCounts {
  click: number;
  bookmark: number;
  reply: number;
}

/** What a feature build saw: rows per split and label, neighbour shortfalls, profile misses. */
export interface FeatureReport {
  dyads: number;
  trainRows: number;
  testRows: number;
  labels: { train: LabelCounts; test: LabelCounts };
  /** Dyads with fewer than K neighbours (those with none included). */
  fewerThanK: number;
  /** Dyads with no neighbour at all (their 15 statistics are 0). */
  noNeighbours: number;
  /**
   * Dyads whose side (train or test) the time split's tie order decided: those in a group of equal
   * first-seen times that spans a user's train/test cut (split.ts); 0 for the random split.
   */
  splitTiePlaced: number;
  /** Distinct users of the table without a profile row (all of them when users.csv is missing). */
  usersWithoutProfile: number;
  /** Distinct items of the table without a profile row. */
  itemsWithoutProfile: number;
}

/**
 * The dyads of a state sorted by (user id, item id), as a job in slices (a window of the full recsys16 preset has
 * ~1.6M dyads): ranks of the ids, keys userRank·nItems + itemRank (< 2^53 for any one-machine dataset, so a native
 * numeric sort orders them), the sort, then each key back to its entry. `run(budget)` does about `budget` entries.
 */
export class EntriesByIdsJob {
  private phase = 0;
  private at = 0;
  private usersByRank: Int32Array = new Int32Array(0);
  private itemsByRank: Int32Array = new Int32Array(0);
  private userRankOfIx = new Int32Array(0);
  private itemRankOfIx = new Int32Array(0);
  private keys = new Float64Array(0);
  private out = new Int32Array(0);

  constructor(private readonly state: ImplicitState) {
    invariant(state.users.size * state.items.size < Number.MAX_SAFE_INTEGER, 'too many users × items for the sort key');
  }

  /** Does about `budget` entries of work; returns true when the order is complete. */
  run(budget: number): boolean {
    const st = this.state;
    const n = st.entryCount;
    const nItems = st.items.size;
    if (this.phase === 0) {
      // Two steps (users, then items): each is one sort of the ids.
      if (this.usersByRank.length < st.users.size || st.users.size === 0) {
        this.usersByRank = st.users.ixsByIdOrder();
        this.userRankOfIx = new Int32Array(st.users.size);
        for (let r = 0; r < this.usersByRank.length; r++) this.userRankOfIx[this.usersByRank[r]!] = r;
        if (st.users.size > 0) return false;
      }
      this.itemsByRank = st.items.ixsByIdOrder();
      this.itemRankOfIx = new Int32Array(nItems);
      for (let r = 0; r < this.itemsByRank.length; r++) this.itemRankOfIx[this.itemsByRank[r]!] = r;
      this.keys = new Float64Array(n);
      this.phase = 1;
      return false;
    }
    if (this.phase === 1) {
      const end = Math.min(n, this.at + Math.max(1, budget));
      for (let e = this.at; e < end; e++) this.keys[e] = this.userRankOfIx[st.entryUserIx[e]!]! * nItems + this.itemRankOfIx[st.entryItemIx[e]!]!;
      this.at = end;
      if (end < n) return false;
      this.keys.sort();
      this.out = new Int32Array(n);
      this.at = 0;
      this.phase = 2;
      return false;
    }
    if (this.phase === 2) {
      const end = Math.min(n, this.at + Math.max(1, budget));
      for (let i = this.at; i < end; i++) {
        const key = this.keys[i]!;
        const userRank = Math.floor(key / nItems);
        const itemRank = key - userRank * nItems;
        this.out[i] = st.entryOf(this.usersByRank[userRank]!, this.itemsByRank[itemRank]!);
      }
      this.at = end;
      if (end < n) return false;
      this.phase = 3;
    }
    return true;
  }

  /** The entry indices in (user id, item id) order (after run returned true). */
  result(): Int32Array {
    invariant(this.phase === 3, 'EntriesByIdsJob.result() before the job is done');
    return this.out;
  }
}

/** The dyads of a state, sorted by (user id, item id): their entry indices in that state. */
export function entriesByIds(state: ImplicitState): Int32Array {
  const job = new EntriesByIdsJob(state);
  while (!job.run(Infinity));
  return job.result();
}

function checkOptions(opts: FeatureOptions): void {
  invariant(Number.isInteger(opts.k) && opts.k >= 1, `k must be a positive integer, got ${opts.k}`);
  invariant(opts.similarity === 'weighted' || opts.similarity === 'binary', `unknown similarity ${opts.similarity}`);
  invariant(opts.neighbourhood === 'item' || opts.neighbourhood === 'global', `unknown neighbourhood ${opts.neighbourhood}`);
  invariant(opts.spread === 'std' || opts.spread === 'var', `unknown spread ${opts.spread}`);
  invariant(opts.leakage === 'none' || opts.leakage === 'paper', `unknown leakage ${opts.leakage}`);
  invariant(opts.split === 'time' || opts.split === 'random', `unknown split ${opts.split}`);
  invariant(Number.isInteger(opts.seed), `seed must be an integer, got ${opts.seed}`);
}

/** Dataset (already subsampled) → the dyad feature table, rows sorted by (user_id, item_id), with first-seen times. */
export function buildFeatureTable(ds: Dataset, opts: FeatureOptions): { table: FeatureTable; report: FeatureReport } {
  checkOptions(opts);
  // Under leakage none the all-events state only lists dyads, labels and first-seen times: no dot products.
  const full = foldEvents(ImplicitState.empty({ pairs: opts.leakage === 'paper' }), ds.interactions, ds.impressions);
  const rows = entriesByIds(full);
  const n = rows.length;
  const userIds = new Int32Array(n);
  const itemIds = new Int32Array(n);
  const firstSeenS = new Float64Array(n);
  const weeks = new Int32Array(n);
  const click = new Uint8Array(n);
  const bookmark = new Uint8Array(n);
  const reply = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const e = rows[i]!;
    userIds[i] = full.users.idAt(full.entryUserIx[e]!);
    itemIds[i] = full.items.idAt(full.entryItemIx[e]!);
    firstSeenS[i] = full.entryFirstSeenS[e]!;
    weeks[i] = isoYearWeek(firstSeenS[i]!);
    const mask = full.entryTypes[e]!;
    click[i] = mask & 1;
    bookmark[i] = (mask >> 1) & 1;
    reply[i] = (mask >> 2) & 1;
  }
  const timed = opts.split === 'time' ? timeSplit(userIds, itemIds, firstSeenS, opts.seed) : null;
  const split = timed ? timed.split : randomSplit(userIds, itemIds, opts.seed);

  // The state the features see (method.md §5).
  let featureState: ImplicitState;
  if (opts.leakage === 'paper') {
    featureState = full;
  } else {
    const splitOfEntry = new Uint8Array(n);
    for (let i = 0; i < n; i++) splitOfEntry[rows[i]!] = split[i]!;
    const keepInteraction = new Uint8Array(ds.interactions.length);
    for (let i = 0; i < ds.interactions.length; i++) {
      const t = ds.interactions.types[i]!;
      if (t < 1 || t > 3) continue;
      const e = full.entryOf(full.users.indexOf(ds.interactions.userIds[i]!), full.items.indexOf(ds.interactions.itemIds[i]!));
      keepInteraction[i] = e >= 0 && splitOfEntry[e] === SPLIT.train ? 1 : 0;
    }
    const keepImpression = new Uint8Array(ds.impressions.length);
    for (let i = 0; i < ds.impressions.length; i++) {
      const e = full.entryOf(full.users.indexOf(ds.impressions.userIds[i]!), full.items.indexOf(ds.impressions.itemIds[i]!));
      keepImpression[i] = e >= 0 && splitOfEntry[e] === SPLIT.train ? 1 : 0;
    }
    featureState = foldEvents(ImplicitState.empty(), ds.interactions, ds.impressions, keepInteraction, keepImpression);
  }

  const userIxs = new Int32Array(n);
  const itemIxs = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    userIxs[i] = featureState.users.indexOf(userIds[i]!);
    itemIxs[i] = featureState.items.indexOf(itemIds[i]!);
  }
  const wtl = new Float64Array(n * WTL_WIDTH);
  const counts = computeFeatures(featureState, userIxs, itemIxs, opts, wtl);
  const context = new Int32Array(n * CONTEXT_WIDTH);
  const misses = contextFeatures(userIds, itemIds, ds.users, ds.items, context);

  const labels = {
    train: { click: 0, bookmark: 0, reply: 0 },
    test: { click: 0, bookmark: 0, reply: 0 },
  };
  let trainRows = 0;
  for (let i = 0; i < n; i++) {
    const l = split[i] === SPLIT.train ? labels.train : labels.test;
    if (split[i] === SPLIT.train) trainRows++;
    l.click += click[i]!;
    l.bookmark += bookmark[i]!;
    l.reply += reply[i]!;
  }
  const table: FeatureTable = { length: n, userIds, itemIds, weeks, split, wtl, context, click, bookmark, reply, firstSeenS };
  const report: FeatureReport = {
    dyads: n,
    trainRows,
    testRows: n - trainRows,
    labels,
    fewerThanK: counts.fewerThanK,
    noNeighbours: counts.noNeighbours,
    splitTiePlaced: timed ? timed.tiePlaced : 0,
    usersWithoutProfile: misses.usersWithoutProfile,
    itemsWithoutProfile: misses.itemsWithoutProfile,
  };
  return { table, report };
}
