// A consumer of bench/kafka.ts in a process of its own, so that kafkajs unpatched and patched are measured alike (the
// patch goes into kafkajs's module cache when the adapter loads: one process cannot hold both). Not a bench by itself.
//   node dist/bench/kafka-consume-child.js MODE BROKERS PREFIX EXPECTED_JSON [DATA_DIR]
// MODE: `bare-unpatched` (kafkajs as installed), `bare` (kafkajs as the source uses it: patched, the source's fetch
// settings, eachBatch touching every value), `source` (the Kafka source pulled window by window, events handed out
// and dropped), `ingest` (the Kafka source through the stream's own stages: pullBatch, assignToWindow, foldWindow
// into the incremental state, weekly windows; the stream minus snapshots and training), `file-ingest` (the same
// stages on the file source reading DATA_DIR). Prints one JSON line: messages or events, seconds from the first
// message to the last (for the ingests: to the last window folded), CPU seconds.
import { randomBytes } from 'node:crypto';

interface Expected {
  /** Messages on both topics (deletes and every impression line included). */
  messages: number;
  /** Interactions of types 1-3 and impression pairs the source hands out. */
  interactions: number;
  pairs: number;
}

const [mode, brokerList, prefix, expectedJson] = process.argv.slice(2);
if (!mode || !brokerList || !prefix || !expectedJson) {
  process.stderr.write('usage: kafka-consume-child.js bare-unpatched|bare|source|ingest|file-ingest BROKERS PREFIX EXPECTED_JSON [DATA_DIR]\n');
  process.exit(2);
}
const brokers = brokerList.split(',');
const expected = JSON.parse(expectedJson) as Expected;
const topics = [`${prefix}.interactions`, `${prefix}.impressions`];
// The source's fetch settings (src/adapters/kafka/source.ts defaults), for the bare consumers too.
const FETCH = { maxBytesPerPartition: 1024 * 1024, maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1000 };

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

