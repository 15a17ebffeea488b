// The paper's experiment end to end (issue 5; architecture.md, batch driver), top to bottom:
//   lock OUT ─▶ loadDataset (bad rows → dead letters) ─▶ subsample ─▶ Table 1 (before, after)
//   ─▶ buildFeatureTable (point in time by default) ─▶ runExperiment (selection on validation, STL, MTL and
//   variants, baselines, the oracle when DIR/truth.json exists, Fig. 2 on test) ─▶ remove the old results.json,
//   commit the dead letters ─▶ loss-*.svg, models/<kind>/, report.md ─▶ results.json (last: the completion
//   marker). Nothing left after subsampling is an InputError (exit 2).
// Until the old results.json goes, nothing in OUT has changed, so a run that fails before writing leaves an
// earlier complete output as it was (issue 9 item 5). results.json is deterministic (no timings); timings go to
// the caller (--json, log).
import { join } from 'node:path';
import {
  TRUTH_FILE,
  checkDatasetFiles,
  loadDataset,
  readTruthFile,
  removeDeadLetterFile,
  withDeadLetters,
  type BadRowsReport,
  type DeadLetters,
} from '../src/adapters/recsys16/index.js';
import { InputError } from '../src/core/errors.js';
import { writeFileAtomic } from '../src/adapters/fs/atomic-file.js';
import { fingerprintTable } from '../src/adapters/model-store/fingerprint.js';
import { saveModel } from '../src/adapters/model-store/model-store.js';
import { subsample, type SubsampleOptions } from '../src/core/dataset/subsample.js';
import type { Dataset } from '../src/core/events/tables.js';
import { buildFeatureTable, type FeatureOptions } from '../src/core/features/build-feature-table.js';
import { computeTable1 } from '../src/core/stats/table1.js';
import { runExperiment, type ExperimentOptions } from '../src/core/experiment/experiment.js';
import { dataFlags } from '../src/core/experiment/flags.js';
import { recommendModelKind } from '../src/core/experiment/recommend.js';
import { RESULTS_FORMAT_VERSION, type ReproduceResults } from '../src/core/experiment/results.js';
import { renderLossCurves, renderReproduceReport } from '../src/core/experiment/report.js';
import type { EpochLoss } from '../src/core/model/index.js';
import { removeCompletionMarker, withOutputDirectory } from './output-dir.js';
import { PhaseTimer, type PhaseTimings } from './phases.js';

/** The completion marker of a reproduce output directory. */
export const RESULTS_FILE = 'results.json';

/** Name of the dead-letter file inside the output directory. */
export const DEAD_LETTERS_FILE = 'dead-letters.ndjson';

/** Inputs of a reproduce run. */
export interface ReproduceRequest {
  dataDir: string;
  /** Where results.json, report.md, loss curves and models go; null writes nothing. */
  outDir: string | null;
  /** Where bad rows go; default OUT/dead-letters.ndjson, or none (counted only) without an output folder. */
  deadLettersPath?: string | null;
  subsample: SubsampleOptions;
  features: FeatureOptions;
  experiment: ExperimentOptions;
  warn?: (message: string) => void;
  onPhase?: (phase: ReproducePhase) => void;
  onTraining?: (label: string, maxEpochs: number) => void;
  onEpoch?: (label: string, loss: EpochLoss) => void;
}

/** The phases of a run, in order. */
export type ReproducePhase = 'load' | 'subsample' | 'features' | 'train+evaluate' | 'write';

/** What a run returns: the results plus wall-clock timings (milliseconds per phase). */
export interface ReproduceOutcome {
  results: ReproduceResults;
  timings: PhaseTimings<ReproducePhase>;
  files: string[];
  badRows: BadRowsReport;
}

/** Runs the whole experiment on a RecSys 2016 dataset folder. */
export async function runReproduce(req: ReproduceRequest): Promise<ReproduceOutcome> {
  // A wrong --data is exit 2 before OUT is even created.
  await checkDatasetFiles(req.dataDir);
  const out = req.outDir;
  const deadLettersPath = req.deadLettersPath !== undefined ? req.deadLettersPath : out === null ? null : join(out, DEAD_LETTERS_FILE);
  const run = async (): Promise<ReproduceOutcome> => {
    const timer = new PhaseTimer<ReproducePhase>(req.onPhase);
    const { value, badRows } = await withDeadLetters(deadLettersPath, (deadLetters) => experimentAndWrite(req, timer, deadLetters));
    return { ...value, timings: timer.finish(), badRows };
  };
  // Models live in OUT/models/<kind>/: leftovers of a killed run are cleaned two levels down.
  return out === null ? run() : withOutputDirectory(out, 'reproduce', req.warn ?? (() => {}), run, 2);
}

