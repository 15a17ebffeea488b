// results.json of `dyadflow reproduce`: everything the experiment decided and measured, deterministic
// (no timings, no paths), so the same data, options and seed give the same bytes.
import type { SubsampleOptions } from '../dataset/subsample.js';
import type { Fig2, Fig2NullReasons, Fig2Task } from '../evaluation/index.js';
import type { FeatureOptions, FeatureReport } from '../features/build-feature-table.js';
import type { ModelKind } from '../model/index.js';
import type { Table1 } from '../stats/table1.js';
import type { ExperimentOptions, ExperimentResult, ModelRun, TaskDecision } from './experiment.js';

/** Format version of results.json. */
export const RESULTS_FORMAT_VERSION = 1;

/** The deterministic results of a reproduce run. */
export interface ReproduceResults {
  formatVersion: number;
  options: { subsample: SubsampleOptions; features: FeatureOptions; experiment: ExperimentOptions };
  input: { droppedDeletes: number; badRows: number };
  table1: { before: Table1; after: Table1 };
  features: FeatureReport;
  rows: ExperimentResult['rows'];
  runs: Record<ModelKind, ModelRun>;
  fig2: Fig2;
  nullReasons: Fig2NullReasons;
  decisions: Record<Fig2Task, { stl: TaskDecision; mtl: TaskDecision }>;
  /** sha256 of the feature table the models were trained and evaluated on. */
  dataFingerprint: string;
}
