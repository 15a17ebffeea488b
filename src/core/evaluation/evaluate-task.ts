// One task's evaluation and the STL/MTL comparison of method.md §7, and the Fig. 2 result type
// (issue 5: `fig2` in `reproduce --json` and results.json).
import { invariant } from '../errors.js';
import {
  applyCalibration,
  chooseThreshold,
  f1Score,
  fitLogisticCalibration,
  PAPER_THRESHOLD_GRID,
  sigmoidAll,
  type Calibration,
} from './classification.js';
import { distinctValueCount, meanOfValues, perUserRanking, pooledPairCounts, type PerUserRanking, type PerUserValues, type ScoreArray } from './ranking.js';
import { rankSumTest, wilcoxonSignedRank, type RankSumResult, type SignedRankResult } from './significance.js';

/** The four rows of the paper's Fig. 2, in its order. */
export const FIG2_TASKS = ['click', 'embedding', 'bookmark', 'reply'] as const;
/** A row of Fig. 2. */
export type Fig2Task = (typeof FIG2_TASKS)[number];

/** The six metrics of one model on one task; `null` when no user (or dyad) qualifies. */
export interface TaskMetrics {
  f1: number | null;
  auc: number | null;
  aucPooled: number | null;
  map1: number | null;
  map5: number | null;
  map5Norm: number | null;
}
/** Name of one of the six metrics. */
export type MetricName = keyof TaskMetrics;
/** Why a metric is null, by metric. */
export type NullReasons = Partial<Record<MetricName, string>>;

/** The per-user metrics that get a significance test (F1 and pooled AUC are not per user). */
export interface PValues {
  auc: number | null;
  map1: number | null;
  map5: number | null;
}

/** The baselines of Fig. 2 (method.md §7): the random expectation, item popularity, the smoothed item rate, and on synthetic data the oracle. */
export const BASELINE_NAMES = ['random', 'popularity', 'itemRate', 'oracle'] as const;
/** A baseline row's name. */
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** A baseline or variant row: the same metric fields as STL and MTL, and its per-user tests against both. */
export interface Fig2Row extends TaskMetrics {
  /** Wilcoxon signed-rank of this row against STL, per user paired by user id. */
  pValuesVsStl: PValues;
  /** Wilcoxon signed-rank of this row against the paper's MTL. */
  pValuesVsMtl: PValues;
}

/** The per-user metrics that are tested. */
export const TESTED_METRICS = ['auc', 'map1', 'map5'] as const;
/** One of them. */
export type TestedMetric = (typeof TESTED_METRICS)[number];

/** A model row against the best baseline on one metric: the gap (model − baseline), the test, the verdict. */
export interface AgainstBaseline {
  baseline: BaselineName;
  gap: number | null;
  p: number | null;
  /** Higher and significant (Wilcoxon signed-rank p < 0.01). */
  beats: boolean;
}

/** One row of Fig. 2 as JSON (issue 5's shape, with issue 10's baselines and variants beside). */
export interface Fig2Entry {
  stl: TaskMetrics;
  /** Always the paper's MTL. */
  mtl: TaskMetrics;
  /** Wilcoxon signed-rank on the per-user values paired by user id: these set the ↓ marks. */
  pValues: PValues;
  /** The paper's rank-sum test on the same users' values, reported beside. */
  pValuesRankSum: PValues;
  /** random, popularity, itemRate always; oracle only on synthetic data with its truth file. */
  baselines: Partial<Record<BaselineName, Fig2Row>>;
  /** Further model kinds (e.g. bilinear, stacking), by name; empty when none ran. */
  variants: Record<string, Fig2Row>;
  /** Per tested metric, the best of random, popularity and itemRate (the oracle is a ceiling, not a baseline). */
  bestBaseline: Record<TestedMetric, { name: BaselineName; value: number } | null>;
  /** Per model row ('stl', 'mtl', 'variants.<name>') and tested metric: against the best baseline. */
  againstBestBaseline: Record<string, Record<TestedMetric, AgainstBaseline | null>>;
}
/** The Fig. 2 table: one entry per task. */
export type Fig2 = Record<Fig2Task, Fig2Entry>;

