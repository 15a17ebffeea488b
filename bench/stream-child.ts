// One stream run in a process of its own, for bench/stream.ts: `node stream-child.js DATA OUT [--keep N]` runs the
// file stream in-process (pipelines/stream.ts, the CLI's defaults) with an event-loop delay monitor, then prints one
// JSON line of figures (its peak RSS is this process's own).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { directoryBytes } from '../src/adapters/checkpoint/run-dir.js';
import { openFileSource } from '../src/adapters/source/file-source.js';
import { DEFAULT_STREAM_OPTIONS, runStream, type StreamSummary } from '../pipelines/stream.js';
import { peakRssBytes } from './util.js';

/** What the child reports. */
export interface ChildFigures {
  seconds: number;
  windows: number;
  snapshotSeconds: number[];
  foldSeconds: number;
  foldEvents: number;
  diskPerWindowBytes: number[];
  eventLoopDelayMaxMs: number;
  eventLoopDelayP99Ms: number;
  /** The longest stall of the event loop seen in each stage (ms). */
  stallsByStage: Record<string, number>;
  maxSliceMs: number;
  maxSliceByKind: Record<string, number>;
  peakRssBytes: number;
  state: StreamSummary['state'];
}

async function main(): Promise<void> {
  const [dataDir, outDir, ...rest] = process.argv.slice(2);
  if (!dataDir || !outDir) throw new Error('usage: stream-child DATA OUT [--keep N]');
  const keepAt = rest.indexOf('--keep');
  const keep = keepAt >= 0 ? Number(rest[keepAt + 1]) : null;
  const snapshotSeconds: number[] = [];
  const diskPerWindowBytes: number[] = [];
  let foldSeconds = 0;
  let foldEvents = 0;
  const ids: string[] = [];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // Which stage the loop was in when it stalled longest (a 10 ms ticker that notices late ticks).
  let phase = 'start';
  const stalls: Record<string, number> = {};
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    const late = now - last - 10;
    if (late > (stalls[phase] ?? 0)) stalls[phase] = late;
    last = now;
  }, 10);
  const summary = await runStream({
    outDir,
    options: DEFAULT_STREAM_OPTIONS,
    keep,
    source: {
      kind: 'file',
      describe: dataDir,
      dataDir,
      profilesDir: dataDir,
      open: ({ deadLetters, spillDir }) => openFileSource({ dataDir, deadLetters, spillDir }),
    },
    hooks: {
      onProgress: (p) => {
        phase = p.phase;
      },
      onWindow: (w) => {
        snapshotSeconds.push(w.stageSeconds.snapshot ?? NaN);
        foldSeconds += w.stageSeconds.fold ?? 0;
        foldEvents += w.metrics.events.interactions + w.metrics.events.impressionPairs;
        ids.push(w.metrics.window);
      },
    },
  });
  delay.disable();
  clearInterval(ticker);
  // Disk per window: its snapshot and model directories (pruned ones, with --keep, are gone) and one checkpoint.
  const checkpoint = (await directoryBytes(join(outDir, 'state'))) / 2;
  for (const id of ids) {
    const snapshot = await directoryBytes(join(outDir, 'snapshots', id));
    const model = await directoryBytes(join(outDir, 'models', id));
    if (snapshot + model > 0) diskPerWindowBytes.push(snapshot + model + checkpoint);
  }
  const figures: ChildFigures = {
    seconds: summary.seconds,
    windows: summary.windows,
    snapshotSeconds,
    foldSeconds,
    foldEvents,
    diskPerWindowBytes,
    eventLoopDelayMaxMs: delay.max / 1e6,
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    stallsByStage: Object.fromEntries(Object.entries(stalls).map(([k, v]) => [k, Math.round(v)])),
    maxSliceMs: summary.maxSliceMs,
    maxSliceByKind: Object.fromEntries(Object.entries(summary.maxSliceByKind).map(([k, v]) => [k, Math.round(v)])),
    peakRssBytes: await peakRssBytes(),
    state: summary.state,
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

await main();
