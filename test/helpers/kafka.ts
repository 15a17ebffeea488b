// Helpers of the Kafka integration tests: the broker under test (a real one: `npm run kafka:start`, or CI's
// .ci/run), unique names per test, and a plain kafkajs consumer that drains topics to their end.
import { randomBytes } from 'node:crypto';
// Before kafkajs, as everywhere: the adapter patches kafkajs's producer on load (kafkajs-patch.ts).
import '../../src/adapters/kafka/kafkajs-patch.js';
import { Kafka, logLevel } from 'kafkajs';

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
  let x = seed >>> 0 || 1;
  const rand = (n: number): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
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
