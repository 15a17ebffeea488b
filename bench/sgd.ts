// `npm run bench -- sgd [--quick] [--no-reproduce]`: SGD triplet updates per second on one core (issue 5), MTL and the STL
// baselines, Float64 against Float32 parameters, on a synthetic DAEMON-sized feature table (5,949 users,
// 25,184 items, ~819k dyads) and, to separate compute from memory latency, on a small cache-resident one. Each configuration runs in its own child process so V8 compiles the kernel
// for one array type only (as in a real run, which uses one precision). Figures exclude the one-off
// preparation (triplet index, growth): the time between the first and the last epoch callback.
// The MTL configurations on the DAEMON-sized table run a second time with glibc asked to back large
// allocations with transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, needs THP "madvise" or
// "always"): a step reads two random packed rows of a ~100 MB array, and on this machine the TLB misses of
// those reads cost more than their cache misses (measured ~1,170 → ~1,000 ns per update, Float64).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createModel,
  createTrainer,
  fitScaler,
  modelKind,
  scoreBookmark,
  scoreClick,
  scoreEmbedding,
  scoreReply,
  syntheticFeatureTable,
  trainModel,
  type ModelKind,
  type Precision,
} from '../src/core/model/index.js';
import { WORK_CHUNK } from '../src/core/model/work.js';
import { Rng } from '../src/core/random/rng.js';
import { report } from './util.js';

/** Single-core peak measured on this machine class (issue 5), in FLOP/s. */
const PEAK_FLOPS = 5.6e9;

/**
 * Floating-point operations (multiplies, adds, subtracts) of one step of the kernel in
 * src/core/model/sgd.ts, counted from its loops; the contextual values are standardised once, when the
 * training set is packed, not per step.
 */
function flopsPerUpdate(kind: ModelKind, dim: number): number {
  const base = 31;
  switch (kind) {
    case 'mtl':
      // Per input: 17 in the dot/norm pass, 14 in the update pass; per embedding coordinate: 35 and 30;
      // about 60 for the six losses and their scalar gradients.
      return base * (17 + 14) + dim * (35 + 30) + 60;
    case 'mtl-bilinear':
      // The paper's step plus the three bilinear terms (forward, norms, updates).
      return base * (17 + 14) + dim * (35 + 30) + 60 + 24;
    case 'mtl-stacking':
      // The paper's step plus the second pass for the click scores (4 per input and I coordinate) and the
      // two stack weights.
      return base * (17 + 14 + 4) + dim * (35 + 30 + 4) + 60 + 16;
    case 'stl-click':
      return base * (5 + 4) + 10;
    case 'stl-bookmark':
    case 'stl-reply':
      return base * (6 + 5) + 20;
    case 'stl-embedding':
      return dim * (10 + 10) + 10;
  }
}

/** Table shapes: DAEMON-sized, and a small one whose working set stays in cache (compute alone). */
const SHAPES = {
  daemon: { users: 5949, items: 25184, rowsPerUser: 137.7 },
  small: { users: 500, items: 2000, rowsPerUser: 100 },
} as const;
type Shape = keyof typeof SHAPES;

