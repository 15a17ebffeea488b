// Ranking metrics of method.md §7: per-user AUC (paper §5: the fraction of correctly ordered
// (positive, negative) pairs of a user, ties ½), pooled AUC, and AP@k as the authors' code computes it
// (authors-code.md §5.3: AP_u@k = (1/k) Σ_{j<=k} r_j · precision@j).
//
// Every metric is tie-aware: tied scores count as the expectation over all their orders (issue 10), so no
// metric depends on item ids or on the input order, and a constant scorer gets exactly the random scorer's
// expected value. AUC: a tied (positive, negative) pair counts ½ (mid-ranks). AP@k: the closed form of
// McSherry & Najork ("Computing information retrieval performance measures efficiently in the presence of
// tied scores", ECIR 2008), derived for the authors' AP@k in `tieAwarePrecisionSum`.
import { invariant } from '../errors.js';

/** Scores of dyads, one per dyad; higher means "more likely positive". */
export type ScoreArray = Float64Array | Float32Array;

/** Values of one per-user metric, for the users that qualify, in ascending user id order. */
export interface PerUserValues {
  userIds: Int32Array;
  values: Float64Array;
}

/** Per-user ranking metrics of one task, each over the users it is defined for. */
export interface PerUserRanking {
  /** Users with at least one positive and one negative dyad. */
  auc: PerUserValues;
  /** Every user with at least one evaluated dyad (no positive: 0). AP@1. */
  ap1: PerUserValues;
  /** Every user with at least one evaluated dyad (no positive: 0). AP@5 divided by 5 (the authors). */
  ap5: PerUserValues;
  /** Every user with at least one evaluated dyad (no positive: 0). AP@5 divided by min(5, #positives). */
  ap5Norm: PerUserValues;
  /** Users with at least one positive dyad. */
  usersWithPositive: number;
  /**
   * The (positive, negative) pairs of the same user, summed over users, and twice the number correctly
   * ordered among them (ties count 1 of 2): the within-user part of the pooled AUC's pair count.
   */
  withinUserPairs: { pairs: number; correctDoubled: number };
}

function checkInputs(userIds: Int32Array | null, labels: Uint8Array, scores: ScoreArray): void {
  const n = labels.length;
  invariant(scores.length === n, `scores (${scores.length}) and labels (${n}) differ in length`);
  if (userIds) invariant(userIds.length === n, `userIds (${userIds.length}) and labels (${n}) differ in length`);
  for (let i = 0; i < n; i++) invariant(!Number.isNaN(scores[i]!), `score of dyad ${i} is NaN`);
}

/**
 * Positions of the dyads grouped by user id ascending, each user's dyads by score descending. The order
 * within a group of tied scores is left to the sort: no metric below depends on it.
 */
export function evaluationOrder(userIds: Int32Array, scores: ScoreArray): Uint32Array {
  const n = userIds.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const withinUser = (a: number, b: number): number => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    return sa > sb ? -1 : sa < sb ? 1 : 0;
  };
  let grouped = true;
  for (let i = 1; i < n && grouped; i++) if (userIds[i]! < userIds[i - 1]!) grouped = false;
  if (!grouped) {
    order.sort((a, b) => userIds[a]! - userIds[b]! || withinUser(a, b));
    return order;
  }
  // Dyad tables come sorted by user id (feature-table.ts): sort each user's block alone, far cheaper.
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && userIds[end] === userIds[start]) end++;
    if (end - start > 1) order.subarray(start, end).sort(withinUser);
    start = end;
  }
  return order;
}

/**
 * Σ_{j<=k} E[r_j · precision@j] over the uniformly random orders of the tied scores, for one user whose
 * `count` dyads are listed by descending score at `order[start..)`: the numerator of the authors' AP@k.
 *
 * Derivation (the expectation McSherry & Najork take for precision-based measures, ECIR 2008 §3): a tie
 * group holds n dyads, r of them positive, at ranks s+1..s+n, with R positives ranked before it. For the
 * group's i-th rank j = s+i, r_j·hits_j (hits_j = positives in the top j) has expectation
 *   P(r_j = 1) · E[hits_j | r_j = 1] = (r/n) · (R + 1 + (i−1)(r−1)/(n−1)),
 * since, given a positive at j, the i−1 group ranks above it hold a uniform draw of i−1 of the other n−1
 * dyads, r−1 of them positive (hypergeometric mean). Dividing by j and summing over j <= k gives the sum;
 * with no ties (n = 1) each term is hits_j / j exactly, as in the authors' code.
 */
