// Degenerate runs are flagged, not passed silently (issue 10 finding 3; method.md §7): results.json, --json
// and report.md carry these, each with a plain message. (Nothing left after subsampling is refused earlier,
// in the pipeline, with exit 2.)
import { BASELINE_NAMES, FIG2_TASKS, type Fig2Task, type TaskEvaluation, type TaskRows } from '../evaluation/index.js';
import type { FeatureReport } from '../features/build-feature-table.js';
import { formatFixed } from '../report/format.js';
import type { ModelRun, OracleInfo } from './experiment.js';

/** What a flag is about. */
export type FlagCode =
  | 'few-distinct-scores'
  | 'f1-all-positive'
  | 'pooled-auc-separates-users'
  | 'selection-fallback'
  | 'most-dyads-without-neighbours'
  | 'oracle-without-truth';

/** One flag: its code, the task and row it concerns (null: the whole run), and what to tell the reader. */
export interface Flag {
  code: FlagCode;
  task: Fig2Task | null;
  /** 'stl', 'mtl', 'variants.<name>', 'baselines.<name>', a model kind, or null. */
  row: string | null;
  message: string;
}

/** A model whose test scores take fewer distinct values than this is flagged (constant scores and the like). */
export const MIN_DISTINCT_SCORES = 10;

/**
 * Width of "at chance" for the pooled-AUC label: a within-user AUC closer to ½ than this is at chance, a pooled
 * AUC at least this far above ½ is not. About the epoch-to-epoch noise of one model's AUC (issue 10: ±0.006).
 */
export const CHANCE_BAND = 0.01;

/** Share of dyads without any neighbour above which a dataset is warned about. */
export const NO_NEIGHBOUR_WARNING_SHARE = 0.5;

/** Flags of the data: more than half the dyads without any neighbour (their 15 statistics are all 0). */
export function dataFlags(report: FeatureReport): Flag[] {
  if (report.dyads === 0) return [];
  const share = report.noNeighbours / report.dyads;
  if (!(share > NO_NEIGHBOUR_WARNING_SHARE)) return [];
  return [
    {
      code: 'most-dyads-without-neighbours',
      task: null,
      row: null,
      message:
        `${formatFixed(100 * share, 1)}% of the dyads (${report.noNeighbours} of ${report.dyads}) have no neighbour: their 15 ` +
        'win/tie/loss statistics are all 0, so the models see little beyond the context columns',
    },
  ];
}

/** Flags of the selection: a task for which no grid point had a defined validation metric. */
export function selectionFlags(runs: Record<string, ModelRun>): Flag[] {
  const out: Flag[] = [];
  for (const kind of Object.keys(runs)) {
    const run = runs[kind]!;
    for (const task of FIG2_TASKS) {
      const s = run.selection[task];
      if (s?.fallback) out.push({ code: 'selection-fallback', task, row: kind, message: `${kind}, ${task}: ${s.fallback}` });
    }
  }
  return out;
}

/** Row labels and evaluations of a task, models first, then variants and baselines. */
function labelledRows(rows: TaskRows): { label: string; model: boolean; e: TaskEvaluation }[] {
  return [
    { label: 'stl', model: true, e: rows.stl },
    { label: 'mtl', model: true, e: rows.mtl },
    ...Object.keys(rows.variants)
      .sort()
      .map((v) => ({ label: `variants.${v}`, model: true, e: rows.variants[v]! })),
    ...BASELINE_NAMES.filter((b) => rows.baselines[b]).map((b) => ({ label: `baselines.${b}`, model: false, e: rows.baselines[b]! })),
  ];
}

/**
 * Flags of the test evaluation: a model with fewer than 10 distinct test scores; an F1 equal to the
 * predict-everything-positive F1 (not for the random row, whose F1 is that by definition); a pooled AUC that
 * only separates users (its pairs within a user are at chance, the pooled value is not: per-user base rates,
 * not items); oracle dyads without a truth.
 */
export function evaluationFlags(evals: Record<Fig2Task, TaskRows>, oracle: OracleInfo | null): Flag[] {
  const out: Flag[] = [];
  for (const task of FIG2_TASKS) {
    for (const { label, model, e } of labelledRows(evals[task])) {
      if (model && e.counts.dyads > 0 && e.distinctScores < MIN_DISTINCT_SCORES) {
        out.push({
          code: 'few-distinct-scores',
          task,
          row: label,
          message: `${label} scores the ${e.counts.dyads} ${task} test dyads with ${e.distinctScores} distinct value${e.distinctScores === 1 ? '' : 's'}: its ranking metrics are mostly the tie expectation`,
        });
      }
      const f1 = e.metrics.f1;
      if (label !== 'baselines.random' && f1 !== null && e.allPositiveF1 !== null && f1 === e.allPositiveF1) {
        out.push({
          code: 'f1-all-positive',
          task,
          row: label,
          message: `${label} ${task} F1 ${formatFixed(f1, 3)} is the F1 of predicting every dyad positive: its threshold separates nothing`,
        });
      }
      const pooled = e.metrics.aucPooled;
      const within = e.pooledParts.withinUsers;
      if (pooled !== null && within !== null && pooled - 0.5 >= CHANCE_BAND && Math.abs(within - 0.5) < CHANCE_BAND) {
        out.push({
          code: 'pooled-auc-separates-users',
          task,
          row: label,
          message:
            `${label} ${task} pooled AUC ${formatFixed(pooled, 3)} only separates users: on pairs of the same user it is ` +
            `${formatFixed(within, 3)} (chance), on pairs of different users ${formatFixed(e.pooledParts.betweenUsers ?? Number.NaN, 3)}`,
        });
      }
    }
  }
  if (oracle && oracle.testDyadsWithoutTruth > 0) {
    out.push({
      code: 'oracle-without-truth',
      task: null,
      row: 'baselines.oracle',
      message:
        `${oracle.testDyadsWithoutTruth} of ${oracle.testDyads} test dyads have no generator truth (users that are not core ` +
        'users of the generator, kept by lower subsampling thresholds): the oracle scores them with a constant',
    });
  }
  return out;
}
