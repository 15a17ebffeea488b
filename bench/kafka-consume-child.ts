// A consumer of bench/kafka.ts in a process of its own, so that kafkajs unpatched and patched are measured alike (the
// patch goes into kafkajs's module cache when the adapter loads: one process cannot hold both). Not a bench by itself.
//   node dist/bench/kafka-consume-child.js MODE BROKERS PREFIX EXPECTED_JSON
// MODE: `bare-unpatched` (kafkajs as installed), `bare` (kafkajs as the source uses it: patched, the source's fetch
// settings, eachBatch touching every value), `source` (the Kafka source pulled window by window, events handed out
// and dropped). Prints one JSON line: messages or events, seconds from the first message to the last, CPU seconds.
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
  process.stderr.write('usage: kafka-consume-child.js bare-unpatched|bare|source BROKERS PREFIX EXPECTED_JSON\n');
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

const result = mode === 'source' ? await source() : await bare(mode === 'bare');
process.stdout.write(JSON.stringify({ mode, ...result }) + '\n');
