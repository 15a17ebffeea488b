// The batch feature snapshot (issue 4 item 3; architecture.md "Data flow", batch driver), top to bottom:
//   RecSys 2016 files ─▶ loadDataset (bad rows → OUT/dead-letters.ndjson) ─▶ subsample ─▶ Table 1 (after)
//   ─▶ buildFeatureTable ─▶ features.parquet ─▶ features.arrow ─▶ manifest.json (last).
// A plain async composition: one pass, nothing to stream. Timings are returned to the caller (for --json and
// the log), never written into the snapshot's files.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFeatureTableArrow } from '../src/adapters/arrow/index.js';
import { DEFAULT_PARQUET_WRITE_OPTIONS, writeFeatureTableParquet, type ParquetWriteOptions } from '../src/adapters/parquet/index.js';
import { createDeadLetterFile, loadDataset } from '../src/adapters/recsys16/index.js';
import type { FileDigest } from '../src/adapters/fs/atomic-file.js';
import {
  SNAPSHOT_FILES,
  buildSnapshotManifest,
  writeSnapshotManifest,
  type SnapshotInput,
  type SnapshotOptions,
  type SnapshotRows,
} from '../src/adapters/snapshot/manifest.js';
import { subsample, type SubsampleOptions } from '../src/core/dataset/subsample.js';
import { buildFeatureTable, type FeatureOptions, type FeatureReport } from '../src/core/features/build-feature-table.js';
import type { Dataset } from '../src/core/events/tables.js';
import { computeTable1, type Table1 } from '../src/core/stats/table1.js';

/** Name of the dead-letter file inside the output directory. */
export const DEAD_LETTERS_FILE = 'dead-letters.ndjson';

/** Inputs of a batch feature snapshot. */
export interface BatchFeaturesRequest {
  dataDir: string;
  outDir: string;
  features: FeatureOptions;
  subsample: SubsampleOptions;
  parquet?: ParquetWriteOptions;
  /** Non-fatal notices (a missing profile file). */
  warn?: (message: string) => void;
  /** Called as each phase starts, for progress logs. */
  onPhase?: (phase: BatchFeaturesPhase) => void;
}

/** The phases of the flow, in order. */
export type BatchFeaturesPhase = 'load' | 'subsample' | 'table1' | 'features' | 'parquet' | 'arrow' | 'manifest';

/** Wall-clock milliseconds per phase (not reproducible: for --json and logs only). */
export type BatchFeaturesTimings = Record<BatchFeaturesPhase | 'total', number>;

/** What a batch feature snapshot produced. */
export interface BatchFeaturesResult {
  options: SnapshotOptions;
  input: SnapshotInput;
  table1: Table1;
  rows: SnapshotRows;
  report: FeatureReport;
  timings: BatchFeaturesTimings;
  files: Record<'features.parquet' | 'features.arrow' | 'manifest.json', FileDigest>;
  /** Bad rows written to OUT/dead-letters.ndjson (the file exists only when there are some). */
  deadLetters: number;
}

/** Runs the batch feature flow and writes OUT/features.parquet, OUT/features.arrow, then OUT/manifest.json. */
export async function runBatchFeatures(req: BatchFeaturesRequest): Promise<BatchFeaturesResult> {
  const t0 = performance.now();
  const timings = {} as BatchFeaturesTimings;
  let mark = t0;
  let current: BatchFeaturesPhase | null = null;
  const phase = (next: BatchFeaturesPhase | null): void => {
    const now = performance.now();
    if (current !== null) timings[current] = Math.round((now - mark) * 10) / 10;
    mark = now;
    current = next;
    if (next !== null) req.onPhase?.(next);
  };

  const parquetOptions = { ...DEFAULT_PARQUET_WRITE_OPTIONS, ...definedOnly(req.parquet ?? {}) };
  const options: SnapshotOptions = {
    features: { ...req.features },
    subsample: { minItemUsers: req.subsample.minItemUsers, minUserItems: req.subsample.minUserItems },
    parquet: parquetOptions,
  };

  await mkdir(req.outDir, { recursive: true });

  phase('load');
  const deadLetters = createDeadLetterFile(join(req.outDir, DEAD_LETTERS_FILE));
  let loaded: Dataset | undefined;
  try {
    loaded = await loadDataset(req.dataDir, { deadLetters, warn: req.warn ?? (() => {}) });
  } finally {
    await deadLetters.close();
  }
  // Only now that the input has loaded: an old manifest must not vouch for files this run is about to
  // replace. A bad --data leaves an existing snapshot's files as they were.
  await rm(join(req.outDir, SNAPSHOT_FILES.manifest), { force: true });
  const input: SnapshotInput = { droppedDeletes: loaded.droppedDeletes, badRows: loaded.badRows };

  phase('subsample');
  const ds = subsample(loaded, options.subsample);
  loaded = undefined; // the unsubsampled events are not needed any more

  phase('table1');
  const table1 = computeTable1(ds);

  phase('features');
  const { table, report } = buildFeatureTable(ds, options.features);

  phase('parquet');
  const parquet = await writeFeatureTableParquet(join(req.outDir, SNAPSHOT_FILES.parquet), table, options.features.spread, parquetOptions);

  phase('arrow');
  const arrow = await writeFeatureTableArrow(join(req.outDir, SNAPSHOT_FILES.arrow), table, options.features.spread);

  phase('manifest');
  const manifest = buildSnapshotManifest({ options, input, table1, report, table, spread: options.features.spread, files: { parquet, arrow } });
  const manifestDigest = await writeSnapshotManifest(req.outDir, manifest);

  phase(null);
  timings.total = Math.round((performance.now() - t0) * 10) / 10;
  return {
    options,
    input,
    table1,
    rows: manifest.rows,
    report,
    timings,
    files: { 'features.parquet': parquet, 'features.arrow': arrow, 'manifest.json': manifestDigest },
    deadLetters: deadLetters.count,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