/** Anonymous memory of this process backed by transparent huge pages, in MiB (Linux; 0 elsewhere). */
async function anonHugePagesMiB(): Promise<number> {
  try {
    const { readFile } = await import('node:fs/promises');
    const m = /AnonHugePages:\s+(\d+)\s+kB/.exec(await readFile('/proc/self/smaps_rollup', 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function child(kind: ModelKind, precision: Precision, shape: Shape, epochs: number): Promise<void> {
  const t0 = performance.now();
  const table = syntheticFeatureTable(SHAPES[shape], Rng.fromSeed(1));
  const tableMs = performance.now() - t0;
  // A short training call first, so the figure is that of a later call in a process, as in `reproduce`
  // (which trains 15 models): V8 specialises a closure to what it captures only while its source
  // position has made one closure, which the trainer's private copies keep true for every call.
  trainModel(createModel({ kind, precision, seed: 2 }, fitScaler(table)), table, { maxEpochs: 1, iterationsPerEpoch: 20_000, epsilon: 0 });
  const model = createModel({ kind, precision, seed: 1 }, fitScaler(table));
  const stamps: number[] = [];
  const cpuStamps: number[] = [];
  const t1 = performance.now();
  // At least ~200k updates per epoch so the timed part is long enough on the small table too.
  const iterationsPerEpoch = shape === 'small' ? 200_000 : 0;
  // The trainer grows the model and packs the training set in its first slices, then steps through the
  // epochs: the preparation is timed on its own, one chunk (≤ WORK_CHUNK ids or rows) per run(1) call; the
  // call that finishes it also takes one step.
  const trainer = createTrainer(model, table, {
    maxEpochs: epochs,
    iterationsPerEpoch,
    epsilon: 0,
    onEpoch: () => {
      stamps.push(performance.now());
      cpuStamps.push(process.cpuUsage().user / 1000);
    },
  });
  let longestChunkMs = 0;
  while (!trainer.prepared) {
    const t = performance.now();
    trainer.run(1);
    longestChunkMs = Math.max(longestChunkMs, performance.now() - t);
  }
  const prepMs = performance.now() - t1;
  trainer.run();
  const result = trainer.result();
  const updates = result.iterationsPerEpoch * (stamps.length - 1);
  const seconds = (stamps[stamps.length - 1]! - stamps[0]!) / 1000;
  const perSecond = updates / seconds;
  // The machine is shared: user CPU time of this process is the steadier denominator.
  const perCpuSecond = updates / ((cpuStamps[cpuStamps.length - 1]! - cpuStamps[0]!) / 1000);
  const flops = flopsPerUpdate(kind, model.options.dim);
  const hugePages = (process.env.GLIBC_TUNABLES ?? '').includes('glibc.malloc.hugetlb=1');
  report('sgd', `${kind} triplet updates/s (${precision}, ${shape}${hugePages ? ', huge pages' : ''})`, Math.round(perSecond), 'updates/s', {
    kind,
    precision,
    table: shape,
    hugePages,
    anonHugePagesMiB: await anonHugePagesMiB(),
    epochSeconds: +(seconds / (stamps.length - 1)).toFixed(3),
    perCpuSecond: Math.round(perCpuSecond),
    rows: table.length,
    iterationsPerEpoch: result.iterationsPerEpoch,
    timedEpochs: stamps.length - 1,
    flopsPerUpdate: flops,
    gflops: +((perSecond * flops) / 1e9).toFixed(3),
    shareOfPeak: +((perSecond * flops) / PEAK_FLOPS).toFixed(3),
    shareOfPeakCpuTime: +((perCpuSecond * flops) / PEAK_FLOPS).toFixed(3),
    peakFlops: PEAK_FLOPS,
    lastEpochLoss: result.epochs[result.epochs.length - 1]!.total,
    earlierTrainingCalls: 1,
    tableBuildMs: Math.round(tableMs),
    prepareMs: Math.round(prepMs),
    prepareChunkUnits: WORK_CHUNK,
    prepareLongestChunkMs: +longestChunkMs.toFixed(1),
  });
  if (shape === 'daemon' && precision === 'float64' && !hugePages) {
    // Scoring every row of the table, per task the kind reports (the stream scores a window's dyads before
    // training; a window of the daemon preset is ~290k dyads): one call, and its cost per 100k rows.
    const scorers = { click: scoreClick, bookmark: scoreBookmark, reply: scoreReply, embedding: scoreEmbedding };
    for (const task of modelKind(kind).reports) {
      const t2 = performance.now();
      scorers[task](model, table);
      const ms = performance.now() - t2;
      report('sgd', `${kind} scoring ms per 100k rows (${task})`, +((ms * 1e5) / table.length).toFixed(1), 'ms', { kind, task, rows: table.length, callMs: Math.round(ms) });
    }
  }
}

/** Runs every configuration in its own process, or one configuration when called with --child. */
export default async function sgd(args: string[]): Promise<void> {
  const epochs = args.includes('--quick') ? 3 : 5;
  const c = args.indexOf('--child');
  if (c >= 0) {
    await child(args[c + 1] as ModelKind, args[c + 2] as Precision, args[c + 3] as Shape, epochs);
    return;
  }
  const runJs = fileURLToPath(new URL('./run.js', import.meta.url));
  const configs: [ModelKind, Precision, Shape, boolean][] = [
    ['mtl', 'float64', 'daemon', false],
    ['mtl', 'float32', 'daemon', false],
    ['mtl', 'float64', 'daemon', true],
    ['mtl', 'float32', 'daemon', true],
    ['mtl', 'float64', 'small', false],
    ['mtl-bilinear', 'float64', 'daemon', false],
    ['mtl-stacking', 'float64', 'daemon', false],
    ['mtl', 'float32', 'small', false],
    ['stl-click', 'float64', 'daemon', false],
    ['stl-bookmark', 'float64', 'daemon', false],
    ['stl-reply', 'float64', 'daemon', false],
    ['stl-embedding', 'float64', 'daemon', false],
    ['stl-embedding', 'float32', 'daemon', false],
  ];
  for (const [kind, precision, shape, hugePages] of configs) {
    const argv = [runJs, 'sgd', ...args.filter((a) => a === '--quick'), '--child', kind, precision, shape];
    const env = { ...process.env };
    // Read by glibc at process start only, hence per child; without it the child runs with 4 KiB pages.
    if (hugePages) env.GLIBC_TUNABLES = [env.GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1'].filter(Boolean).join(':');
    else if (env.GLIBC_TUNABLES) env.GLIBC_TUNABLES = env.GLIBC_TUNABLES.replace(/(^|:)glibc\.malloc\.hugetlb=\d/g, '');
    execFileSync(process.execPath, argv, { stdio: ['ignore', 'inherit', 'ignore'], env });
  }
  if (!args.includes('--no-reproduce')) reproduceDaemon();
}

/**
 * Issue 5's second figure: `dyadflow reproduce` on the daemon preset end to end, run as a user runs it (the
 * CLI executable, so with its huge-page tunable), on a generated dataset cached under $TMPDIR.
 */
function reproduceDaemon(): void {
  const bin = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));
  // Generated afresh (seconds), not cached: a cache would outlive changes to the generator.
  const data = mkdtempSync(join(tmpdir(), 'dyadflow-bench-reproduce-'));
  let out: Buffer;
  let seconds: number;
  try {
    execFileSync(bin, ['generate', '--preset', 'daemon', '--seed', '1', '--out', data], { stdio: ['ignore', 'ignore', 'inherit'] });
    const t0 = performance.now();
    out = execFileSync(bin, ['reproduce', '--data', data, '--json'], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
    seconds = (performance.now() - t0) / 1000;
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
  const doc = JSON.parse(out.toString()) as { timings: Record<string, number>; rows: Record<string, number> };
  report('sgd', 'reproduce daemon end to end', +seconds.toFixed(1), 's', { timingsMs: doc.timings, rows: doc.rows, target: '≤ 180 s' });
}
