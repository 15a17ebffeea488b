// `npm run bench -- kafka [--messages N] [--brokers LIST]`: Kafka throughput with interaction messages on the
// broker at DYADFLOW_TEST_BROKERS / --brokers (default localhost:9092; `npm run kafka:start`).
//   kafka.produce.messagesPerS          the adapter's producer: pre-serialised batches of 10k (--batch N), acks -1, no
//                                       compression, 2 sends in flight (--in-flight N)
//   kafka.produceCommand.messagesPerS   `dyadflow produce`'s pipeline from interactions.csv (read, validate, encode, send;
//                                       --command-batch N messages per send)
// Each figure also gives this process's CPU seconds (the broker's are not counted): on a shared machine they move
// less than wall time.
//   kafka.consume.messagesPerS          a bare kafkajs consumer (eachBatch) draining the same topic
// Then the consumer side on the daemon preset (generated afresh, seed 1, `produce`d into 3 partitions per topic), each
// consumer in a process of its own (kafka-consume-child.ts), timed from its first message to its last (--repeat N):
//   kafka.daemon.bareUnpatched.messagesPerS  kafkajs as installed, eachBatch touching every value
//   kafka.daemon.bare.messagesPerS           the same with kafkajs as the source uses it (patched record batch decoder)
//   kafka.daemon.source.messagesPerS         the Kafka source pulled window by window (1w), events handed out and dropped
//   kafka.daemon.source.interactionsPerS     interaction events (types 1-3) handed out per second, same run
//   kafka.daemon.source.ratioToBare          source messages/s ÷ the patched bare consumer's (goal ≥ 0.8)
//   kafka.daemon.ingest.interactionsPerS     end to end into the state: the Kafka source through the stream's own stages
//                                            (pullBatch, assignToWindow, foldWindow; weekly windows, folds sliced as in
//                                            `run`), interaction events (types 1-3) per second of the whole ingest, both
//                                            topics folded in that time (goal ≥ 300k: the file source's); pairs/s beside
//   kafka.daemon.ingest.messagesPerS         the same run's messages (both topics) per second
//   kafka.daemon.ingest.ratioToBare          ingest messages/s ÷ the patched bare consumer's (goal ≥ 0.8)
//   kafka.daemon.fileIngest.interactionsPerS the same stages and fold on the file source (the same files), for reference
// The broker runs on the same machine (and cores) as the consumer. --daemon-only skips the producer figures;
// --node-flags "FLAGS" starts every consumer process with those Node flags (e.g. --max-semi-space-size=64).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
// The adapter before kafkajs: it patches kafkajs's producer on load (src/adapters/kafka/kafkajs-patch.ts).
import { connectProducer, encodeInteraction, ensureTopics, kafkajsGroupingPatched, kafkajsProduceRequestPatched, parseBrokers, type OutgoingMessage } from '../src/adapters/kafka/index.js';
import { Kafka, logLevel } from 'kafkajs';
import { produceDataset } from '../pipelines/produce.js';
import { run } from '../src/cli/main.js';
import { report } from './util.js';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Deterministic interaction messages: `users` users, times increasing from 2016-08-15. */
function interactionMessages(n: number, users: number): OutgoingMessage[] {
  const out: OutgoingMessage[] = new Array<OutgoingMessage>(n);
  let x = 2463534242;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const enc = encodeInteraction({ user_id: 1000 + (x % users), item_id: 50_000 + ((x >>> 8) % 25_000), interaction_type: 1 + (x % 3), created_at: 1471219200 + Math.floor(i / 10) });
    if (!enc.ok) throw new Error(enc.reason);
    out[i] = enc.message;
  }
  return out;
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