/** Significance level of the ↓ marks (paper Fig. 2). */
export const SIGNIFICANCE_LEVEL = 0.01;

/**
 * How a task's scores become probabilities for F1: `logit` scores go through σ, `probability` scores
 * (the trainer's σ(⟨w, x̃⟩) for bookmark and reply) are used as they are;
 * `ranking` scores (click, embedding: the intercept cancels in a pairwise loss) are calibrated on
 * validation with σ(a·score + b) first.
 */
export type ScoreKind = 'logit' | 'probability' | 'ranking';

/** The evaluated dyads of one task: parallel arrays, one entry per dyad. */
export interface TaskDyads {
  userIds: Int32Array;
  /** 0/1 labels of this task. */
  labels: Uint8Array;
  scores: ScoreArray;
}

/** Options of `evaluateTask`. */
export interface EvaluateTaskOptions {
  scoreKind: ScoreKind;
  /** Validation dyads' labels and scores, for the threshold (and the calibration of ranking scores). */
  validation?: { labels: Uint8Array; scores: ScoreArray } | null;
  /** Threshold grid (default the paper's {0.3, 0.35, 0.4, 0.45, 0.5}). */
  thresholdGrid?: readonly number[];
  /**
   * A threshold (and, for ranking scores, a calibration) already chosen on validation, e.g. with a model
   * trained without the validation dyads: used as it is instead of fitting on `validation`.
   */
  decision?: { threshold: number; calibration: { a: number; b: number } | null } | null;
}

/** Everything `evaluateTask` found: the metrics, why any is null, the threshold, and the per-user values. */
export interface TaskEvaluation {
  metrics: TaskMetrics;
  nullReasons: NullReasons;
  /** The decision threshold used for F1 (null when F1 could not be computed). */
  threshold: number | null;
  /** Validation F1 at that threshold, when validation could choose. */
  validationF1: number | null;
  /** Set when validation could not choose the threshold and 0.5 was used. */
  thresholdNote: string | null;
  /** The calibration fitted for ranking scores (null for logit scores). */
  calibration: Calibration | null;
  counts: { dyads: number; positives: number; users: number; usersWithPositive: number; usersWithBothClasses: number };
  /** Distinct values among the test scores (fewer than 10: a degenerate model, flagged). */
  distinctScores: number;
  /** F1 of predicting every test dyad positive, 2P/(2P + N); null without a positive. */
  allPositiveF1: number | null;
  /**
   * The pooled AUC split by pair: on (positive, negative) pairs of the same user, and of different users
   * (null where there is no such pair). A pooled AUC above chance whose within-user part is at chance only
   * separates users (per-user base rates), not items.
   */
  pooledParts: { withinUsers: number | null; betweenUsers: number | null };
  /** Per-user values, user ids ascending, for pairing across models. */
  perUser: { auc: PerUserValues; ap1: PerUserValues; ap5: PerUserValues; ap5Norm: PerUserValues };
}

/**
 * Evaluates one task of one model on its test dyads (method.md §7): per-user AUC, pooled AUC, MAP@1,
 * MAP@5 (÷5, the authors), MAP@5 normalised (÷min(5, #positives)), over every user with a dyad (users
 * with no positive count 0 in the MAPs), and positive-class F1 at the validation-chosen threshold.
 */
