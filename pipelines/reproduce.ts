// The paper's experiment end to end (issue 5; architecture.md, batch driver), top to bottom:
//   RecSys 2016 files ─▶ loadDataset (bad rows → dead letters) ─▶ subsample ─▶ Table 1 (before, after)
//   ─▶ buildFeatureTable (point in time by default) ─▶ runExperiment (selection on validation, STL, MTL and
//   variants, baselines, the oracle when DIR/truth.json exists, Fig. 2 on test) ─▶ OUT/results.json, report.md,
//   loss-*.svg, models/<kind>/. Nothing left after subsampling is an InputError (exit 2).
// results.json is deterministic (no timings); timings go to the caller (--json, log).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TRUTH_FILE, createDeadLetterFile, createDeadLetterMemory, loadDataset, readTruthFile, type DeadLetterSink } from '../src/adapters/recsys16/index.js';
import { InputError } from '../src/core/errors.js';
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

/** Inputs of a reproduce run. */
export interface ReproduceRequest {
  dataDir: string;
  /** Where results.json, report.md, loss curves and models go; null writes nothing. */
  outDir: string | null;
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
  timings: Record<ReproducePhase | 'total', number>;
  files: string[];
}

async function writeAtomic(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** Runs the whole experiment on a RecSys 2016 dataset folder. */
export async function runReproduce(req: ReproduceRequest): Promise<ReproduceOutcome> {
  const t0 = performance.now();
  const timings = {} as Record<ReproducePhase | 'total', number>;
  let mark = t0;
  let current: ReproducePhase | null = null;
  const phase = (next: ReproducePhase | null): void => {
    const now = performance.now();
    if (current !== null) timings[current] = Math.round(now - mark);
    mark = now;
    current = next;
    if (next !== null) req.onPhase?.(next);
  };

  if (req.outDir !== null) await mkdir(req.outDir, { recursive: true });
  phase('load');
  const deadLetters: DeadLetterSink = req.outDir !== null ? createDeadLetterFile(join(req.outDir, 'dead-letters.ndjson')) : createDeadLetterMemory();
  let loaded: Dataset | undefined;
  try {
    loaded = await loadDataset(req.dataDir, { deadLetters, warn: req.warn ?? (() => {}) });
  } finally {
    await deadLetters.close();
  }
  const input = { droppedDeletes: loaded.droppedDeletes, badRows: loaded.badRows };
  // The generator's truth of a synthetic dataset (the oracle row); absent for other data. Features never see it.
  const truth = await readTruthFile(join(req.dataDir, TRUTH_FILE));

  phase('subsample');
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

  phase('features');
  const { table, report } = buildFeatureTable(ds, req.features);

  phase('train+evaluate');
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
  if (req.outDir !== null) {
    phase('write');
    const out = req.outDir;
    for (const [name, svg] of Object.entries(renderLossCurves(results.runs))) {
      await writeAtomic(join(out, name), svg);
      files.push(name);
    }
    for (const kind of Object.keys(experiment.models)) {
      await saveModel(join(out, 'models', kind), experiment.models[kind], {
        dataFingerprint,
        metrics: { fig2: results.fig2 },
      });
      files.push(`models/${kind}/`);
    }
    await writeAtomic(join(out, 'report.md'), renderReproduceReport(results));
    files.push('report.md');
    // results.json last: its presence says the run finished.
    await writeAtomic(join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    files.push('results.json');
    if (deadLetters.count > 0) files.push('dead-letters.ndjson');
  }
  phase(null);
  timings.total = Math.round(performance.now() - t0);
  return { results, timings, files };
}
