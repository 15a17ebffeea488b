// Helpers of the Kafka integration tests: the broker under test (a real one: `npm run kafka:start`, or CI's
// .ci/run), unique names per test, and a plain kafkajs consumer that drains topics to their end.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
// Before kafkajs, as everywhere: the adapter patches kafkajs's producer on load (kafkajs-patch.ts).
import '../../src/adapters/kafka/kafkajs-patch.js';
import { Kafka, logLevel } from 'kafkajs';
import type { EventBatch, EventSource } from '../../src/core/events/source.js';
import { isoWeekStartS } from '../../src/core/time/iso-week.js';
import { windowAt, type EventWindow } from '../../src/core/window/window.js';

/** The bootstrap brokers of the broker under test: DYADFLOW_TEST_BROKERS, else localhost:9092. */
export function testBrokers(): string[] {
  return (process.env.DYADFLOW_TEST_BROKERS ?? 'localhost:9092').split(',').map((b) => b.trim());
}

/** A topic prefix (and consumer-group stem) no other test or run uses. */
export function uniquePrefix(name: string): string {
  return `test-${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function kafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'dyadflow-test', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 2 } });
}

/**
 * Fails (never skips) with a one-line reason when no broker answers: Kafka tests need a real broker
 * (`npm run kafka:start`).
 */
export async function requireBroker(brokers: string[] = testBrokers()): Promise<void> {
  const admin = kafka(brokers).admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (err) {
    throw new Error(
      `no Kafka broker answers at ${brokers.join(',')} (${err instanceof Error ? err.message : String(err)}): ` +
        'start one with `npm run kafka:start` or set DYADFLOW_TEST_BROKERS',
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One consumed message. */
export interface ConsumedMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
}

/** Sum of the partitions' high watermarks: how many messages a topic holds (none deleted by retention here). */
export async function topicMessageCount(brokers: string[], topic: string): Promise<{ total: number; partitions: number }> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return { total: offsets.reduce((s, o) => s + Number(o.high) - Number(o.low), 0), partitions: offsets.length };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until every partition reached the high watermark
 * it had when draining began; returns the messages in arrival order (offset order within each partition).
 */
export async function drainTopic(brokers: string[], topic: string, groupId: string, timeoutMs = 60_000): Promise<ConsumedMessage[]> {
  const client = kafka(brokers);
  const admin = client.admin();
  await admin.connect();
  const ends = new Map<number, number>();
  try {
    for (const o of await admin.fetchTopicOffsets(topic)) ends.set(o.partition, Number(o.high));
  } finally {
    await admin.disconnect();
  }
  const remaining = new Set([...ends].filter(([, high]) => high > 0).map(([p]) => p));
  const out: ConsumedMessage[] = [];
  if (remaining.size === 0) return out;
  const consumer = client.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`draining ${topic} timed out after ${timeoutMs} ms: ${out.length} messages, partitions left ${[...remaining].join(',')}`)),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (remaining.size === 0) return;
            for (const m of batch.messages) {
              out.push({ partition: batch.partition, offset: Number(m.offset), key: m.key?.toString('utf8') ?? null, value: m.value?.toString('utf8') ?? '' });
            }
            const last = batch.messages.length > 0 ? Number(batch.messages[batch.messages.length - 1]!.offset) : -1;
            if (last + 1 >= (ends.get(batch.partition) ?? 0)) remaining.delete(batch.partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** A small RecSys 2016 dataset written by writeSmallDataset: the valid rows in file order, and the bad-row count. */
export interface SmallDataset {
  interactions: { user_id: number; item_id: number; interaction_type: number; created_at: number }[];
  impressions: { user_id: number; year: number; week: number; items: number[] }[];
  badRows: number;
}

/**
 * Writes interactions.csv and impressions.csv into `dir`: `users` users over four ISO weeks from 2016-W33,
 * impressions on each week's Monday, interactions (deletes included) during the week, both files in event-time
 * order, plus `badRows` malformed lines. Deterministic in `seed` (xorshift32 inline: test data only).
 */
export async function writeSmallDataset(dir: string, seed: number, users = 40, badRows = 3): Promise<SmallDataset> {
  const { writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const rand = xorshift32(seed);
  const week33MondayS = 1471219200; // 2016-08-15 00:00 UTC, Monday of ISO 2016-W33
  const data: SmallDataset = { interactions: [], impressions: [], badRows };
  for (let w = 0; w < 4; w++) {
    for (let u = 1; u <= users; u++) {
      const items = Array.from({ length: 1 + rand(12) }, () => 100 + rand(300));
      data.impressions.push({ user_id: u * 7, year: 2016, week: 33 + w, items });
      for (let k = rand(6); k > 0; k--) {
        data.interactions.push({
          user_id: u * 7,
          item_id: items[rand(items.length)]!,
          interaction_type: 1 + rand(4),
          created_at: week33MondayS + w * 7 * 86400 + rand(7 * 86400),
        });
      }
    }
  }
  data.interactions.sort((a, b) => a.created_at - b.created_at || a.user_id - b.user_id);
  const interactionLines = data.interactions.map((r) => `${r.user_id}\t${r.item_id}\t${r.interaction_type}\t${r.created_at}`);
  const impressionLines = data.impressions.map((r) => `${r.user_id}\t${r.year}\t${r.week}\t${r.items.join(',')}`);
  // Bad rows in the middle of the files: unknown type, missing column, non-numeric item.
  const bad = ['7\t100\t9\t1471219300', '7\t100\t1', 'x\t2016\t34\t1,2'];
  for (let i = 0; i < badRows; i++) {
    const target = i % 3 === 2 ? impressionLines : interactionLines;
    target.splice(Math.floor(target.length / 2), 0, bad[i % 3]!);
  }
  await writeFile(join(dir, 'interactions.csv'), 'user_id\titem_id\tinteraction_type\tcreated_at\n' + interactionLines.join('\n') + '\n');
  await writeFile(join(dir, 'impressions.csv'), 'user_id\tyear\tweek\titems\n' + impressionLines.join('\n') + '\n');
  return data;
}

/** Sends raw messages (any key and value, null and non-UTF-8 included) to one partition of a topic, in order. */
export async function produceRaw(
  brokers: string[],
  topic: string,
  messages: { key: string | null; value: string | Buffer | null }[],
  partition = 0,
): Promise<void> {
  const producer = kafka(brokers).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // Batches under the broker's 1 MiB request limit, one at a time so the order holds.
    let batch: { key: string | null; value: string | Buffer | null; partition: number }[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length > 0) await producer.send({ topic, messages: batch, acks: -1 });
      batch = [];
      bytes = 0;
    };
    for (const m of messages) {
      const size = m.value === null ? 0 : Buffer.byteLength(m.value);
      if (bytes + size > 500_000) await flush();
      batch.push({ ...m, partition });
      bytes += size;
    }
    await flush();
  } finally {
    await producer.disconnect();
  }
}

/** Deletes the records of `topic`'s partition below `offset` (what retention does), through the admin client. */
export async function deleteRecordsBelow(brokers: string[], topic: string, partition: number, offset: number): Promise<void> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    await admin.fetchTopicMetadata({ topics: [topic] }); // kafkajs finds the partition's leader from loaded metadata
    await admin.deleteTopicRecords({ topic, partitions: [{ partition, offset: String(offset) }] });
  } finally {
    await admin.disconnect();
  }
}

/** The offsets a consumer group committed, as `topic:partition` → offset. */
export async function groupOffsets(brokers: string[], groupId: string, topics: string[]): Promise<Record<string, number>> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    const out: Record<string, number> = {};
    for (const t of await admin.fetchOffsets({ groupId, topics })) for (const p of t.partitions) out[`${t.topic}:${p.partition}`] = Number(p.offset);
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** The records of a RecSys 2016 folder's interactions.csv and impressions.csv, parsed plainly (no dyadflow reader). */
export function readRecsysFiles(dir: string): SmallDataset {
  const rows = (name: string): string[][] =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.length > 0)
      .map((l) => l.split('\t'));
  return {
    interactions: rows('interactions.csv').map(([u, i, t, c]) => ({ user_id: Number(u), item_id: Number(i), interaction_type: Number(t), created_at: Number(c) })),
    impressions: rows('impressions.csv').map(([u, y, w, items]) => ({ user_id: Number(u), year: Number(y), week: Number(w), items: items!.split(',').map(Number) })),
    badRows: 0,
  };
}

/** What a driven source handed out: events by window id (as sortable strings), and the counts the stream keeps. */
export interface Drive {
  windows: Map<string, string[]>;
  deletesByWindow: Map<string, number>;
  late: number;
  badEvents: number;
  events: number;
  batches: EventBatch[];
  /** The window open when the drive stopped (null before the first or after the end). */
  open: EventWindow | null;
  ended: boolean;
}

/** One interaction as a string: `i <user> <item> <type> <timeS>`. */
export const interactionKey = (u: number, i: number, t: number, s: number): string => `i ${u} ${i} ${t} ${s}`;
/** One impression pair as a string: `p <user> <item> <timeS>`. */
export const pairKey = (u: number, i: number, s: number): string => `p ${u} ${i} ${s}`;

/**
 * Pulls a source the way the stream does (method.md §5a): the first pull with no room for any event
 * (beforeS -Infinity) to learn where the input starts; then each pull bounded by the open window's end; the window
 * closes once the watermark reaches its end, and the next one is the window of the watermark. Stops at `ended`, after
 * `stopAfterEvents` events, or after `timeoutMs`.
 */
export async function driveSource(
  source: EventSource,
  options: { lengthS?: number; maxEvents?: number; stopAfterEvents?: number; timeoutMs?: number; open?: EventWindow | null; onBatch?: (b: EventBatch) => void | Promise<void> } = {},
): Promise<Drive> {
  const lengthS = options.lengthS ?? 7 * 86400;
  const maxEvents = options.maxEvents ?? 1000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const d: Drive = { windows: new Map(), deletesByWindow: new Map(), late: 0, badEvents: 0, events: 0, batches: [], open: options.open ?? null, ended: false };
  for (;;) {
    if (Date.now() > deadline) throw new Error(`driving the source timed out after ${options.timeoutMs ?? 60_000} ms: ${d.events} events, open window ${d.open?.id ?? 'none'}`);
    const room = options.stopAfterEvents === undefined ? maxEvents : Math.min(maxEvents, options.stopAfterEvents - d.events);
    if (room <= 0) return d;
    const b = await source.pull({ beforeS: d.open ? d.open.endS : -Infinity, maxEvents: room });
    d.batches.push(b);
    await options.onBatch?.(b);
    d.badEvents += b.badEvents;
    const n = b.interactions.length + b.impressions.length;
    if (n > 0 || b.droppedDeletes > 0) {
      if (!d.open) throw new Error('a source handed out events before any window was open (beforeS -Infinity)');
      const list = d.windows.get(d.open.id) ?? [];
      const t = b.interactions;
      for (let i = 0; i < t.length; i++) {
        if (t.createdAtS[i]! < d.open.startS) d.late++;
        list.push(interactionKey(t.userIds[i]!, t.itemIds[i]!, t.types[i]!, t.createdAtS[i]!));
      }
      const p = b.impressions;
      for (let i = 0; i < p.length; i++) {
        if (p.eventTimeS[i]! < d.open.startS) d.late++;
        list.push(pairKey(p.userIds[i]!, p.itemIds[i]!, p.eventTimeS[i]!));
      }
      d.windows.set(d.open.id, list);
      d.deletesByWindow.set(d.open.id, (d.deletesByWindow.get(d.open.id) ?? 0) + b.droppedDeletes);
      d.events += n;
    }
    if (b.ended) {
      d.ended = true;
      d.open = null;
      return d;
    }
    if (Number.isFinite(b.watermarkS) && (!d.open || b.watermarkS >= d.open.endS)) d.open = windowAt(b.watermarkS, lengthS);
  }
}

/** The file's events in the same strings, by window. */
export function fileEventsByWindow(data: SmallDataset, lengthS = 7 * 86400): { windows: Map<string, string[]>; deletesByWindow: Map<string, number> } {
  const windows = new Map<string, string[]>();
  const deletesByWindow = new Map<string, number>();
  const add = (t: number, s: string): void => {
    const id = windowAt(t, lengthS).id;
    const list = windows.get(id) ?? [];
    list.push(s);
    windows.set(id, list);
  };
  for (const r of data.interactions) {
    if (r.interaction_type === 4) {
      const id = windowAt(r.created_at, lengthS).id;
      deletesByWindow.set(id, (deletesByWindow.get(id) ?? 0) + 1);
    } else add(r.created_at, interactionKey(r.user_id, r.item_id, r.interaction_type, r.created_at));
  }
  for (const r of data.impressions) {
    const t = isoWeekStartS(r.year, r.week);
    for (const item of r.items) add(t, pairKey(r.user_id, item, t));
  }
  return { windows, deletesByWindow };
}

/** A map's values sorted, keys sorted: comparable with toEqual as multisets per key. */
export function sortedMultisets(m: Map<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const k of [...m.keys()].sort()) out[k] = [...m.get(k)!].sort();
  return out;
}

// ---- `dyadflow run --source kafka:...` end to end (test/integration/kafka/run-*.test.ts) ----

/** Files that differ between two runs on the same events only in what they may: wall clock, locks, file-source leftovers. */
const NOT_COMPARED = new Set(['run.log', '.dyadflow.lock', 'dead-letters.ndjson']);

/**
 * SHA-256 of every file of a run's output directory that two runs on the same events and seed write byte for byte:
 * snapshots' Parquet and Arrow, models (parameters and manifests), models/LATEST, metrics.ndjson, report.md and its
 * charts. Left out: run.log (wall clock), dead-letters.ndjson (the file source's), spill/, the lock, and, unless
 * `withPositions`, what records source positions (snapshot manifests: compare windowManifests; state/ checkpoints).
 */
export async function reproducibleFiles(dir: string, options: { withPositions?: boolean } = {}): Promise<Record<string, string>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = join(e.parentPath, e.name).slice(dir.length + 1);
    if (NOT_COMPARED.has(rel) || rel.startsWith('spill/') || rel.endsWith('.tmp')) continue;
    if (!options.withPositions && (rel.startsWith('state/') || /^snapshots\/[^/]+\/manifest\.json$/.test(rel))) continue;
    out[rel] = createHash('sha256').update(await readFile(join(dir, rel))).digest('hex');
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Every window's snapshot manifest by window id; `without` drops top-level fields (e.g. `source`, `closedBy`). */
export async function windowManifests(dir: string, without: string[] = []): Promise<Record<string, Record<string, unknown>>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const out: Record<string, Record<string, unknown>> = {};
  for (const id of (await readdir(join(dir, 'snapshots'))).sort()) {
    const m = JSON.parse(await readFile(join(dir, 'snapshots', id, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    for (const k of without) delete m[k];
    out[id] = m;
  }
  return out;
}

/** The lines of a run's metrics.ndjson, parsed. */
export function metricsLines(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'metrics.ndjson'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** `dyadflow run --source kafka:B --topic-prefix P --out OUT --profiles DIR` and more flags, as argv. */
export function kafkaRunArgs(o: { brokers: string[]; prefix: string; out: string; profiles: string; untilIdle?: string }, ...more: string[]): string[] {
  return ['run', '--source', `kafka:${o.brokers.join(',')}`, '--topic-prefix', o.prefix, '--out', o.out, '--profiles', o.profiles, ...(o.untilIdle ? ['--until-idle', o.untilIdle] : []), ...more];
}

/** Creates topics with the given partition counts (what `produce` would, with a count per topic). */
export async function createTopics(brokers: string[], topics: { topic: string; partitions: number }[]): Promise<void> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Each partition's high watermark of a topic, by partition. */
export async function highWatermarks(brokers: string[], topic: string): Promise<Map<number, number>> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** The members of a consumer group now: member id and client id. */
export async function groupMembers(brokers: string[], groupId: string): Promise<{ memberId: string; clientId: string }[]> {
  const admin = kafka(brokers).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId }));
  } finally {
    await admin.disconnect();
  }
}

/** A free TCP port on 127.0.0.1 whose successor (a broker's controller port) is free too. */
export async function freePortPair(): Promise<number> {
  const { createServer } = await import('node:net');
  const listen = (port: number): Promise<number | undefined> =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const p = (server.address() as { port: number }).port;
        server.close(() => resolve(p));
      });
    });
  for (let i = 0; i < 20; i++) {
    const p = await listen(0);
    if (p !== undefined && p < 65535 && (await listen(p + 1)) !== undefined) return p;
  }
  throw new Error('no free pair of ports');
}

/** A broker of a test's own (scripts/kafka.sh on its own ports and data directory), kept across stop and start. */
export interface OwnBroker {
  brokers: string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/** A single-node broker under `home` on a free port: topics and offsets survive stop() and start() (KAFKA_KEEP_DATA=1). */
export async function ownBroker(home: string): Promise<OwnBroker> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));
  const port = await freePortPair();
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_DATA_DIR: join(home, 'broker'), KAFKA_KEEP_DATA: '1', KAFKA_HEAP: '512m' };
  const sh = async (command: 'start' | 'stop', extra: Record<string, string> = {}): Promise<void> => {
    await promisify(execFile)('bash', [script, command], { env: { ...env, ...extra }, timeout: 150_000 });
  };
  return {
    brokers: [`localhost:${port}`],
    start: () => sh('start'),
    stop: () => sh('stop'),
    destroy: () => sh('stop', { KAFKA_KEEP_DATA: '0' }).catch(() => undefined),
  };
}

/**
 * Each checkpoint in a run's state/ by file name: its metadata (positions, rng, file lengths, counts) and the state's
 * entries as sorted `user item type firstSeenS` strings of external ids. Dense indices, and so the arrays' bytes, follow
 * the order events were folded in within a window, which the stream does not fix (and a restart changes): the state
 * is the set of entries.
 */
export async function checkpointStates(dir: string): Promise<Record<string, { meta: unknown; entries: string[] }>> {
  const { readdir } = await import('node:fs/promises');
  const { readCheckpointFile } = await import('../../src/adapters/checkpoint/checkpoint-file.js');
  const { CHECKPOINT_KIND } = await import('../../pipelines/stream-stages.js');
  const out: Record<string, { meta: unknown; entries: string[] }> = {};
  for (const name of (await readdir(join(dir, 'state'))).filter((n) => n.endsWith('.ckpt')).sort()) {
    const c = await readCheckpointFile(join(dir, 'state', name), CHECKPOINT_KIND);
    const a = c.arrays as Record<string, ArrayLike<number>>;
    const entries: string[] = [];
    for (let e = 0; e < a.entryUserIxs!.length; e++) {
      entries.push(`${a.userIds![a.entryUserIxs![e]!]} ${a.itemIds![a.entryItemIxs![e]!]} ${a.entryTypes![e]} ${a.entryFirstSeenS![e]}`);
    }
    out[name] = { meta: c.meta, entries: entries.sort() };
  }
  return out;
}

/**
 * What differs between two sets of state entries, at most `limit` lines (empty when they are equal). A mismatch of
 * tens of thousands of entries handed to toEqual makes vitest diff them line by line, which can take minutes and the
 * worker's whole heap; these lines say the same in a few.
 */
export function entryDifferences(actual: readonly string[], expected: readonly string[], limit = 10): string[] {
  const want = new Set(expected);
  const got = new Set(actual);
  const extra = actual.filter((e) => !want.has(e));
  const missing = expected.filter((e) => !got.has(e));
  if (extra.length === 0 && missing.length === 0 && actual.length === expected.length) return [];
  return [
    `${actual.length} entries, ${expected.length} expected: ${extra.length} unexpected, ${missing.length} missing`,
    ...extra.slice(0, limit).map((e) => `unexpected: ${e}`),
    ...missing.slice(0, limit).map((e) => `missing: ${e}`),
  ];
}

/** What differs between two runs' checkpointStates(): names, metadata, then entries (compactly, entryDifferences). */
export function stateDifferences(
  actual: Record<string, { meta: unknown; entries: string[] }>,
  expected: Record<string, { meta: unknown; entries: string[] }>,
): string[] {
  const names = (o: object): string => Object.keys(o).join(', ');
  if (names(actual) !== names(expected)) return [`checkpoints ${names(actual)}; expected ${names(expected)}`];
  const out: string[] = [];
  for (const name of Object.keys(expected)) {
    const a = JSON.stringify(actual[name]!.meta);
    const b = JSON.stringify(expected[name]!.meta);
    if (a !== b) out.push(`${name} metadata: ${a}`, `${name} expected:  ${b}`);
    out.push(...entryDifferences(actual[name]!.entries, expected[name]!.entries).map((l) => `${name} ${l}`));
  }
  return out;
}

/** xorshift32 in [0, n) from `seed` (0 → 1): the random choices of one test, replayable from its seed. */
export function xorshift32(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/** The reference of a Kafka run test: `tiny` generated with `seed` under a fresh temporary root, and the file run on it. */
export async function fileRunFixture(name: string, seed: number): Promise<{ root: string; data: string; fileOut: string }> {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { runCli } = await import('./cli.js');
  const { runCliProcess } = await import('./cli-process.js');
  const root = await mkdtemp(join(tmpdir(), `dyadflow-${name}-`));
  const data = join(root, 'data');
  const gen = await runCli(['generate', '--preset', 'tiny', '--seed', String(seed), '--out', data]);
  if (gen.code !== 0) throw new Error(`generate failed: ${gen.stderr}`);
  const fileOut = join(root, 'out-file');
  const r = await runCliProcess(['run', '--source', `file:${data}`, '--out', fileOut]);
  if (r.code !== 0) throw new Error(`the file run failed (exit ${r.code}): ${r.stderr}`);
  return { root, data, fileOut };
}

/**
 * A test file's fileRunFixture, set up in its beforeAll (once the broker answers) and removed in its afterAll: the
 * object's fields are filled by the time the tests run.
 */
export function fileRunFixtureHooks(name: string, seed: number, brokers: string[]): { root: string; data: string; fileOut: string } {
  const fixture = { root: '', data: '', fileOut: '' };
  beforeAll(async () => {
    await requireBroker(brokers);
    Object.assign(fixture, await fileRunFixture(name, seed));
  }, 120_000);
  afterAll(async () => {
    const { rm } = await import('node:fs/promises');
    if (fixture.root !== '') await rm(fixture.root, { recursive: true, force: true });
  });
  return fixture;
}