export function evaluateTask(test: TaskDyads, options: EvaluateTaskOptions): TaskEvaluation {
  const n = test.labels.length;
  invariant(
    test.userIds.length === n && test.scores.length === n,
    'test dyad arrays differ in length',
  );
  const ranking: PerUserRanking = perUserRanking(test.userIds, test.labels, test.scores);
  let positives = 0;
  for (let i = 0; i < n; i++) if (test.labels[i] !== 0) positives++;
  const users = ranking.ap1.userIds.length;
  const nullReasons: NullReasons = {};

  const auc = meanOfValues(ranking.auc.values);
  if (auc === null) nullReasons.auc = 'no test user has both a positive and a negative dyad';
  const pooled = pooledPairCounts(test.labels, test.scores);
  const aucPooled = pooled.pairs === 0 ? null : pooled.correctDoubled / (2 * pooled.pairs);
  const within = ranking.withinUserPairs;
  const betweenPairs = pooled.pairs - within.pairs;
  const pooledParts = {
    withinUsers: within.pairs === 0 ? null : within.correctDoubled / (2 * within.pairs),
    betweenUsers: betweenPairs === 0 ? null : (pooled.correctDoubled - within.correctDoubled) / (2 * betweenPairs),
  };
  if (aucPooled === null) nullReasons.aucPooled = n === 0 ? 'no test dyad' : positives === 0 ? 'no positive test dyad' : 'no negative test dyad';
  const map1 = meanOfValues(ranking.ap1.values);
  const map5 = meanOfValues(ranking.ap5.values);
  const map5Norm = meanOfValues(ranking.ap5Norm.values);
  if (map1 === null) {
    nullReasons.map1 = 'no test dyad';
    nullReasons.map5 = 'no test dyad';
    nullReasons.map5Norm = 'no test dyad';
  }

  // F1: probabilities, a threshold from validation, then the test F1.
  const grid = options.thresholdGrid ?? PAPER_THRESHOLD_GRID;
  const validation = options.validation ?? null;
  if (validation) invariant(validation.labels.length === validation.scores.length, 'validation arrays differ in length');
  let f1: number | null = null;
  let threshold: number | null = null;
  let validationF1: number | null = null;
  let thresholdNote: string | null = null;
  let calibration: Calibration | null = null;
  let testProbabilities: Float64Array | null = null;
  let validationProbabilities: Float64Array | null = null;
  const decision = options.decision ?? null;
  if (decision) {
    // Chosen beforehand on validation: apply, do not refit.
    if (options.scoreKind === 'ranking') {
      if (decision.calibration) {
        calibration = { a: decision.calibration.a, b: decision.calibration.b, iterations: 0 };
        testProbabilities = applyCalibration(test.scores, decision.calibration);
      } else {
        nullReasons.f1 = 'ranking scores need a calibration fitted on validation, and none could be fitted';
      }
    } else {
      testProbabilities = options.scoreKind === 'logit' ? sigmoidAll(test.scores) : Float64Array.from(test.scores);
    }
    if (testProbabilities) {
      threshold = decision.threshold;
      f1 = f1Score(test.labels, testProbabilities, threshold);
      if (f1 === null) nullReasons.f1 = 'no positive test dyad';
    }
  } else {
    if (options.scoreKind === 'logit') {
      testProbabilities = sigmoidAll(test.scores);
      if (validation) validationProbabilities = sigmoidAll(validation.scores);
    } else if (options.scoreKind === 'probability') {
      testProbabilities = Float64Array.from(test.scores);
      if (validation) validationProbabilities = Float64Array.from(validation.scores);
    } else if (validation && validation.labels.length > 0) {
      calibration = fitLogisticCalibration(validation.labels, validation.scores);
      testProbabilities = applyCalibration(test.scores, calibration);
      validationProbabilities = applyCalibration(validation.scores, calibration);
    } else {
      nullReasons.f1 = 'ranking scores need a validation set to calibrate them, and there is none';
    }
    if (testProbabilities) {
      if (validationProbabilities && validation && validation.labels.length > 0) {
        const choice = chooseThreshold(validation.labels, validationProbabilities, grid);
        threshold = choice.threshold;
        validationF1 = choice.validationF1;
        thresholdNote = choice.fallbackReason === null ? null : `threshold 0.5 used: ${choice.fallbackReason}`;
      } else {
        threshold = 0.5;
        thresholdNote = 'threshold 0.5 used: there is no validation set';
      }
      f1 = f1Score(test.labels, testProbabilities, threshold);
      if (f1 === null) nullReasons.f1 = 'no positive test dyad';
    }
  }

  return {
    metrics: { f1, auc, aucPooled, map1, map5, map5Norm },
    nullReasons,
    threshold,
    validationF1,
    thresholdNote,
    calibration,
    distinctScores: distinctValueCount(test.scores),
    allPositiveF1: positives === 0 ? null : (2 * positives) / (2 * positives + (n - positives)),
    pooledParts,
    counts: {
      dyads: n,
      positives,
      users,
      usersWithPositive: ranking.usersWithPositive,
      usersWithBothClasses: ranking.auc.userIds.length,
    },
    perUser: { auc: ranking.auc, ap1: ranking.ap1, ap5: ranking.ap5, ap5Norm: ranking.ap5Norm },
  };
}

