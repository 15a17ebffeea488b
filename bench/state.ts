// `npm run bench -- state [daemon|recsys16] [--data DIR] [--budget N] [--baseline DIST]`: the incremental
// state of the stream (issue 11), no subsampling, every event. Events are folded week by week (ISO weeks:
// each week's interactions, then its impressions, each as one batch fold run in slices of `--budget` work
// units): interaction events/s and impression (user, item) pairs/s into the state, the longest slice, the
// state's pairs and bytes per stored pair, peak RSS; the win/tie/loss features (K 50, defaults) of each
// week's dyads from the state before it (the stream's snapshot features), in slices, reported for the latest
// full week and the slowest; the checkpoint rebuild (entries only), as a resume does it: in a fresh child
// process from the checkpoint's arrays saved to a temporary folder, with its longest slice and peak RSS.
// Longest slices are given as wall time and as CPU time (on a shared machine the first includes preemption).
// `--baseline DIST` (e.g. /work/main/dist) also folds the same weeks with that build's foldEvents and
// computes the same features with its computeFeatures, for a figure beside ours (daemon only: main's fold of
// recsys16 outgrows the machine).
// Data: --data DIR (RecSys 2016 files), else the preset generated afresh (seed 1) into a temporary folder.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createDeadLetterMemory, loadDataset } from '../src/adapters/recsys16/index.js';
import { run } from '../src/cli/main.js';
import { ImpressionTableBuilder, InteractionTableBuilder, type Dataset, type ImpressionTable, type InteractionTable } from '../src/core/events/tables.js';
import { DEFAULT_FEATURE_OPTIONS } from '../src/core/features/build-feature-table.js';
import { WTL_WIDTH } from '../src/core/features/feature-table.js';
import { FeatureJob } from '../src/core/features/wtl.js';
import { FoldJob, ImplicitState, type ImplicitStateCheckpoint } from '../src/core/matrix/implicit-state.js';
import { isoYearWeek } from '../src/core/time/iso-week.js';
import { peakRssBytes, report } from './util.js';

const BENCH = 'state';

async function obtainDataset(preset: string, dataDir: string | undefined): Promise<{ ds: Dataset; source: string }> {
  let dir = dataDir;
  let generated: string | null = null;
  if (!dir) {
    generated = await mkdtemp(join(tmpdir(), `dyadflow-bench-state-${preset}-`));
    const quietIo = { stdout: () => {}, stderr: (s: string) => void process.stderr.write(s), isTTY: false };
    const code = await run(['generate', '--preset', preset, '--seed', '1', '--out', generated], quietIo);
    if (code !== 0) throw new Error(`generate --preset ${preset} failed with exit code ${code}`);
    dir = generated;
  }
  try {
    const ds = await loadDataset(dir, { deadLetters: createDeadLetterMemory(), warn: (m) => void process.stderr.write(`${m}\n`) });
    return { ds, source: dataDir ? `${dir}, not subsampled` : `generated ${preset} seed 1, not subsampled` };
  } finally {
    if (generated) await rm(generated, { recursive: true, force: true });
  }
}

interface Week {
  yearWeek: number;
  interactions: InteractionTable;
  impressions: ImpressionTable;
}

/** The events by ISO week of their event time (method.md §5a), weeks ascending. */
function byWeek(ds: Dataset): Week[] {
  const inter = new Map<number, InteractionTableBuilder>();
  const impr = new Map<number, ImpressionTableBuilder>();
  const it = ds.interactions;
  for (let i = 0; i < it.length; i++) {
    const w = isoYearWeek(it.createdAtS[i]!);
    let b = inter.get(w);
    if (!b) inter.set(w, (b = new InteractionTableBuilder()));
    b.push(it.userIds[i]!, it.itemIds[i]!, it.types[i]!, it.createdAtS[i]!);
  }
  const im = ds.impressions;
  for (let i = 0; i < im.length; i++) {
    const w = im.yearWeeks[i]!;
    let b = impr.get(w);
    if (!b) impr.set(w, (b = new ImpressionTableBuilder()));
    b.push(im.userIds[i]!, im.itemIds[i]!, w);
  }
  const weeks = [...new Set([...inter.keys(), ...impr.keys()])].sort((a, b) => a - b);
  return weeks.map((w) => ({
    yearWeek: w,
    interactions: (inter.get(w) ?? new InteractionTableBuilder(1)).finish(),
    impressions: (impr.get(w) ?? new ImpressionTableBuilder(1)).finish(),
  }));
}

