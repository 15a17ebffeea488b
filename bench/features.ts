// `npm run bench -- features [--preset daemon|recsys16] [--data DIR] [--skip-global] [--no-subsample] [--fold-only]`:
// from events to the implicit state (fold), and from the state to the 15 win/tie/loss statistics of every
// dyad in memory (K = 50), item and global neighbourhoods; the whole buildFeatureTable; peak RSS.
// Data: --data DIR (RecSys 2016 files), else the preset generated afresh (seed 1) into a temporary folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDeadLetterMemory, loadDataset } from '../src/adapters/recsys16/index.js';
import { DEFAULT_SUBSAMPLE, subsample } from '../src/core/dataset/subsample.js';
import type { Dataset } from '../src/core/events/tables.js';
import { buildFeatureTable, DEFAULT_FEATURE_OPTIONS, entriesByIds } from '../src/core/features/build-feature-table.js';
import { WTL_WIDTH } from '../src/core/features/feature-table.js';
import { computeFeatures } from '../src/core/features/wtl.js';
import { stateFromEvents } from '../src/core/matrix/implicit-state.js';
import { run } from '../src/cli/main.js';
import { peakRssBytes, report } from './util.js';

const BENCH = 'features';

async function obtainDataset(preset: string, dataDir: string | undefined, noSubsample: boolean): Promise<{ ds: Dataset; source: string }> {
  const how = noSubsample ? 'not subsampled' : 'subsampled 30/30';
  let dir = dataDir;
  let generated: string | null = null;
  if (!dir) {
    // Generated afresh each run (daemon takes seconds): a cache would outlive changes to the generator.
    generated = await mkdtemp(join(tmpdir(), `dyadflow-bench-features-${preset}-`));
    const quietIo = { stdout: () => {}, stderr: (s: string) => void process.stderr.write(s), isTTY: false };
    const code = await run(['generate', '--preset', preset, '--seed', '1', '--out', generated], quietIo);
    if (code !== 0) throw new Error(`generate --preset ${preset} failed with exit code ${code}`);
    dir = generated;
  }
  try {
    const raw = await loadDataset(dir, { deadLetters: createDeadLetterMemory(), warn: (m) => void process.stderr.write(`${m}\n`) });
    return { ds: noSubsample ? raw : subsample(raw, DEFAULT_SUBSAMPLE), source: dataDir ? `${dir}, ${how}` : `generated ${preset} seed 1, ${how}` };
  } finally {
    if (generated) await rm(generated, { recursive: true, force: true });
  }
}

/** Runs the benchmark. */
export default async function main(args: string[]): Promise<void> {
  const preset = args.includes('--preset') ? args[args.indexOf('--preset') + 1]! : 'daemon';
  const dataDir = args.includes('--data') ? args[args.indexOf('--data') + 1] : undefined;
  const skipGlobal = args.includes('--skip-global');
  const foldOnly = args.includes('--fold-only');
  const { ds, source } = await obtainDataset(preset, dataDir, args.includes('--no-subsample'));
  const extra = { preset, source, k: 50 };

  // CPU seconds beside wall seconds: the machine may be shared while measuring.
  const cpuS = (c0: NodeJS.CpuUsage): number => Math.round((process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e4) / 100;
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  const state = stateFromEvents(ds.interactions, ds.impressions);
  const foldMs = performance.now() - t0;
  const events = ds.interactions.length + ds.impressions.length;
  report(BENCH, 'fold all events into the state', foldMs / 1000, 's', {
    ...extra,
    cpuS: cpuS(c0),
    events,
    dyads: state.entryCount,
    users: state.users.size,
    items: state.items.size,
    userPairs: state.pairCount,
  });

  if (foldOnly) {
    report(BENCH, 'peak RSS', (await peakRssBytes()) / 2 ** 30, 'GiB', extra);
    return;
  }
  const rows = entriesByIds(state);
  const userIxs = new Int32Array(rows.length);
  const itemIxs = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    userIxs[i] = state.entryUserIx[rows[i]!]!;
    itemIxs[i] = state.entryItemIx[rows[i]!]!;
  }
  const out = new Float64Array(rows.length * WTL_WIDTH);
  for (const neighbourhood of skipGlobal ? (['item'] as const) : (['item', 'global'] as const)) {
    c0 = process.cpuUsage();
    t0 = performance.now();
    const counts = computeFeatures(state, userIxs, itemIxs, { ...DEFAULT_FEATURE_OPTIONS, neighbourhood }, out);
    const ms = performance.now() - t0;
    report(BENCH, `state to features in memory (${neighbourhood} neighbourhood, all dyads)`, ms / 1000, 's', {
      ...extra,
      cpuS: cpuS(c0),
      dyads: rows.length,
      dyadsPerS: Math.round(rows.length / (ms / 1000)),
      ...counts,
    });
  }

  c0 = process.cpuUsage();
  t0 = performance.now();
  const { report: fr } = buildFeatureTable(ds, DEFAULT_FEATURE_OPTIONS);
  const buildMs = performance.now() - t0;
  report(BENCH, 'buildFeatureTable (defaults: leakage none, time split, item, K 50)', buildMs / 1000, 's', { ...extra, cpuS: cpuS(c0), ...fr });
  report(BENCH, 'peak RSS', (await peakRssBytes()) / 2 ** 30, 'GiB', extra);
}
