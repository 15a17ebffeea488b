// `npm run bench -- stream [daemon] [memory] [recsys16]` (issue 11 "Must show"): the stream end to end, each case in a
// child process of its own (bench/stream-child.ts) so that its peak RSS is its own. One JSON line per figure.
//   daemon   — `daemon` preset, no subsampling: end-to-end seconds, per-window snapshot seconds (features + Parquet +
//              Arrow), the fold's ingest rate, the longest event-loop delay, disk use per window, peak RSS.
//   memory   — `daemon` replayed 4× (each copy shifted 12 weeks later) against 1×: peak RSS(4×) ≤ peak RSS(1×) + the
//              state's own growth + 10%.
//   recsys16 — the full `recsys16` preset streamed (no subsampling): seconds, peak RSS, user pairs, bytes per pair.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset, createDeadLetterMemory, createImpressionWriter, createInteractionWriter } from '../src/adapters/recsys16/index.js';
import type { InteractionRecord } from '../src/core/events/records.js';
import { isoWeekStartS, isoYearWeek } from '../src/core/time/iso-week.js';
import { report } from './util.js';
import type { ChildFigures } from './stream-child.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', 'src', 'cli', 'bin.js');

/** Generates a preset into dir (cached in the run's temp folder). */
function generate(preset: string, seed: number, dir: string): void {
  if (existsSync(join(dir, 'interactions.csv'))) return;
  execFileSync(process.execPath, [cli, 'generate', '--preset', preset, '--seed', String(seed), '--out', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Runs the stream over `dataDir` in a child process (with the CLI's huge-page tunable) and returns its figures. */
async function streamChild(dataDir: string, outDir: string, extra: string[] = []): Promise<ChildFigures> {
  const child = spawn(process.execPath, ['--expose-gc', join(here, 'stream-child.js'), dataDir, outDir, ...extra], {
    env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1)));
  if (code !== 0) throw new Error(`stream child exited ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as ChildFigures;
}

/** `daemon` copied `copies` times, copy k shifted 12·k weeks later, in event-time order. */
async function replayed(src: string, dst: string, copies: number): Promise<void> {
  if (existsSync(join(dst, 'interactions.csv'))) return;
  await mkdir(dst, { recursive: true });
  const ds = await loadDataset(src, { deadLetters: createDeadLetterMemory(), warn: () => {} });
  const weekS = 7 * 86400;
  const inter = createInteractionWriter(join(dst, 'interactions.csv'));
  const impr = createImpressionWriter(join(dst, 'impressions.csv'));
  for (let k = 0; k < copies; k++) {
    const shiftS = 12 * k * weekS;
    const it = ds.interactions;
    for (let i = 0; i < it.length; i++) await inter.write({ user_id: it.userIds[i]!, item_id: it.itemIds[i]!, interaction_type: it.types[i]! as InteractionRecord['interaction_type'], created_at: it.createdAtS[i]! + shiftS });
    // Impression triples back to lines: consecutive triples of one (user, week) form one line.
    const im = ds.impressions;
    for (let i = 0; i < im.length; ) {
      const user = im.userIds[i]!;
      const yw = im.yearWeeks[i]!;
      const items: number[] = [];
      while (i < im.length && im.userIds[i] === user && im.yearWeeks[i] === yw) items.push(im.itemIds[i++]!);
      const shifted = isoYearWeek(isoWeekStartS(Math.floor(yw / 100), yw % 100) + shiftS);
      await impr.write({ user_id: user, year: Math.floor(shifted / 100), week: shifted % 100, items });
    }
  }
  await inter.close();
  await impr.close();
  for (const f of ['users.csv', 'items.csv']) execFileSync('cp', [join(src, f), join(dst, f)]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}

/** Runs the named cases. */
export default async function main(args: string[]): Promise<void> {
  const cases = args.filter((a) => !a.startsWith('--'));
  const which = cases.length > 0 ? cases : ['daemon', 'memory'];
  const root = await mkdtemp(join(tmpdir(), 'dyadflow-bench-stream-'));
  try {
    const daemon = join(root, 'daemon');
    if (which.includes('daemon') || which.includes('memory')) generate('daemon', 1, daemon);
    if (which.includes('daemon')) {
      const f = await streamChild(daemon, join(root, 'out-daemon'));
      const extra = { preset: 'daemon', windows: f.windows };
      report('stream', 'stream.daemon.seconds', f.seconds, 's', { ...extra, goal: '<= 60' });
      report('stream', 'stream.daemon.snapshotSeconds.max', Math.max(...f.snapshotSeconds), 's', { ...extra, median: median(f.snapshotSeconds), perWindow: f.snapshotSeconds, goal: '<= 2 per weekly window' });
      report('stream', 'stream.daemon.fold.eventsPerS', f.foldEvents / f.foldSeconds, 'events/s', { ...extra, events: f.foldEvents, seconds: f.foldSeconds, note: 'interactions and impression pairs folded in the fold stage (whole windows, batch fold)' });
      report('stream', 'stream.daemon.eventLoopDelay.max', f.eventLoopDelayMaxMs, 'ms', { ...extra, p99: f.eventLoopDelayP99Ms, longestSlice: f.maxSliceMs, slicesByKind: f.maxSliceByKind, stallsByStage: f.stallsByStage, goal: 'no synchronous slice over ~250 ms' });
      report('stream', 'stream.daemon.peakRss', f.peakRssBytes, 'bytes', extra);
      report('stream', 'stream.daemon.diskPerWindow', median(f.diskPerWindowBytes), 'bytes', { ...extra, perWindow: f.diskPerWindowBytes, note: 'snapshot (Parquet, Arrow, manifest) + model + the checkpoint taken after it' });
      report('stream', 'stream.daemon.stateBytesPerPair', f.state.bytes.pairs / Math.max(1, f.state.pairs), 'bytes', { ...extra, pairs: f.state.pairs, stateBytes: f.state.bytes });
    }
    if (which.includes('memory')) {
      const four = join(root, 'daemon-x4');
      await replayed(daemon, four, 4);
      const one = await streamChild(daemon, join(root, 'out-x1'));
      const x4 = await streamChild(four, join(root, 'out-x4'));
      const growth = x4.state.bytes.total - one.state.bytes.total;
      const bound = one.peakRssBytes + growth + 0.1 * one.peakRssBytes;
      report('stream', 'stream.memory.peakRss.x1', one.peakRssBytes, 'bytes', { windows: one.windows });
      report('stream', 'stream.memory.peakRss.x4', x4.peakRssBytes, 'bytes', {
        windows: x4.windows,
        stateGrowthBytes: growth,
        bound,
        withinBound: x4.peakRssBytes <= bound,
        goal: 'peak RSS(4×) <= peak RSS(1×) + state growth + 10%',
      });
      report('stream', 'stream.memory.stateGrowth', growth, 'bytes', { x1: one.state.bytes.total, x4: x4.state.bytes.total });
    }
    if (which.includes('recsys16')) {
      const r = join(root, 'recsys16');
      generate('recsys16', 1, r);
      const f = await streamChild(r, join(root, 'out-recsys16'), ['--keep', '2']);
      const extra = { preset: 'recsys16', windows: f.windows, pairs: f.state.pairs, users: f.state.users, items: f.state.items, entries: f.state.entries };
      report('stream', 'stream.recsys16.seconds', f.seconds, 's', extra);
      report('stream', 'stream.recsys16.fold.eventsPerS', f.foldEvents / f.foldSeconds, 'events/s', { ...extra, events: f.foldEvents, seconds: f.foldSeconds });
      report('stream', 'stream.recsys16.peakRss', f.peakRssBytes, 'bytes', { ...extra, goal: '<= 8 GB' });
      report('stream', 'stream.recsys16.bytesPerPair', f.state.bytes.pairs / Math.max(1, f.state.pairs), 'bytes', { ...extra, goal: '<= 24', stateBytes: f.state.bytes });
      report('stream', 'stream.recsys16.snapshotSeconds.max', Math.max(...f.snapshotSeconds), 's', { ...extra, median: median(f.snapshotSeconds) });
      report('stream', 'stream.recsys16.eventLoopDelay.max', f.eventLoopDelayMaxMs, 'ms', { ...extra, longestSlice: f.maxSliceMs, slicesByKind: f.maxSliceByKind, stallsByStage: f.stallsByStage });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