/** The window's dyads (distinct user, item with an impression or an interaction of types 1–3), sorted by ids. */
function windowDyads(week: Week): { userIds: Int32Array; itemIds: Int32Array } {
  const keys: number[] = [];
  const it = week.interactions;
  // Ids are below 2^31 and the product below 2^53 for these presets: one exact numeric key per dyad.
  for (let i = 0; i < it.length; i++) if (it.types[i]! >= 1 && it.types[i]! <= 3) keys.push(it.userIds[i]! * 2 ** 22 + it.itemIds[i]!);
  const im = week.impressions;
  for (let i = 0; i < im.length; i++) keys.push(im.userIds[i]! * 2 ** 22 + im.itemIds[i]!);
  const sorted = Float64Array.from(keys).sort();
  const userIds: number[] = [];
  const itemIds: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    userIds.push(Math.floor(sorted[i]! / 2 ** 22));
    itemIds.push(sorted[i]! % 2 ** 22);
  }
  return { userIds: Int32Array.from(userIds), itemIds: Int32Array.from(itemIds) };
}

interface Sliced {
  ms: number;
  maxSliceMs: number;
  maxSliceCpuMs: number;
  maxSlicePhase: string;
  slices: number;
}

/** Runs a job in slices of `budget` units; total time, longest slice (wall and CPU) and the phase it began in. */
function sliced(job: { run(budget: number): boolean; phaseName?: string }, budget: number): Sliced {
  let maxSliceMs = 0;
  let maxSliceCpuMs = 0;
  let maxSlicePhase = '';
  let slices = 0;
  const t0 = performance.now();
  for (;;) {
    const phase = job.phaseName ?? '';
    const c0 = process.cpuUsage();
    const s0 = performance.now();
    const done = job.run(budget);
    const s = performance.now() - s0;
    const c = process.cpuUsage(c0);
    const cpuMs = (c.user + c.system) / 1000;
    slices++;
    if (s > maxSliceMs) maxSliceMs = s;
    if (cpuMs > maxSliceCpuMs) {
      maxSliceCpuMs = cpuMs;
      maxSlicePhase = phase;
    }
    if (done) break;
  }
  return { ms: performance.now() - t0, maxSliceMs, maxSliceCpuMs, maxSlicePhase, slices };
}

const CHECKPOINT_COLUMNS = ['userIds', 'itemIds', 'entryUserIxs', 'entryItemIxs', 'entryTypes', 'entryFirstSeenS'] as const;

