// results.json of `dyadflow reproduce`: everything the experiment decided and measured, deterministic
// (no timings, no paths), so the same data, options and seed give the same bytes.
import type { SubsampleOptions } from '../dataset/subsample.js';
import type { Fig2, Fig2NullReasons, Fig2Task } from '../evaluation/index.js';
import type { FeatureOptions, FeatureReport } from '../features/build-feature-table.js';
import type { Table1 } from '../stats/table1.js';
import type { ExperimentOptions, ExperimentResult, ModelRun, ModelVariant, OracleInfo, TaskDecision } from './experiment.js';
import type { Flag } from './flags.js';
import type { KindRecommendation } from './recommend.js';

/** Format version of results.json (2: baselines, variants, per-task selection, flags; issue 10). */
export const RESULTS_FORMAT_VERSION = 2;

/** The deterministic results of a reproduce run. */
export interface ReproduceResults {
  formatVersion: number;
  options: { subsample: SubsampleOptions; features: FeatureOptions; experiment: ExperimentOptions };
  input: { droppedDeletes: number; badRows: number };
  table1: { before: Table1; after: Table1 };
  features: FeatureReport;
  rows: ExperimentResult['rows'];
  /** By model kind. */
  runs: Record<string, ModelRun>;
  fig2: Fig2;
  nullReasons: Fig2NullReasons;
  /** Per task, by row label ('stl', 'mtl', 'baselines.<name>', 'variants.<name>'). */
  decisions: Record<Fig2Task, Record<string, TaskDecision>>;
  /** Degenerate data, models and metrics (flags.ts), in a fixed order. */
  flags: Flag[];
  oracle: OracleInfo | null;
  variants: ModelVariant[];
  /** What this run's evidence says about the default model kind (recommend.ts). */
  recommendation: KindRecommendation;
  /** sha256 of the feature table the models were trained and evaluated on. */
  dataFingerprint: string;
}