function tieAwarePrecisionSum(order: Uint32Array, start: number, count: number, labels: Uint8Array, scores: ScoreArray, k: number): number {
  let sum = 0;
  let before = 0; // ranks above the current group (s)
  let positivesBefore = 0; // R
  while (before < count && before < k) {
    const s = scores[order[start + before]!]!;
    let end = before + 1;
    let r = labels[order[start + before]!] !== 0 ? 1 : 0;
    while (end < count && scores[order[start + end]!] === s) {
      if (labels[order[start + end]!] !== 0) r++;
      end++;
    }
    const n = end - before;
    if (r > 0) {
      const last = Math.min(n, k - before);
      for (let i = 1; i <= last; i++) {
        sum += ((r / n) * (positivesBefore + 1 + ((i - 1) * (r - 1)) / Math.max(1, n - 1))) / (before + i);
      }
    }
    positivesBefore += r;
    before = end;
  }
  return sum;
}

/**
 * Twice the sum of the ascending mid-ranks of the positives among `count` dyads listed by descending score
 * at `order[start..start+count)`. Doubling keeps every mid-rank an integer, so the sum is exact.
 */
function doubledPositiveRankSum(order: Uint32Array, start: number, count: number, labels: Uint8Array, scores: ScoreArray): number {
  let sum2 = 0;
  let g0 = 0;
  while (g0 < count) {
    const s = scores[order[start + g0]!]!;
    let g1 = g0 + 1;
    let positives = labels[order[start + g0]!] !== 0 ? 1 : 0;
    while (g1 < count && scores[order[start + g1]!] === s) {
      if (labels[order[start + g1]!] !== 0) positives++;
      g1++;
    }
    // Positions g0..g1-1 in descending order hold ascending ranks count-g1+1 .. count-g0.
    sum2 += positives * (2 * count - g0 - g1 + 1);
    g0 = g1;
  }
  return sum2;
}

/** AUC from the doubled positive rank sum: (R₊ − P(P+1)/2)/(P·N), the Mann–Whitney U over P·N. */
function aucFromDoubledRankSum(sum2: number, positives: number, negatives: number): number {
  return (sum2 - positives * (positives + 1)) / (2 * positives * negatives);
}

/**
 * Per-user AUC, AP@1, AP@5 and normalised AP@5 of one task (method.md §7), tie-aware: a function of
 * (user ids, labels, scores) alone, the same for any input order. O(n log n) for the sort, then one pass.
 * Labels are 0/1 (any non-zero counts as positive).
 */
export function perUserRanking(userIds: Int32Array, labels: Uint8Array, scores: ScoreArray): PerUserRanking {
  checkInputs(userIds, labels, scores);
  const n = labels.length;
  const order = evaluationOrder(userIds, scores);
  let users = 0;
  for (let j = 0; j < n; j++) if (j === 0 || userIds[order[j]!] !== userIds[order[j - 1]!]) users++;

  const apUserIds = new Int32Array(users);
  const ap1 = new Float64Array(users);
  const ap5 = new Float64Array(users);
  const ap5Norm = new Float64Array(users);
  const aucUserIdsAll = new Int32Array(users);
  const aucAll = new Float64Array(users);
  let aucCount = 0;
  let usersWithPositive = 0;
  let withinPairs = 0;
  let withinCorrect2 = 0;

  let u = 0;
  let start = 0;
  while (start < n) {
    const userId = userIds[order[start]!]!;
    let end = start + 1;
    while (end < n && userIds[order[end]!] === userId) end++;
    const count = end - start;

    let positives = 0;
    for (let j = 0; j < count; j++) if (labels[order[start + j]!] !== 0) positives++;
    const sum1 = positives > 0 ? tieAwarePrecisionSum(order, start, count, labels, scores, 1) : 0;
    const sumPrecision = positives > 0 ? tieAwarePrecisionSum(order, start, count, labels, scores, 5) : 0;
    apUserIds[u] = userId;
    ap1[u] = sum1;
    ap5[u] = sumPrecision / 5;
    ap5Norm[u] = positives > 0 ? sumPrecision / Math.min(5, positives) : 0;
    if (positives > 0) usersWithPositive++;

    const negatives = count - positives;
    if (positives > 0 && negatives > 0) {
      aucUserIdsAll[aucCount] = userId;
      const sum2 = doubledPositiveRankSum(order, start, count, labels, scores);
      aucAll[aucCount] = aucFromDoubledRankSum(sum2, positives, negatives);
      aucCount++;
      withinPairs += positives * negatives;
      withinCorrect2 += sum2 - positives * (positives + 1);
    }
    u++;
    start = end;
  }

  return {
    auc: { userIds: aucUserIdsAll.slice(0, aucCount), values: aucAll.slice(0, aucCount) },
    ap1: { userIds: apUserIds, values: ap1 },
    ap5: { userIds: apUserIds.slice(), values: ap5 },
    ap5Norm: { userIds: apUserIds.slice(), values: ap5Norm },
    usersWithPositive,
    withinUserPairs: { pairs: withinPairs, correctDoubled: withinCorrect2 },
  };
}