/** Saves a checkpoint's arrays as raw files (the bench's own format: the checkpoint adapter is not ours). */
async function saveCheckpoint(cp: ImplicitStateCheckpoint, dir: string): Promise<void> {
  for (const name of CHECKPOINT_COLUMNS) {
    const a = cp[name];
    await writeFile(join(dir, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  await writeFile(join(dir, 'meta.json'), JSON.stringify({ tracksPairs: cp.tracksPairs }));
}

async function loadCheckpoint(dir: string): Promise<ImplicitStateCheckpoint> {
  const read = async <T>(name: string, make: (b: ArrayBuffer) => T): Promise<T> => {
    const b = await readFile(join(dir, name));
    return make(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  };
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { tracksPairs: boolean };
  return {
    tracksPairs: meta.tracksPairs,
    userIds: await read('userIds', (b) => new Int32Array(b)),
    itemIds: await read('itemIds', (b) => new Int32Array(b)),
    entryUserIxs: await read('entryUserIxs', (b) => new Int32Array(b)),
    entryItemIxs: await read('entryItemIxs', (b) => new Int32Array(b)),
    entryTypes: await read('entryTypes', (b) => new Uint8Array(b)),
    entryFirstSeenS: await read('entryFirstSeenS', (b) => new Float64Array(b)),
  };
}

const REBUILD_CHILD = '--rebuild-child';

/** The child of the rebuild figure: loads a saved checkpoint, rebuilds it in slices, reports. */
async function rebuildChild(args: string[]): Promise<void> {
  const at = args.indexOf(REBUILD_CHILD);
  const [dir, budget, pairs, extraJson] = [args[at + 1]!, Number(args[at + 2]), Number(args[at + 3]), args[at + 4]!];
  const extra = JSON.parse(extraJson) as Record<string, unknown>;
  const cp = await loadCheckpoint(dir);
  const c0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const job = ImplicitState.rebuildJob(cp);
  const r = sliced(job, budget);
  const cpu = process.cpuUsage(c0);
  if (job.state.pairCount !== pairs || job.state.entryCount !== cp.entryUserIxs.length) throw new Error('rebuild differs from the folded state');
  report(BENCH, 'checkpoint rebuild (entries only -> full state), fresh process', round(r.ms / 1000), 's', {
    ...extra,
    cpuS: round((cpu.user + cpu.system) / 1e6, 2),
    sysS: round(cpu.system / 1e6, 2),
    minorPageFaults: process.resourceUsage().minorPageFault - faults0,
    entries: cp.entryUserIxs.length,
    pairs,
    longestSliceMs: round(r.maxSliceMs, 1),
    longestSliceCpuMs: round(r.maxSliceCpuMs, 1),
    longestSlicePhase: r.maxSlicePhase,
  });
  report(BENCH, 'peak RSS of the resume (checkpoint arrays + rebuilt state)', round((await peakRssBytes()) / 2 ** 30, 3), 'GiB', extra);
}

const cpuS = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return Math.round((c.user + c.system) / 1e4) / 100;
};

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

interface WeekFeatures {
  yearWeek: number;
  dyads: number;
  ms: number;
  maxSliceMs: number;
  maxSliceCpuMs: number;
  cpuS: number;
}

/** Runs the benchmark. */
export default async function main(args: string[]): Promise<void> {
  if (args.includes(REBUILD_CHILD)) return rebuildChild(args);
  const preset = args.find((a) => a === 'daemon' || a === 'recsys16') ?? 'daemon';
  const dataDir = args.includes('--data') ? args[args.indexOf('--data') + 1] : undefined;
  const budget = args.includes('--budget') ? Number(args[args.indexOf('--budget') + 1]) : 4_000_000;
  const baseline = args.includes('--baseline') ? resolve(args[args.indexOf('--baseline') + 1]!) : undefined;
  const withFeatures = preset !== 'recsys16' || args.includes('--features');
  if (baseline && preset !== 'daemon') throw new Error('--baseline runs on daemon only');
  const obtained = await obtainDataset(preset, dataDir);
  const source = obtained.source;
  // Only the weekly tables are kept (the dataset is dropped, and they are too before the rebuild).
  let weeks = byWeek(obtained.ds);
  (obtained as { ds: Dataset | null }).ds = null;
  const extra = { preset, source, budget, weeks: weeks.length };
  const gc = (globalThis as { gc?: () => void }).gc;

  // The reference window: the latest full week (at least 80% of the largest week's dyads).
  const dyadsPerWeek = weeks.map((w) => windowDyads(w).userIds.length);
  const maxDyads = Math.max(...dyadsPerWeek);
  let refWeek = weeks.length - 1;
  while (refWeek > 1 && dyadsPerWeek[refWeek]! < 0.8 * maxDyads) refWeek--;

  let state = ImplicitState.empty();
  let interactionMs = 0;
  let impressionMs = 0;
  let interactionEvents = 0;
  let impressionPairs = 0;
  let maxSliceMs = 0;
  let maxSliceCpuMs = 0;
  let maxSlicePhase = '';
  let contributions = 0;
  let foldCpuS = 0;
  let interactionCpuS = 0;
  let impressionCpuS = 0;
  const featureWeeks: WeekFeatures[] = [];
  let ref: { out: Float64Array; userIds: Int32Array; itemIds: Int32Array } | null = null;
  for (let w = 0; w < weeks.length; w++) {
    const week = weeks[w]!;
    if (withFeatures && w > 0) {
      // A window's snapshot features come from the state of all weeks before it (method.md §5a).
      const { userIds, itemIds } = windowDyads(week);
      const userIxs = Int32Array.from(userIds, (id) => state.users.indexOf(id));
      const itemIxs = Int32Array.from(itemIds, (id) => state.items.indexOf(id));
      const out = new Float64Array(userIds.length * WTL_WIDTH);
      const fc0 = process.cpuUsage();
      const f = sliced(new FeatureJob(state, userIxs, itemIxs, DEFAULT_FEATURE_OPTIONS, out), budget);
      featureWeeks.push({ yearWeek: week.yearWeek, dyads: userIds.length, ms: f.ms, maxSliceMs: f.maxSliceMs, maxSliceCpuMs: f.maxSliceCpuMs, cpuS: cpuS(fc0) });
      if (w === refWeek) ref = { out, userIds, itemIds };
      process.stderr.write(`week ${week.yearWeek}: features of ${userIds.length} dyads ${round(f.ms / 1000)} s, longest slice ${round(f.maxSliceMs, 1)} ms\n`);
    }
    const c0 = process.cpuUsage();
    const fi = new FoldJob(state, { interactions: week.interactions });
    const a = sliced(fi, budget);
    interactionCpuS += cpuS(c0);
    const c1 = process.cpuUsage();
    const fp = new FoldJob(state, { impressions: week.impressions });
    const b = sliced(fp, budget);
    impressionCpuS += cpuS(c1);
    foldCpuS += cpuS(c0);
    interactionMs += a.ms;
    impressionMs += b.ms;
    interactionEvents += week.interactions.length;
    impressionPairs += week.impressions.length;
    contributions += fi.contributions + fp.contributions;
    maxSliceMs = Math.max(maxSliceMs, a.maxSliceMs, b.maxSliceMs);
    if (a.maxSliceCpuMs > maxSliceCpuMs) [maxSliceCpuMs, maxSlicePhase] = [a.maxSliceCpuMs, a.maxSlicePhase];
    if (b.maxSliceCpuMs > maxSliceCpuMs) [maxSliceCpuMs, maxSlicePhase] = [b.maxSliceCpuMs, b.maxSlicePhase];
    process.stderr.write(
      `week ${week.yearWeek}: ${week.interactions.length} interactions ${round(a.ms / 1000)} s, ${week.impressions.length} impression pairs ${round(b.ms / 1000)} s, pairs ${state.pairCount}\n`,
    );
  }
  const bytes = state.bytes();
  const pairs = state.pairCount;
  report(BENCH, 'interaction events folded per second', Math.round(interactionEvents / (interactionMs / 1000)), 'events/s', {
    ...extra,
    interactionEvents,
    seconds: round(interactionMs / 1000),
    cpuS: round(interactionCpuS, 2),
    perCpuSecond: Math.round(interactionEvents / interactionCpuS),
  });
  report(BENCH, 'impression (user, item) pairs folded per second', Math.round(impressionPairs / (impressionMs / 1000)), 'pairs/s', {
    ...extra,
    impressionPairs,
    seconds: round(impressionMs / 1000),
    cpuS: round(impressionCpuS, 2),
    perCpuSecond: Math.round(impressionPairs / impressionCpuS),
  });
  report(BENCH, 'fold of all weeks', round((interactionMs + impressionMs) / 1000), 's', {
    ...extra,
    cpuS: round(foldCpuS, 2),
    users: state.users.size,
    items: state.items.size,
    entries: state.entryCount,
    pairs,
    directedContributions: contributions,
  });
  report(BENCH, 'longest fold slice', round(maxSliceMs, 1), 'ms', { ...extra, cpuMs: round(maxSliceCpuMs, 1), phase: maxSlicePhase });
  report(BENCH, 'stored user pairs', pairs, 'pairs', { ...extra, overflowSlots: state.pairs.overflowCount });
  report(BENCH, 'bytes per stored user pair (all pair arrays incl. index, slack, holes)', round(bytes.pairs / pairs, 2), 'B', { ...extra, pairBytes: bytes.pairs });
  report(BENCH, 'state typed arrays', round(bytes.total / 2 ** 30, 3), 'GiB', { ...extra, ...bytes });
  report(BENCH, 'peak RSS after the fold', round((await peakRssBytes()) / 2 ** 30, 3), 'GiB', extra);
  if (featureWeeks.length > 0) {
    const opts = { k: 50, neighbourhood: 'item', similarity: 'weighted', leaveOneOut: true };
    const r = featureWeeks.find((f) => f.yearWeek === weeks[refWeek]!.yearWeek)!;
    report(BENCH, 'features of one weekly window from the state before it (latest full week)', round(r.ms / 1000), 's', {
      ...extra,
      ...opts,
      yearWeek: r.yearWeek,
      dyads: r.dyads,
      cpuS: r.cpuS,
      longestSliceMs: round(r.maxSliceMs, 1),
      longestSliceCpuMs: round(r.maxSliceCpuMs, 1),
    });
    const slowest = featureWeeks.reduce((x, y) => (y.ms > x.ms ? y : x));
    report(BENCH, 'features of the slowest weekly window', round(slowest.ms / 1000), 's', {
      ...extra,
      ...opts,
      yearWeek: slowest.yearWeek,
      dyads: slowest.dyads,
      cpuS: slowest.cpuS,
      longestSliceMs: round(Math.max(...featureWeeks.map((f) => f.maxSliceMs)), 1),
      longestSliceCpuMs: round(Math.max(...featureWeeks.map((f) => f.maxSliceCpuMs)), 1),
    });
  }

  // Checkpoint: entries only; the rest rebuilt in a fresh process, as on a resume.
  const cpDir = await mkdtemp(join(tmpdir(), 'dyadflow-bench-state-cp-'));
  let keepForBaseline: Week[] | null = null;
  try {
    await saveCheckpoint(state.toCheckpoint(), cpDir);
    // As on a resume, the rebuild runs in a process of its own; this one lets go of what it can first.
    state = ImplicitState.empty();
    keepForBaseline = baseline ? weeks : null;
    weeks = [];
    gc?.();
    report(BENCH, 'RSS of the bench process while the rebuild child runs', round(process.memoryUsage().rss / 2 ** 30, 3), 'GiB', extra);
    const runner = join(fileURLToPath(new URL('.', import.meta.url)), 'run.js');
    const child = spawnSync(process.execPath, ['--expose-gc', runner, 'state', REBUILD_CHILD, cpDir, String(budget), String(pairs), JSON.stringify(extra)], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (child.status !== 0) throw new Error(`rebuild child failed with status ${child.status}`);
  } finally {
    await rm(cpDir, { recursive: true, force: true });
  }

  if (baseline) await runBaseline(baseline, keepForBaseline!, refWeek, ref, extra);
}

/** The same fold and features with another build (e.g. main's dist), for a figure beside ours. */
async function runBaseline(
  dist: string,
  weeks: Week[],
  refWeek: number,
  ref: { out: Float64Array; userIds: Int32Array; itemIds: Int32Array } | null,
  extra: Record<string, unknown>,
): Promise<void> {
  type OldState = { users: { indexOf(id: number): number }; items: { indexOf(id: number): number }; pairCount: number };
  const matrix = (await import(pathToFileURL(join(dist, 'src/core/matrix/implicit-state.js')).href)) as {
    ImplicitState: { empty(): OldState };
    foldEvents(s: OldState, i: InteractionTable, p: ImpressionTable): OldState;
  };
  const wtl = (await import(pathToFileURL(join(dist, 'src/core/features/wtl.js')).href)) as {
    computeFeatures(s: OldState, u: Int32Array, o: Int32Array, opts: unknown, out: Float64Array): unknown;
  };
  const noInteractions = new InteractionTableBuilder(1).finish();
  const noImpressions = new ImpressionTableBuilder(1).finish();
  const state = matrix.ImplicitState.empty();
  let interactionMs = 0;
  let impressionMs = 0;
  let interactionCpuS = 0;
  let impressionCpuS = 0;
  let interactionEvents = 0;
  let impressionPairs = 0;
  for (let w = 0; w < weeks.length; w++) {
    const week = weeks[w]!;
    if (ref && w === refWeek) {
      const userIxs = Int32Array.from(ref.userIds, (id) => state.users.indexOf(id));
      const itemIxs = Int32Array.from(ref.itemIds, (id) => state.items.indexOf(id));
      const out = new Float64Array(ref.out.length);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      wtl.computeFeatures(state, userIxs, itemIxs, DEFAULT_FEATURE_OPTIONS, out);
      const ms = performance.now() - t0;
      const featureCpuS = cpuS(c0);
      let differ = 0;
      for (let j = 0; j < out.length; j++) if (!Object.is(out[j], ref.out[j])) differ++;
      report(BENCH, 'baseline: features of one weekly window (latest full week)', round(ms / 1000), 's', {
        ...extra,
        baseline: dist,
        yearWeek: week.yearWeek,
        dyads: ref.userIds.length,
        cpuS: featureCpuS,
        valuesDifferingFromOurs: differ,
      });
    }
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    matrix.foldEvents(state, week.interactions, noImpressions);
    interactionMs += performance.now() - t0;
    interactionCpuS += cpuS(c0);
    t0 = performance.now();
    c0 = process.cpuUsage();
    matrix.foldEvents(state, noInteractions, week.impressions);
    impressionMs += performance.now() - t0;
    impressionCpuS += cpuS(c0);
    interactionEvents += week.interactions.length;
    impressionPairs += week.impressions.length;
    process.stderr.write(`baseline week ${week.yearWeek}: ${round(interactionMs / 1000)} s, ${round(impressionMs / 1000)} s\n`);
  }
  report(BENCH, 'baseline: interaction events folded per second', Math.round(interactionEvents / (interactionMs / 1000)), 'events/s', {
    ...extra,
    baseline: dist,
    cpuS: round(interactionCpuS, 2),
    perCpuSecond: Math.round(interactionEvents / interactionCpuS),
  });
  report(BENCH, 'baseline: impression (user, item) pairs folded per second', Math.round(impressionPairs / (impressionMs / 1000)), 'pairs/s', {
    ...extra,
    baseline: dist,
    cpuS: round(impressionCpuS, 2),
    perCpuSecond: Math.round(impressionPairs / impressionCpuS),
  });
  report(BENCH, 'baseline: stored user pairs', state.pairCount, 'pairs', { ...extra, baseline: dist });
}
