// Prequential evaluation of the stream (method.md §7; issue 11 item 3): each window's dyads are scored by the
// model trained up to the window before ("test, then train"), beside the popularity baseline (for task t, the
// item's count of t-positive dyads in the same feature state the window's features come from, never the window's
// own events) and the random scorer's exact expectation (a constant score: every metric is tie-aware). The same
// metric code as the offline Fig. 2.
import { invariant } from '../errors.js';
import { PooledPairCountsJob, meanOfValues, perUserRanking, pooledAuc, type ScoreArray } from './ranking.js';

/** The tasks a stream window is evaluated on (the label columns of a snapshot). */
export const PREQUENTIAL_TASKS = ['click', 'bookmark', 'reply'] as const;
export type PrequentialTask = (typeof PREQUENTIAL_TASKS)[number];

/** The ranking metrics of one scorer on one task of a window (null: no user qualifies). */
export interface WindowMetrics {
  /** Per-user AUC, averaged over users with both classes. */
  auc: number | null;
  /** AUC over all the window's dyads together. */
  pooledAuc: number | null;
  map1: number | null;
  map5: number | null;
  /** Users with both classes (the AUC's users). */
  aucUsers: number;
}

/** Every scorer's metrics on one task. `model` is null in the first window (there is no model before it). */
export interface TaskWindowMetrics {
  positives: number;
  model: WindowMetrics | null;
  popularity: WindowMetrics;
  random: WindowMetrics;
}

/** Metrics of scores on (users, labels): per-user AUC, pooled AUC, MAP@1, MAP@5 (÷5, the authors'). */
export function windowMetrics(userIds: Int32Array, labels: Uint8Array, scores: ScoreArray): WindowMetrics {
  const r = perUserRanking(userIds, labels, scores);
  return {
    auc: meanOfValues(r.auc.values),
    pooledAuc: pooledAuc(labels, scores),
    map1: meanOfValues(r.ap1.values),
    map5: meanOfValues(r.ap5.values),
    aucUsers: r.auc.values.length,
  };
}

/**
 * Popularity scores of a window's dyads for one task: the count of the item's t-positive entries in the feature
 * state, looked up by item id (`countOfItem`), 0 for an item the state has never seen (cold start).
 */
export function popularityScores(itemIds: Int32Array, countOfItem: (itemId: number) => number): Float64Array {
  const out = new Float64Array(itemIds.length);
  for (let i = 0; i < itemIds.length; i++) out[i] = countOfItem(itemIds[i]!);
  return out;
}

/** The metrics of one task: the model's (if any), popularity's and the random scorer's. */
export function evaluateWindowTask(userIds: Int32Array, labels: Uint8Array, modelScores: ScoreArray | null, popularity: ScoreArray): TaskWindowMetrics {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] !== 0 ? 1 : 0;
  return {
    positives,
    model: modelScores === null ? null : windowMetrics(userIds, labels, modelScores),
    popularity: windowMetrics(userIds, labels, popularity),
    random: windowMetrics(userIds, labels, new Float64Array(labels.length)),
  };
}

/**
 * windowMetrics as a job in slices (the stream must not hold its event loop for the ~100 ms a ranking of a window's
 * ~300k dyads takes): `run(budget)` ranks the users of about `budget` more rows. Rows must be grouped by user (a
 * snapshot is sorted by user id): each user's values are computed alone, so ranking the users chunk by chunk and
 * concatenating their values (in ascending user id order, as perUserRanking gives them) gives exactly windowMetrics.
 */
export class WindowMetricsJob {
  private at = 0;
  private readonly auc: number[] = [];
  private readonly ap1: number[] = [];
  private readonly ap5: number[] = [];
  private metrics: WindowMetrics | null = null;
  private pooled: PooledPairCountsJob | null = null;

  constructor(
    private readonly userIds: Int32Array,
    private readonly labels: Uint8Array,
    private readonly scores: ScoreArray,
  ) {
    for (let i = 1; i < userIds.length; i++) invariant(userIds[i - 1]! <= userIds[i]!, 'WindowMetricsJob needs rows sorted by user id');
  }

  /** What the next call's budget counts: rows ranked per user, then scores sorted for the pooled AUC. */
  get unitKind(): string {
    return this.at < this.labels.length ? 'users' : 'pooled';
  }

  /** Ranks the users of about `budget` more rows (whole users); the pooled AUC last. Returns true when done. */
  run(budget: number): boolean {
    const n = this.labels.length;
    if (this.at < n) {
      let end = Math.min(n, this.at + Math.max(1, budget));
      while (end < n && this.userIds[end] === this.userIds[end - 1]) end++;
      const r = perUserRanking(this.userIds.subarray(this.at, end), this.labels.subarray(this.at, end), this.scores.subarray(this.at, end));
      for (const v of r.auc.values) this.auc.push(v);
      for (const v of r.ap1.values) this.ap1.push(v);
      for (const v of r.ap5.values) this.ap5.push(v);
      this.at = end;
      return false;
    }
    // The pooled AUC sorts every score of the window: a job of its own, sliced too (~0.3 s at recsys16 in one call).
    this.pooled ??= new PooledPairCountsJob(this.labels, this.scores);
    if (!this.pooled.run(budget)) return false;
    if (this.metrics === null) {
      const pooled = this.pooled.result();
      this.metrics = {
        auc: meanOfValues(Float64Array.from(this.auc)),
        pooledAuc: pooled.pairs === 0 ? null : pooled.correctDoubled / (2 * pooled.pairs),
        map1: meanOfValues(Float64Array.from(this.ap1)),
        map5: meanOfValues(Float64Array.from(this.ap5)),
        aucUsers: this.auc.length,
      };
    }
    return true;
  }

  /** The metrics (after run returned true). */
  result(): WindowMetrics {
    invariant(this.metrics !== null, 'WindowMetricsJob.result() before the job is done');
    return this.metrics;
  }
}