/** Values of two per-user metric arrays for the users present in both, in ascending user id order. */
export function pairByUser(a: PerUserValues, b: PerUserValues): { userIds: Int32Array; a: Float64Array; b: Float64Array } {
  const ids: number[] = [];
  const va: number[] = [];
  const vb: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.userIds.length && j < b.userIds.length) {
    const ua = a.userIds[i]!;
    const ub = b.userIds[j]!;
    invariant(i === 0 || a.userIds[i - 1]! < ua, 'per-user values are not in strictly ascending user id order');
    invariant(j === 0 || b.userIds[j - 1]! < ub, 'per-user values are not in strictly ascending user id order');
    if (ua === ub) {
      ids.push(ua);
      va.push(a.values[i]!);
      vb.push(b.values[j]!);
      i++;
      j++;
    } else if (ua < ub) i++;
    else j++;
  }
  return { userIds: Int32Array.from(ids), a: Float64Array.from(va), b: Float64Array.from(vb) };
}

/** The STL/MTL comparison of one task: the p-values of Fig. 2 and the tests behind them. */
export interface TaskComparison {
  pValues: PValues;
  pValuesRankSum: PValues;
  /** The full test results, by metric (pairs = users present in both evaluations). */
  tests: Record<keyof PValues, { pairs: number; signedRank: SignedRankResult; rankSum: RankSumResult }>;
}

/**
 * Compares two evaluations of the same task (STL, MTL) per user (method.md §7): Wilcoxon signed-rank on
 * the values paired by user id (only users present in both) for the ↓ marks, and the paper's rank-sum
 * test on the same users' two samples beside it.
 */
export function compareTasks(stl: TaskEvaluation, mtl: TaskEvaluation): TaskComparison {
  const metricSources = { auc: 'auc', map1: 'ap1', map5: 'ap5' } as const;
  const tests = {} as TaskComparison['tests'];
  const pValues = {} as PValues;
  const pValuesRankSum = {} as PValues;
  for (const metric of ['auc', 'map1', 'map5'] as const) {
    const source = metricSources[metric];
    const paired = pairByUser(stl.perUser[source], mtl.perUser[source]);
    const signedRank = wilcoxonSignedRank(paired.a, paired.b);
    const rankSum = rankSumTest(paired.a, paired.b);
    tests[metric] = { pairs: paired.userIds.length, signedRank, rankSum };
    pValues[metric] = signedRank.p;
    pValuesRankSum[metric] = rankSum.p;
  }
  return { pValues, pValuesRankSum, tests };
}

/** Every evaluation of one task: the two models, the baselines and the variants. */
export interface TaskRows {
  stl: TaskEvaluation;
  mtl: TaskEvaluation;
  baselines: Partial<Record<BaselineName, TaskEvaluation>>;
  variants: Record<string, TaskEvaluation>;
}

/** A baseline or variant row: its metrics and its Wilcoxon p-values against STL and MTL. */
function rowAgainst(row: TaskEvaluation, stl: TaskEvaluation, mtl: TaskEvaluation): Fig2Row {
  return { ...row.metrics, pValuesVsStl: compareTasks(stl, row).pValues, pValuesVsMtl: compareTasks(mtl, row).pValues };
}

