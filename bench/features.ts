// `npm run bench -- features [--preset daemon|recsys16] [--data DIR] [--skip-global] [--no-subsample] [--fold-only]`:
// from events to the implicit state (fold), and from the state to the 15 win/tie/loss statistics of every
// dyad in memory (K = 50), item and global neighbourhoods; the whole buildFeatureTable; peak RSS.
// Data: --data DIR (RecSys 2016 files), else the generated preset cached under $TMPDIR, generated with
// `dyadflow generate` when that command exists; otherwise a Zipf-skewed stand-in of DAEMON's size (said so).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDeadLetterMemory, loadDataset } from '../src/adapters/recsys16/index.js';
import { DEFAULT_SUBSAMPLE, subsample } from '../src/core/dataset/subsample.js';
import { ImpressionTableBuilder, InteractionTableBuilder, type Dataset } from '../src/core/events/tables.js';
import { buildFeatureTable, DEFAULT_FEATURE_OPTIONS, entriesByIds } from '../src/core/features/build-feature-table.js';
import { WTL_WIDTH } from '../src/core/features/feature-table.js';
import { computeFeatures } from '../src/core/features/wtl.js';
import { stateFromEvents } from '../src/core/matrix/implicit-state.js';
import { Rng } from '../src/core/random/rng.js';
import { run } from '../src/cli/main.js';
import { peakRssBytes, report } from './util.js';

const BENCH = 'features';

/** A DAEMON-sized stand-in with Zipf-skewed item popularity (5,949 users, 25,184 items, ~270k interactions, ~690k impressions). */
function standInDaemon(seed: number): Dataset {
  const rng = Rng.fromSeed(seed);
  const users = 5949;
  const items = 25184;
  // Zipf(1) item popularity through a cumulative table.
  const cum = new Float64Array(items);
  let acc = 0;
  for (let i = 0; i < items; i++) cum[i] = acc += 1 / (i + 10);
  const drawItem = (): number => {
    const x = rng.nextFloat() * acc;
    let lo = 0;
    let hi = items - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const start = 1439769600;
  const inter = new InteractionTableBuilder(1 << 18);
  const impr = new ImpressionTableBuilder(1 << 20);
  for (let u = 0; u < users; u++) {
    const nClicks = 10 + rng.nextInt(65);
    for (let j = 0; j < nClicks; j++) {
      const o = drawItem();
      const t = start + rng.nextInt(12 * 7 * 86400);
      inter.push(u, o, 1, t);
      const r = rng.nextFloat();
      if (r < 0.03) inter.push(u, o, 2, t + 60);
      else if (r < 0.11) inter.push(u, o, 3, t + 120);
    }
    const nShown = 60 + rng.nextInt(110);
    for (let j = 0; j < nShown; j++) impr.push(u, drawItem(), 201534 + rng.nextInt(12));
  }
  return { interactions: inter.finish(), impressions: impr.finish(), users: null, items: null, droppedDeletes: 0, badRows: 0 };
}

async function obtainDataset(preset: string, dataDir: string | undefined, noSubsample: boolean): Promise<{ ds: Dataset; source: string }> {
  const quietIo = { stdout: () => {}, stderr: (s: string) => void process.stderr.write(s), isTTY: false };
  let dir = dataDir;
  if (!dir) {
    dir = join(tmpdir(), 'dyadflow-bench-data', `${preset}-seed1`);
    if (!existsSync(join(dir, 'interactions.csv'))) {
      await mkdir(dir, { recursive: true });
      const code = await run(['generate', '--preset', preset, '--seed', '1', '--out', dir], quietIo as never).catch(() => 2);
      if (code !== 0 || !existsSync(join(dir, 'interactions.csv'))) {
        if (preset !== 'daemon') throw new Error(`cannot generate preset ${preset} (no generate command yet)`);
        process.stderr.write('generate command unavailable: using a Zipf-skewed DAEMON-sized stand-in\n');
        return { ds: standInDaemon(1), source: 'stand-in (generator unavailable)' };
      }
    }
  }
  const raw = await loadDataset(dir, { deadLetters: createDeadLetterMemory(), warn: (m) => void process.stderr.write(`${m}\n`) });
  const how = noSubsample ? 'not subsampled' : 'subsampled 30/30';
  return { ds: noSubsample ? raw : subsample(raw, DEFAULT_SUBSAMPLE), source: dataDir ? `${dir}, ${how}` : `generated ${preset} seed 1, ${how}` };
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