async function bare(patched: boolean): Promise<Record<string, unknown>> {
  let patchState: Record<string, boolean> = {};
  if (patched) {
    const patch = await import('../src/adapters/kafka/kafkajs-patch.js');
    patchState = { kafkajsRecordBatchDecoderPatched: patch.kafkajsRecordBatchDecoderPatched };
  }
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'dyadflow-bench', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${prefix}-bench-${mode}-${randomBytes(3).toString('hex')}`, ...FETCH });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let seen = 0;
  let bytes = 0;
  let t0 = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (!cpu0) {
            cpu0 = process.cpuUsage();
            t0 = performance.now();
          }
          // Touch every value, as any consumer must.
          for (const m of batch.messages) bytes += m.value?.length ?? 0;
          seen += batch.messages.length;
          if (seen >= expected.messages) resolve();
        },
      })
      .catch(reject);
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(cpu0!);
  await consumer.disconnect();
  return { messages: seen, valueBytes: bytes, seconds, cpuSeconds: cpu, ...patchState };
}

async function source(): Promise<Record<string, unknown>> {
  const { openKafkaSource, kafkajsRecordBatchDecoderPatched } = await import('../src/adapters/kafka/index.js');
  const { windowAt } = await import('../src/core/window/window.js');
  // DYADFLOW_BENCH_SOURCE_OPTIONS: JSON merged into the source's options (tuning experiments).
  const extra = JSON.parse(process.env.DYADFLOW_BENCH_SOURCE_OPTIONS ?? '{}') as Record<string, unknown>;
  const s = await openKafkaSource({ brokers, groupId: `${prefix}-bench-source-${randomBytes(3).toString('hex')}`, topicPrefix: prefix, ...extra });
  const weekS = 7 * 86400;
  let open: { startS: number; endS: number } | null = null;
  let interactions = 0;
  let pairs = 0;
  let batches = 0;
  let t0 = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  let maxPullMs = 0;
  // Time inside pull() after the first events (waiting included), and in pulls that returned nothing.
  let pullsMs = 0;
  let emptyPulls = 0;
  let emptyPullMs = 0;
  while (interactions < expected.interactions || pairs < expected.pairs) {
    const p0 = performance.now();
    const b = await s.pull({ beforeS: open ? open.endS : -Infinity, maxEvents: 65_536 });
    const n = b.interactions.length + b.impressions.length;
    const pullMs = performance.now() - p0;
    if (n > 0) {
      if (!cpu0) {
        cpu0 = process.cpuUsage();
        t0 = p0;
      } else maxPullMs = Math.max(maxPullMs, pullMs);
      batches++;
    } else if (cpu0) {
      emptyPulls++;
      emptyPullMs += pullMs;
    }
    if (cpu0) pullsMs += pullMs;
    interactions += b.interactions.length;
    pairs += b.impressions.length;
    if (Number.isFinite(b.watermarkS) && (!open || b.watermarkS >= open.endS)) open = windowAt(b.watermarkS, weekS);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(cpu0!);
  const messages = s.position().partitions.reduce((sum, p) => sum + p.offset, 0);
  await s.close();
  return { messages, interactions, pairs, batches, seconds, cpuSeconds: cpu, maxPullMs, pullsMs, emptyPulls, emptyPullMs, kafkajsRecordBatchDecoderPatched };
}

/**
 * The stream's ingest: its own stages on a source, each closed window folded into the state in slices (the event loop
 * turning between them, as in `run`), the open window folded when every expected event is in (as the end of input
 * would). Timed from the first event to the last window folded.
 */
async function ingest(kind: 'kafka' | 'file', dataDir: string | undefined): Promise<Record<string, unknown>> {
  const { StreamContext, DEFAULT_STREAM_OPTIONS, pullBatch, assignToWindow, foldWindow } = await import('../pipelines/stream-stages.js');
  const { ImplicitState } = await import('../src/core/matrix/implicit-state.js');
  const { FoldJob } = await import('../src/core/matrix/batch-fold.js');
  const { Rng } = await import('../src/core/random/rng.js');
  const { openKafkaSource, kafkajsRecordBatchDecoderPatched } = await import('../src/adapters/kafka/index.js');
  const { openFileSource } = await import('../src/adapters/source/index.js');
  const { createDeadLetterMemory } = await import('../src/adapters/recsys16/index.js');
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const spillDir = await mkdtemp(join(tmpdir(), 'dyadflow-bench-ingest-'));
  const src =
    kind === 'kafka'
      ? await openKafkaSource({ brokers, groupId: `${prefix}-bench-ingest-${randomBytes(3).toString('hex')}`, topicPrefix: prefix })
      : await openFileSource({ dataDir: dataDir!, deadLetters: createDeadLetterMemory(), spillDir });
  const ctx = new StreamContext(
    { outDir: spillDir, options: DEFAULT_STREAM_OPTIONS, keep: null, source: { kind, describe: 'bench', dataDir: null, profilesDir: null, open: async () => src } },
    ImplicitState.empty(),
    null,
    Rng.fromSeed(1),
  );
  ctx.source = src;
  let interactions = 0;
  let pairs = 0;
  let windows = 0;
  let t0 = 0;
  let cpu0: NodeJS.CpuUsage | undefined;
  let foldMs = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  for (;;) {
    const b = await pullBatch(ctx);
    if (!cpu0 && b.interactions.length + b.impressions.length > 0) {
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      loopDelay.enable();
    }
    interactions += b.interactions.length;
    pairs += b.impressions.length;
    const tick = await assignToWindow(ctx, b);
    const f0 = performance.now();
    if (tick.kind === 'closed') {
      await foldWindow(tick.window, ctx);
      windows++;
    }
    const all = interactions >= expected.interactions && pairs >= expected.pairs;
    if (all && ctx.windowEvents.size > 0) {
      await ctx.runSliced(new FoldJob(ctx.state, ctx.windowEvents.finish()), 'fold');
      windows++;
    }
    foldMs += performance.now() - f0;
    if (all || tick.kind === 'end' || (tick.kind === 'closed' && tick.window.last)) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(cpu0!);
  loopDelay.disable();
  const messages = kind === 'kafka' ? (src.position() as { partitions: { offset: number }[] }).partitions.reduce((sum, p) => sum + p.offset, 0) : expected.messages;
  await src.close();
  await rm(spillDir, { recursive: true, force: true });
  return {
    messages,
    interactions,
    pairs,
    windows,
    seconds,
    cpuSeconds: cpu,
    foldSeconds: foldMs / 1000,
    stateUsers: ctx.state.users.size,
    stateEntries: ctx.state.entryCount,
    statePairs: ctx.state.pairCount,
    maxSliceMs: ctx.maxSliceMs,
    maxEventLoopDelayMs: loopDelay.max / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(kind === 'kafka' ? { kafkajsRecordBatchDecoderPatched } : {}),
  };
}

const result =
  mode === 'source' ? await source() : mode === 'ingest' ? await ingest('kafka', undefined) : mode === 'file-ingest' ? await ingest('file', process.argv[6]) : await bare(mode === 'bare');
process.stdout.write(JSON.stringify({ mode, ...result }) + '\n');
