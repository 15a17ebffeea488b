// `npm run bench -- source [--preset daemon|tiny|recsys16] [--data DIR] [--spill-bytes N]`: the file source replaying a
// RecSys 2016 folder the way the stream pulls it (weekly windows, batches of 65,536 events): events per second from
// opening to the end (the order check and any sort included) and peak RSS, on the files as generated (in event-time
// order, read in place) and on a shuffled copy (sorted in memory with the default budget, and with a budget of
// --spill-bytes, default 16 MiB, so that runs spill to disk and are merged). Each measurement runs in a fresh child
// process, so its peak RSS is the source's alone; the longest event-loop delay is reported beside it. Data: --data DIR,
// else the preset generated afresh (seed 1).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createDeadLetterMemory } from '../src/adapters/recsys16/index.js';
import { DEFAULT_SORT_MEMORY_BYTES, openFileSource, type FileSourceNotice } from '../src/adapters/source/index.js';
import { Rng } from '../src/core/random/rng.js';
import { windowAt } from '../src/core/window/window.js';
import { run } from '../src/cli/main.js';
import { peakRssBytes, report } from './util.js';

const BENCH = 'source';
const WEEK_S = 7 * 86400;
const MAX_EVENTS = 65536;

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Pulls the whole folder window by window, as the stream does, in this process; prints the figures. */
async function measure(mode: string, dataDir: string, memoryBytes: number, label: string): Promise<void> {
  const spillDir = await mkdtemp(join(tmpdir(), 'dyadflow-bench-source-spill-'));
  const notices: FileSourceNotice[] = [];
  const c0 = process.cpuUsage();
  // The longest the event loop was blocked (the stream must answer signals within a second or two).
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const t0 = performance.now();
  try {
    const source = await openFileSource({
      dataDir,
      deadLetters: createDeadLetterMemory(),
      spillDir,
      sortMemoryBytes: memoryBytes,
      onNotice: (n) => notices.push(n),
    });
    const openS = (performance.now() - t0) / 1000;
    let interactions = 0;
    let pairs = 0;
    let pulls = 0;
    let windows = 0;
    let endS = -Infinity;
    for (;;) {
      const b = await source.pull({ beforeS: endS, maxEvents: MAX_EVENTS });
      pulls++;
      interactions += b.interactions.length;
      pairs += b.impressions.length;
      if (b.ended) break;
      // The open window closes when the watermark reaches its end; the next one holds the next event.
      if (b.watermarkS >= endS) {
        endS = windowAt(b.watermarkS, WEEK_S).endS;
        windows++;
      }
    }
    await source.close();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    loopDelay.disable();
    const events = interactions + pairs;
    const extra = {
      mode,
      data: label,
      interactions,
      impressionPairs: pairs,
      windows,
      pulls,
      seconds: Math.round(seconds * 1000) / 1000,
      openSeconds: Math.round(openS * 1000) / 1000,
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e3) / 1e3,
      sortMemoryBytes: memoryBytes,
      sorted: notices.map((n) => ({ file: n.file.slice(dataDir.length + 1), outOfOrderRows: n.outOfOrderRows, spilledRuns: n.spilledRuns, spillBytes: n.spillBytes })),
    };
    report(BENCH, `${mode}: events per second`, Math.round(events / seconds), 'events/s', extra);
    report(BENCH, `${mode}: peak RSS`, await peakRssBytes(), 'bytes', { mode, data: label });
    report(BENCH, `${mode}: max event-loop delay`, Math.round(loopDelay.max / 1e5) / 10, 'ms', { mode, data: label });
  } finally {
    await rm(spillDir, { recursive: true, force: true });
  }
}

/** A copy of a file with its data lines in a seeded random order (the header first). */
function shuffledCopy(from: string, to: string, seed: number): void {
  const text = readFileSync(from, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = lines.shift()!;
  const rng = Rng.fromSeed(seed);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = lines[i]!;
    lines[i] = lines[j]!;
    lines[j] = t;
  }
  writeFileSync(to, header + '\n' + lines.join('\n') + '\n');
}

/** Runs the benchmark. */
export default async function main(args: string[]): Promise<void> {
  if (args[0] === '--measure') {
    await measure(args[1]!, args[2]!, Number(args[3]), args[4]!);
    return;
  }
  const preset = argValue(args, '--preset') ?? 'daemon';
  const dataDir = argValue(args, '--data');
  const spillBytes = Number(argValue(args, '--spill-bytes') ?? 16 * 1024 * 1024);
  const work = await mkdtemp(join(tmpdir(), `dyadflow-bench-source-${preset}-`));
  try {
    let dir = dataDir;
    if (dir === undefined) {
      // Generated afresh each run: a cache would outlive changes to the generator.
      dir = join(work, 'data');
      const quietIo = { stdout: () => {}, stderr: (s: string) => void process.stderr.write(s), isTTY: false };
      const code = await run(['generate', '--preset', preset, '--seed', '1', '--out', dir], quietIo);
      if (code !== 0) throw new Error(`generate --preset ${preset} failed with exit code ${code}`);
    }
    const label = dataDir ?? `generated ${preset} seed 1`;
    const shuffled = join(work, 'shuffled');
    mkdirSync(shuffled);
    shuffledCopy(join(dir, 'interactions.csv'), join(shuffled, 'interactions.csv'), 1);
    shuffledCopy(join(dir, 'impressions.csv'), join(shuffled, 'impressions.csv'), 2);
    for (const [mode, folder, bytes, what] of [
      ['in order, read in place', dir, DEFAULT_SORT_MEMORY_BYTES, label],
      ['shuffled, sorted in memory', shuffled, DEFAULT_SORT_MEMORY_BYTES, `${label}, lines shuffled`],
      ['shuffled, sorted with spill', shuffled, spillBytes, `${label}, lines shuffled`],
    ] as const) {
      const child = spawnSync(process.execPath, [process.argv[1]!, 'source', '--measure', mode, folder, String(bytes), what], { stdio: 'inherit' });
      if (child.status !== 0) throw new Error(`measuring "${mode}" failed with exit code ${child.status}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
