// The paper's Table 1 of a RecSys 2016 dataset (issue 2 item 6), top to bottom:
//   loadDataset (bad rows → the dead-letter file named, or only counted) ─▶ Table 1 before ─▶ subsample
//   ─▶ Table 1 after.
// Nothing is written except the dead-letter file the caller names: never into the data folder (issue 9 item 4).
import { checkDatasetFiles, loadDataset, withDeadLetters, type BadRowsReport } from '../src/adapters/recsys16/index.js';
import { subsample, type SubsampleOptions } from '../src/core/dataset/subsample.js';
import { computeTable1, type Table1 } from '../src/core/stats/table1.js';
import { PhaseTimer, type PhaseTimings } from './phases.js';

/** Inputs of a Table 1 run. */
export interface StatsRequest {
  dataDir: string;
  subsample: SubsampleOptions;
  /** Where bad rows go (checked before reading); null: counted, and the first few reported. */
  deadLettersPath: string | null;
  warn?: (message: string) => void;
  onPhase?: (phase: StatsPhase) => void;
}

/** The phases of a run, in order. */
export type StatsPhase = 'load' | 'table1' | 'subsample';

/** Table 1 before and after subsampling, what reading dropped, and wall-clock timings (for logs only). */
export interface StatsResult {
  before: Table1;
  after: Table1;
  droppedDeletes: number;
  badRows: BadRowsReport;
  options: SubsampleOptions;
  timings: PhaseTimings<StatsPhase>;
}

/** Loads a dataset folder and computes its Table 1 before and after subsampling. */
export async function runStats(req: StatsRequest): Promise<StatsResult> {
  await checkDatasetFiles(req.dataDir);
  const timer = new PhaseTimer<StatsPhase>(req.onPhase);
  const { value: dataset, badRows } = await withDeadLetters(req.deadLettersPath, async (deadLetters) => {
    timer.start('load');
    return loadDataset(req.dataDir, { deadLetters, warn: req.warn ?? (() => {}) });
  });
  timer.start('table1');
  const before = computeTable1(dataset);
  timer.start('subsample');
  const after = computeTable1(subsample(dataset, req.subsample));
  return {
    before,
    after,
    droppedDeletes: dataset.droppedDeletes,
    badRows,
    options: { minItemUsers: req.subsample.minItemUsers, minUserItems: req.subsample.minUserItems },
    timings: timer.finish(),
  };
}
