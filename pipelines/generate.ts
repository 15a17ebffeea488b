// A synthetic RecSys 2016 dataset (issue 2 item 5): the generator of a preset (src/core/synth) streamed into the
// four files of an output folder, which the run holds locked (issue 9 item 2). Each file is written by the one
// durable atomic write, so a reader sees an earlier file or the whole new one.
import { join } from 'node:path';
import { buildSynthetic, type SynthPresetName, type SynthSummary } from '../src/core/synth/index.js';
import {
  TRUTH_FILE,
  createImpressionWriter,
  createInteractionWriter,
  createItemWriter,
  createUserWriter,
  writeTruthFile,
} from '../src/adapters/recsys16/index.js';
import { withOutputDirectory } from './output-dir.js';
import { PhaseTimer, type PhaseTimings } from './phases.js';

/** Inputs of a generate run. */
export interface GenerateRequest {
  preset: SynthPresetName;
  seed: number;
  outDir: string;
  warn?: (message: string) => void;
  /** Records written so far, of `total`, every 65,536 records and at the end. */
  onProgress?: (done: number, total: number) => void;
  onPhase?: (phase: GeneratePhase) => void;
}

/** The phases of a run. */
export type GeneratePhase = 'build' | 'write';

/** Writes a preset's four files into `outDir` (created if missing), holding its lock. */
export async function runGenerate(req: GenerateRequest): Promise<{ summary: SynthSummary; timings: PhaseTimings<GeneratePhase> }> {
  const timer = new PhaseTimer<GeneratePhase>(req.onPhase);
  return withOutputDirectory(req.outDir, 'generate', req.warn ?? (() => {}), async () => {
    const summary = await writeSynthetic(req.preset, req.seed, req.outDir, req.onProgress, timer);
    return { summary, timings: timer.finish() };
  });
}

/**
 * Writes a preset's four files into `outDir` (which must exist), honouring the writers' backpressure. A failure
 * drops the files being written and leaves earlier ones as they were. (bench/generate.ts times this alone.)
 */
export async function writeSynthetic(
  preset: SynthPresetName,
  seed: number,
  outDir: string,
  onProgress: (done: number, total: number) => void = () => {},
  timer?: PhaseTimer<GeneratePhase>,
): Promise<SynthSummary> {
  timer?.start('build');
  const ds = buildSynthetic(preset, seed);
  const s = ds.summary;
  const total = s.users + s.items + s.interactions + s.impressionLines;
  timer?.start('write');
  const users = createUserWriter(join(outDir, 'users.csv'));
  const items = createItemWriter(join(outDir, 'items.csv'));
  const interactions = createInteractionWriter(join(outDir, 'interactions.csv'));
  const impressions = createImpressionWriter(join(outDir, 'impressions.csv'));
  const writers = [users, items, interactions, impressions];
  try {
    let done = 0;
    for (const r of ds.records()) {
      const pending =
        r.kind === 'user'
          ? users.write(r.row)
          : r.kind === 'item'
            ? items.write(r.row)
            : r.kind === 'interaction'
              ? interactions.write(r.record)
              : impressions.write(r.record);
      if (pending) await pending;
      if ((++done & 0xffff) === 0) onProgress(done, total);
    }
    for (const w of writers) await w.close();
    await writeTruthFile(join(outDir, TRUTH_FILE), ds.truth()); // the oracle's truth; features never read it
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort().catch(() => undefined)));
    throw err;
  }
  onProgress(total, total);
  return s;
}