/**
 * AUC over all dyads together (pooled, not per user): the fraction of correctly ordered (positive,
 * negative) pairs, ties ½. `null` when there is no positive or no negative.
 */
export function pooledAuc(labels: Uint8Array, scores: ScoreArray): number | null {
  const c = pooledPairCounts(labels, scores);
  return c.pairs === 0 ? null : c.correctDoubled / (2 * c.pairs);
}

/** All (positive, negative) pairs of the dyads and twice the number correctly ordered (ties count 1 of 2). */
export function pooledPairCounts(labels: Uint8Array, scores: ScoreArray): { pairs: number; correctDoubled: number } {
  // The job in one chunk: each class's scores sorted natively, then one merge walk counts, for every positive, the
  // negatives below it (and ½ of those equal): the mid-rank formula's pair count without a comparator sort.
  const job = new PooledPairCountsJob(labels, scores, Number.POSITIVE_INFINITY);
  while (!job.run(Number.POSITIVE_INFINITY));
  return job.result();
}

/** Twice the (positive, negative) pairs of two sorted score lists in the right order, ties counting 1 of 2. */
function orderedPairsDoubled(pos: Float64Array, neg: Float64Array): number {
  let correct2 = 0;
  let below = 0;
  let belowOrEqual = 0;
  const negatives = neg.length;
  for (let p = 0; p < pos.length; p++) {
    const s = pos[p]!;
    while (below < negatives && neg[below]! < s) below++;
    if (belowOrEqual < below) belowOrEqual = below;
    while (belowOrEqual < negatives && neg[belowOrEqual]! <= s) belowOrEqual++;
    correct2 += below + belowOrEqual;
  }
  return correct2;
}

/**
 * pooledPairCounts as a sliceable job: `run(budget)` until true, then `result()`, equal to pooledPairCounts. The
 * smaller class is sorted whole; the larger one a chunk at a time, each chunk sorted and counted against it (the
 * pair counts add up over chunks, integers all the way, so the result is exact and independent of the chunking).
 */
export class PooledPairCountsJob {
  private readonly small: Float64Array;
  private readonly large: Float64Array;
  private smallSorted = false;
  private at = 0;
  private correct2 = 0;
  private readonly pairs: number;
  private readonly posIsSmall: boolean;

  constructor(labels: Uint8Array, scores: ScoreArray, private readonly chunk = 1 << 16) {
    checkInputs(null, labels, scores);
    const n = labels.length;
    let positives = 0;
    for (let i = 0; i < n; i++) if (labels[i] !== 0) positives++;
    const pos = new Float64Array(positives);
    const neg = new Float64Array(n - positives);
    for (let i = 0, p = 0, q = 0; i < n; i++) {
      if (labels[i] !== 0) pos[p++] = scores[i]!;
      else neg[q++] = scores[i]!;
    }
    this.pairs = positives * (n - positives);
    this.posIsSmall = positives <= n - positives;
    this.small = this.posIsSmall ? pos : neg;
    this.large = this.posIsSmall ? neg : pos;
    if (this.pairs === 0) this.at = this.large.length;
  }

  /** Sorts or counts about `budget` more scores (at least one chunk); true when done. */
  run(budget: number): boolean {
    if (this.pairs === 0) return true;
    if (!this.smallSorted) {
      this.small.sort();
      this.smallSorted = true;
      return this.at >= this.large.length;
    }
    let done = 0;
    while (this.at < this.large.length && done < budget) {
      const end = Math.min(this.large.length, this.at + this.chunk);
      // One chunk for all of it (pooledPairCounts): sorted in place, no copy.
      const part = this.at === 0 && end === this.large.length ? this.large.sort() : this.large.slice(this.at, end).sort();
      this.correct2 += this.posIsSmall ? orderedPairsDoubled(this.small, part) : orderedPairsDoubled(part, this.small);
      done += end - this.at + this.small.length;
      this.at = end;
    }
    return this.at >= this.large.length;
  }

  /** The counts (after run returned true). */
  result(): { pairs: number; correctDoubled: number } {
    invariant(this.smallSorted || this.pairs === 0, 'PooledPairCountsJob.result() before the job is done');
    invariant(this.at >= this.large.length, 'PooledPairCountsJob.result() before the job is done');
    return { pairs: this.pairs, correctDoubled: this.pairs === 0 ? 0 : this.correct2 };
  }
}

/** Number of distinct values among the scores (a model with very few is degenerate: issue 10). */
export function distinctValueCount(scores: ScoreArray): number {
  if (scores.length === 0) return 0;
  const sorted = Float64Array.from(scores).sort();
  let distinct = 1;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  return distinct;
}

/** Mean of a per-user metric, summed in ascending user id order; `null` when no user qualifies. */
export function meanOfValues(values: Float64Array): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}
