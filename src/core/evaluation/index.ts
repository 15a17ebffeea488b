// Public API of the evaluation stage (method.md §7): metrics, calibration, significance, Fig. 2 types.
export { erfc, normalCdf, normalSf, sigmoid, softplus } from './special.js';
export { distinctValueCount, evaluationOrder, meanOfValues, perUserRanking, pooledAuc, pooledPairCounts } from './ranking.js';
export type { PerUserRanking, PerUserValues, ScoreArray } from './ranking.js';
export {
  applyCalibration,
  chooseThreshold,
  confusionAt,
  DEFAULT_THRESHOLD,
  f1FromConfusion,
  f1Score,
  fitLogisticCalibration,
  PAPER_THRESHOLD_GRID,
  sigmoidAll,
} from './classification.js';
export type { Calibration, Confusion, ThresholdChoice } from './classification.js';
export { rankSumTest, wilcoxonSignedRank } from './significance.js';
export type { RankSumOptions, RankSumResult, SignedRankOptions, SignedRankResult, TestMethod } from './significance.js';
export { BASELINE_NAMES, buildFig2, compareTasks, evaluateTask, FIG2_TASKS, fig2Entry, pairByUser, SIGNIFICANCE_LEVEL, TESTED_METRICS } from './evaluate-task.js';
export type {
  AgainstBaseline,
  BaselineName,
  EvaluateTaskOptions,
  Fig2,
  Fig2Row,
  Fig2Entry,
  Fig2NullReasons,
  Fig2Task,
  MetricName,
  NullReasons,
  PValues,
  ScoreKind,
  TaskComparison,
  TaskDyads,
  TaskEvaluation,
  TaskMetrics,
  TaskRows,
  TestedMetric,
} from './evaluate-task.js';
