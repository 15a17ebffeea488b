// The batch feature snapshot (issue 4 item 3; architecture.md "Data flow", batch driver), top to bottom:
//   lock OUT ─▶ loadDataset (bad rows → dead letters) ─▶ subsample ─▶ Table 1 (after) ─▶ buildFeatureTable
//   ─▶ remove the old manifest, commit the dead letters ─▶ features.parquet ─▶ features.arrow ─▶ manifest.json (last).
// Until the old manifest goes, nothing in OUT has changed: a run that fails while reading or computing (a wrong
// --data, a bad row file, a crash) leaves an earlier complete snapshot as it was (issue 9 item 5). A plain async
// composition: one pass, nothing to stream. Timings go to the caller (--json, the log), never into the snapshot.
import { join } from 'node:path';
import { writeFeatureTableArrow } from '../src/adapters/arrow/index.js';
import { DEFAULT_PARQUET_WRITE_OPTIONS, writeFeatureTableParquet, type ParquetWriteOptions } from '../src/adapters/parquet/index.js';
import { checkDatasetFiles, loadDataset, removeDeadLetterFile, withDeadLetters, type BadRowsReport } from '../src/adapters/recsys16/index.js';
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
import { removeCompletionMarker, withOutputDirectory } from './output-dir.js';
import { PhaseTimer, type PhaseTimings } from './phases.js';

/** Name of the dead-letter file inside the output directory. */
export const DEAD_LETTERS_FILE = 'dead-letters.ndjson';

/** Inputs of a batch feature snapshot. */
export interface BatchFeaturesRequest {
  dataDir: string;
  outDir: string;
  features: FeatureOptions;
  subsample: SubsampleOptions;
  parquet?: ParquetWriteOptions;
  /** Where bad rows go; default OUT/dead-letters.ndjson. */
  deadLettersPath?: string;
  /** Non-fatal notices (a missing profile file, a lock taken over, leftovers removed). */
  warn?: (message: string) => void;
  /** Called as each phase starts, for progress logs. */
  onPhase?: (phase: BatchFeaturesPhase) => void;
}

/** The phases of the flow, in order. */
export type BatchFeaturesPhase = 'load' | 'subsample' | 'table1' | 'features' | 'parquet' | 'arrow' | 'manifest';

/** Wall-clock milliseconds per phase (not reproducible: for --json and logs only). */
export type BatchFeaturesTimings = PhaseTimings<BatchFeaturesPhase>;

/** What a batch feature snapshot produced. */
export interface BatchFeaturesResult {
  options: SnapshotOptions;
  input: SnapshotInput;
  table1: Table1;
  rows: SnapshotRows;
  report: FeatureReport;
  timings: BatchFeaturesTimings;
  files: Record<'features.parquet' | 'features.arrow' | 'manifest.json', FileDigest>;
  badRows: BadRowsReport;
}

/** Runs the batch feature flow and writes OUT/features.parquet, OUT/features.arrow, then OUT/manifest.json. */
export async function runBatchFeatures(req: BatchFeaturesRequest): Promise<BatchFeaturesResult> {
  const warn = req.warn ?? (() => {});
  // A wrong --data is exit 2 before OUT is even created.
  await checkDatasetFiles(req.dataDir);
  const timer = new PhaseTimer<BatchFeaturesPhase>(req.onPhase);
  const parquetOptions = { ...DEFAULT_PARQUET_WRITE_OPTIONS, ...definedOnly(req.parquet ?? {}) };
  const options: SnapshotOptions = {
    features: { ...req.features },
    subsample: { minItemUsers: req.subsample.minItemUsers, minUserItems: req.subsample.minUserItems },
    parquet: parquetOptions,
  };
  const out = req.outDir;
  const ownDeadLetters = join(out, DEAD_LETTERS_FILE);
  const deadLettersPath = req.deadLettersPath ?? ownDeadLetters;

  return withOutputDirectory(out, 'features', warn, async () => {
    const { value, badRows } = await withDeadLetters(deadLettersPath, async (deadLetters) => {
      timer.start('load');
      let loaded: Dataset | undefined = await loadDataset(req.dataDir, { deadLetters, warn });
      const input: SnapshotInput = { droppedDeletes: loaded.droppedDeletes, badRows: loaded.badRows };

      timer.start('subsample');
      const ds = subsample(loaded, options.subsample);
      loaded = undefined; // the unsubsampled events are not needed any more

      timer.start('table1');
      const table1 = computeTable1(ds);

      timer.start('features');
      const { table, report } = buildFeatureTable(ds, options.features);

      // From here on OUT is being replaced: the old manifest must not vouch for what follows.
      timer.start('parquet');
      await removeCompletionMarker(out, SNAPSHOT_FILES.manifest);
      await deadLetters.close();
      // Dead letters written elsewhere: an earlier run's file in OUT would pass for this run's.
      if (deadLettersPath !== ownDeadLetters) await removeDeadLetterFile(ownDeadLetters);
      const parquet = await writeFeatureTableParquet(join(out, SNAPSHOT_FILES.parquet), table, options.features.spread, parquetOptions);

      timer.start('arrow');
      const arrow = await writeFeatureTableArrow(join(out, SNAPSHOT_FILES.arrow), table, options.features.spread);

      timer.start('manifest');
      const manifest = buildSnapshotManifest({ options, input, table1, report, table, spread: options.features.spread, files: { parquet, arrow } });
      const manifestDigest = await writeSnapshotManifest(out, manifest);
      return {
        input,
        table1,
        rows: manifest.rows,
        report,
        files: { 'features.parquet': parquet, 'features.arrow': arrow, 'manifest.json': manifestDigest },
      };
    });
    return { options, ...value, timings: timer.finish(), badRows };
  });
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