async function experimentAndWrite(
  req: ReproduceRequest,
  timer: PhaseTimer<ReproducePhase>,
  deadLetters: DeadLetters,
): Promise<{ results: ReproduceResults; files: string[] }> {
  timer.start('load');
  let loaded: Dataset | undefined = await loadDataset(req.dataDir, { deadLetters, warn: req.warn ?? (() => {}) });
  const input = { droppedDeletes: loaded.droppedDeletes, badRows: loaded.badRows };
  // The generator's truth of a synthetic dataset (the oracle row); absent for other data. Features never see it.
  const truth = await readTruthFile(join(req.dataDir, TRUTH_FILE));

  timer.start('subsample');
  const before = computeTable1(loaded);
  const ds = subsample(loaded, req.subsample);
  loaded = undefined;
  const after = computeTable1(ds);
  if (after.users === 0 || after.dyads === 0) {
    const t = req.subsample;
    throw new InputError(
      'DF_ERR_EMPTY_AFTER_SUBSAMPLE',
      `nothing left after subsampling with --min-item-users ${t.minItemUsers} --min-user-items ${t.minUserItems}: ` +
        `${before.users} users, ${before.offers} offers, ${before.dyads} dyads before; ${after.users} users, ${after.offers} offers, ` +
        `${after.dyads} dyads after (lower the thresholds; 0 keeps everything)`,
    );
  }

  timer.start('features');
  const { table, report } = buildFeatureTable(ds, req.features);

  timer.start('train+evaluate');
  const experimentOptions: ExperimentOptions = { ...req.experiment, splitSeed: req.features.seed };
  const experiment = runExperiment(table, experimentOptions, { onTraining: req.onTraining, onEpoch: req.onEpoch }, { truth });
  const dataFingerprint = fingerprintTable(table);
  const flags = [...dataFlags(report), ...experiment.flags];
  for (const f of flags) req.warn?.(f.message);

  const results: ReproduceResults = {
    formatVersion: RESULTS_FORMAT_VERSION,
    options: { subsample: req.subsample, features: req.features, experiment: experimentOptions },
    input,
    table1: { before, after },
    features: report,
    rows: experiment.rows,
    runs: experiment.runs,
    fig2: experiment.fig2,
    nullReasons: experiment.nullReasons,
    decisions: experiment.decisions,
    flags,
    oracle: experiment.oracle,
    variants: experiment.variants,
    recommendation: recommendModelKind([experiment.fig2]),
    dataFingerprint,
  };

  const files: string[] = [];
  const out = req.outDir;
  if (out === null) {
    await deadLetters.close();
    return { results, files };
  }
  timer.start('write');
  // From here on OUT is being replaced: the old results.json must not vouch for what follows.
  await removeCompletionMarker(out, RESULTS_FILE);
  await deadLetters.close();
  // Dead letters written elsewhere (or only counted): an earlier run's file in OUT would pass for this run's.
  const ownDeadLetters = join(out, DEAD_LETTERS_FILE);
  if (deadLetters.path !== ownDeadLetters) await removeDeadLetterFile(ownDeadLetters);
  for (const [name, svg] of Object.entries(renderLossCurves(results.runs))) {
    await writeFileAtomic(join(out, name), svg);
    files.push(name);
  }
  for (const kind of Object.keys(experiment.models)) {
    await saveModel(join(out, 'models', kind), experiment.models[kind], {
      dataFingerprint,
      metrics: { fig2: results.fig2 },
    });
    files.push(`models/${kind}/`);
  }
  await writeFileAtomic(join(out, 'report.md'), renderReproduceReport(results));
  files.push('report.md');
  // results.json last: its presence says the run finished.
  await writeFileAtomic(join(out, RESULTS_FILE), JSON.stringify(results, null, 2) + '\n');
  files.push(RESULTS_FILE);
  if (deadLetters.count > 0 && deadLetters.path === ownDeadLetters) files.push(DEAD_LETTERS_FILE);
  return { results, files };
}