/** One Fig. 2 row from the evaluations of a task (baselines and variants optional). */
export function fig2Entry(
  stl: TaskEvaluation,
  mtl: TaskEvaluation,
  baselines: Partial<Record<BaselineName, TaskEvaluation>> = {},
  variants: Record<string, TaskEvaluation> = {},
  alpha: number = SIGNIFICANCE_LEVEL,
): Fig2Entry {
  const comparison = compareTasks(stl, mtl);
  const baselineRows: Partial<Record<BaselineName, Fig2Row>> = {};
  for (const name of BASELINE_NAMES) {
    const b = baselines[name];
    if (b) baselineRows[name] = rowAgainst(b, stl, mtl);
  }
  const variantRows: Record<string, Fig2Row> = {};
  for (const name of Object.keys(variants).sort()) variantRows[name] = rowAgainst(variants[name]!, stl, mtl);

  const bestBaseline = {} as Fig2Entry['bestBaseline'];
  for (const metric of TESTED_METRICS) {
    let best: { name: BaselineName; value: number } | null = null;
    for (const name of ['random', 'popularity', 'itemRate'] as const) {
      const v = baselines[name]?.metrics[metric] ?? null;
      // Ties keep the simpler baseline (this order): a model must beat it either way.
      if (v !== null && (best === null || v > best.value)) best = { name, value: v };
    }
    bestBaseline[metric] = best;
  }
  const models: [string, TaskEvaluation][] = [['stl', stl], ['mtl', mtl], ...Object.keys(variants).sort().map((n): [string, TaskEvaluation] => [`variants.${n}`, variants[n]!])];
  const againstBestBaseline: Fig2Entry['againstBestBaseline'] = {};
  for (const [label, model] of models) {
    const perMetric = {} as Record<TestedMetric, AgainstBaseline | null>;
    for (const metric of TESTED_METRICS) {
      const best = bestBaseline[metric];
      const value = model.metrics[metric];
      if (best === null) {
        perMetric[metric] = null;
        continue;
      }
      const p = compareTasks(baselines[best.name]!, model).pValues[metric];
      const gap = value === null ? null : value - best.value;
      perMetric[metric] = { baseline: best.name, gap, p, beats: gap !== null && gap > 0 && p !== null && p < alpha };
    }
    againstBestBaseline[label] = perMetric;
  }
  return {
    stl: { ...stl.metrics },
    mtl: { ...mtl.metrics },
    pValues: comparison.pValues,
    pValuesRankSum: comparison.pValuesRankSum,
    baselines: baselineRows,
    variants: variantRows,
    bestBaseline,
    againstBestBaseline,
  };
}

/** Why metrics are null, per task and row ('stl', 'mtl', 'baselines.<name>', 'variants.<name>'). */
export type Fig2NullReasons = Partial<Record<Fig2Task, Record<string, NullReasons>>>;

/** The Fig. 2 table and the reasons for its nulls, from every evaluation of every task. */
export function buildFig2(evaluations: Record<Fig2Task, TaskRows>): { fig2: Fig2; nullReasons: Fig2NullReasons } {
  const fig2 = {} as Fig2;
  const nullReasons: Fig2NullReasons = {};
  for (const task of FIG2_TASKS) {
    const rows = evaluations[task];
    fig2[task] = fig2Entry(rows.stl, rows.mtl, rows.baselines, rows.variants);
    const labelled: [string, TaskEvaluation][] = [
      ['stl', rows.stl],
      ['mtl', rows.mtl],
      ...BASELINE_NAMES.filter((b) => rows.baselines[b]).map((b): [string, TaskEvaluation] => [`baselines.${b}`, rows.baselines[b]!]),
      ...Object.keys(rows.variants).sort().map((v): [string, TaskEvaluation] => [`variants.${v}`, rows.variants[v]!]),
    ];
    const reasons: Record<string, NullReasons> = {};
    for (const [label, e] of labelled) if (Object.keys(e.nullReasons).length > 0) reasons[label] = { ...e.nullReasons };
    if (Object.keys(reasons).length > 0) nullReasons[task] = reasons;
  }
  return { fig2, nullReasons };
}