async function drain(brokers: string[], topic: string, expected: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'dyadflow-bench', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${topic}-bench`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) bytes += m.value?.length ?? 0;
          seen += batch.messages.length;
          if (seen >= expected) resolve();
        },
      })
      .catch(reject);
  });
  const ms = performance.now() - t0;
  const cpuS = cpuSeconds(cpu0);
  await consumer.disconnect();
  report('kafka', 'kafka.consume.messagesPerS', Math.round((seen * 1000) / ms), 'messages/s', { messages: seen, valueBytes: bytes, seconds: ms / 1000, cpuSeconds: cpuS, consumer: 'kafkajs eachBatch, default fetch sizes' });
  return seen;
}

/** Runs the Kafka benchmarks. */
export default async function kafkaBench(args: string[]): Promise<void> {
  const brokers = parseBrokers(arg(args, '--brokers') ?? process.env.DYADFLOW_TEST_BROKERS ?? 'localhost:9092');
  if (!args.includes('--daemon-only')) await producerFigures(brokers, args);
  const nodeFlags = (arg(args, '--node-flags') ?? '').split(' ').filter((f) => f.length > 0);
  await daemonConsumers(brokers, Number(arg(args, '--repeat') ?? 1), nodeFlags);
}

/** The producer figures and a bare consumer of the same interaction messages (see the file's header). */
async function producerFigures(brokers: string[], args: string[]): Promise<void> {
  const n = Number(arg(args, '--messages') ?? 500_000);
  const batch = Number(arg(args, '--batch') ?? 10_000);
  const commandBatch = arg(args, '--command-batch');
  const topic = `bench-kafka-${randomBytes(4).toString('hex')}`;
  await ensureTopics(brokers, [topic], { partitions: 3 });

  // 1. The adapter's producer with pre-serialised messages.
  const messages = interactionMessages(n, 5949);
  const inFlight = Number(arg(args, '--in-flight') ?? 2);
  const producer = await connectProducer(brokers, { maxInFlight: inFlight });
  await producer.send([{ topic, messages: messages.slice(0, 1000) }]); // warm-up: connections, metadata
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) await producer.send([{ topic, messages: messages.slice(i, i + batch) }]);
  await producer.flush();
  const produceMs = performance.now() - t0;
  const produceCpuS = cpuSeconds(cpu0);
  await producer.close();
  report('kafka', 'kafka.produce.messagesPerS', Math.round((n * 1000) / produceMs), 'messages/s', {
    messages: n,
    batchMessages: batch,
    inFlight,
    seconds: produceMs / 1000,
    cpuSeconds: produceCpuS,
    acks: -1,
    compression: 'none',
    kafkajsGroupingPatched,
    kafkajsProduceRequestPatched,
    partitions: 3,
  });

  // 2. A bare consumer draining the same topic (the warm-up messages included).
  await drain(brokers, topic, n + 1000);

  // 3. `dyadflow produce`'s pipeline from a file of the same interactions.
  const dir = mkdtempSync(join(tmpdir(), 'dyadflow-bench-kafka-'));
  try {
    const rows = messages.map((m) => {
      const r = JSON.parse(m.value) as { user_id: number; item_id: number; interaction_type: number; created_at: number };
      return `${r.user_id}\t${r.item_id}\t${r.interaction_type}\t${r.created_at}`;
    });
    writeFileSync(join(dir, 'interactions.csv'), 'user_id\titem_id\tinteraction_type\tcreated_at\n' + rows.join('\n') + '\n');
    writeFileSync(join(dir, 'impressions.csv'), 'user_id\tyear\tweek\titems\n');
    const prefix = `${topic}-cmd`;
    const cpu1 = process.cpuUsage();
    const s = await produceDataset({
      dataDir: dir,
      brokers,
      topicPrefix: prefix,
      partitions: 3,
      ...(commandBatch ? { maxBatchMessages: Number(commandBatch), maxBatchBytes: Number(commandBatch) * 100 } : {}),
    });
    const commandCpuS = cpuSeconds(cpu1);
    report('kafka', 'kafka.produceCommand.messagesPerS', Math.round(s.messagesPerS), 'messages/s', {
      messages: s.messages.total,
      sends: s.sends,
      seconds: s.elapsedMs / 1000,
      cpuSeconds: commandCpuS,
      includes: 'read + validate + encode + send, topic creation',
    });
    await deleteTopics(brokers, [topic, `${prefix}.interactions`, `${prefix}.impressions`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function deleteTopics(brokers: string[], topics: string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'dyadflow-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

const execFileP = promisify(execFile);

/** The daemon preset produced, then drained by each consumer in a process of its own (see the file's header). */
async function daemonConsumers(brokers: string[], repeat: number, nodeFlags: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dyadflow-bench-kafka-daemon-'));
  const prefix = `bench-daemon-${randomBytes(4).toString('hex')}`;
  try {
    let generated = '';
    const io = { stdout: (t: string) => void (generated += t), stderr: (t: string) => void process.stderr.write(t), isTTY: false };
    if ((await run(['generate', '--preset', 'daemon', '--seed', '1', '--out', dir, '--json'], io)) !== 0) throw new Error('generate --preset daemon failed');
    const pairs = (JSON.parse(generated) as { impressionTriples: number }).impressionTriples;
    const produced = await produceDataset({ dataDir: dir, brokers, topicPrefix: prefix, partitions: 3 });
    const expected = { messages: produced.messages.total, interactions: produced.messages.interactions - produced.deletes, pairs };
    report('kafka', 'kafka.daemon.produce.messagesPerS', Math.round(produced.messagesPerS), 'messages/s', {
      messages: produced.messages.total,
      interactions: produced.messages.interactions,
      impressions: produced.messages.impressions,
      pairs,
      partitions: 3,
      seconds: produced.elapsedMs / 1000,
      load: loadavg()[0],
    });
    const child = fileURLToPath(new URL('./kafka-consume-child.js', import.meta.url));
    const runChild = async (mode: string): Promise<Record<string, number>> => {
      const { stdout } = await execFileP(process.execPath, [...nodeFlags, child, mode, brokers.join(','), prefix, JSON.stringify(expected), dir], { maxBuffer: 1 << 20, timeout: 600_000 });
      return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
    };
    const note = `broker on the same 2 cores; shared machine: preliminary; node flags: ${nodeFlags.join(' ') || 'none'}`;
    for (let r = 0; r < repeat; r++) {
      const unpatched = await runChild('bare-unpatched');
      report('kafka', 'kafka.daemon.bareUnpatched.messagesPerS', Math.round(unpatched.messages! / unpatched.seconds!), 'messages/s', { ...unpatched, load: loadavg()[0], note });
      const bare = await runChild('bare');
      const bareRate = bare.messages! / bare.seconds!;
      report('kafka', 'kafka.daemon.bare.messagesPerS', Math.round(bareRate), 'messages/s', { ...bare, load: loadavg()[0], note });
      const src = await runChild('source');
      const srcRate = src.messages! / src.seconds!;
      report('kafka', 'kafka.daemon.source.messagesPerS', Math.round(srcRate), 'messages/s', { ...src, load: loadavg()[0], note });
      report('kafka', 'kafka.daemon.source.interactionsPerS', Math.round(src.interactions! / src.seconds!), 'events/s', {
        pairsPerS: Math.round(src.pairs! / src.seconds!),
        seconds: src.seconds,
        fold: 'none (events handed out by pull and dropped): kafka.daemon.ingest.* fold them',
        note,
      });
      report('kafka', 'kafka.daemon.source.ratioToBare', Math.round((srcRate / bareRate) * 1000) / 1000, 'ratio', { goal: 0.8, note });
      const ing = await runChild('ingest');
      const ingRate = ing.messages! / ing.seconds!;
      const perS = (n: number, r: Record<string, number>): number => Math.round(n / r.seconds!);
      report('kafka', 'kafka.daemon.ingest.interactionsPerS', perS(ing.interactions!, ing), 'events/s', {
        goal: 300_000,
        pairsPerS: perS(ing.pairs!, ing),
        ...ing,
        load: loadavg()[0],
        what: 'Kafka source → the stream stages (window by event time, fold sliced) → the incremental state; both topics in the time',
        note,
      });
      report('kafka', 'kafka.daemon.ingest.messagesPerS', Math.round(ingRate), 'messages/s', { seconds: ing.seconds, note });
      report('kafka', 'kafka.daemon.ingest.ratioToBare', Math.round((ingRate / bareRate) * 1000) / 1000, 'ratio', { goal: 0.8, bareMessagesPerS: Math.round(bareRate), note });
      const fileIng = await runChild('file-ingest');
      report('kafka', 'kafka.daemon.fileIngest.interactionsPerS', perS(fileIng.interactions!, fileIng), 'events/s', {
        pairsPerS: perS(fileIng.pairs!, fileIng),
        ...fileIng,
        load: loadavg()[0],
        what: 'the same stages and fold on the file source reading the same files',
        note,
      });
    }
    await deleteTopics(brokers, [`${prefix}.interactions`, `${prefix}.impressions`, `${prefix}.dead-letters`]).catch(() => undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
