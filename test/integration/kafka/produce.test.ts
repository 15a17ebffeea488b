// `dyadflow produce` against a real broker (issue 3, "Must show"): every record of the files arrives exactly once,
// intact, keyed by user id, in event-time order within each partition. Fails, never skips, without a broker.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isoWeekStartS } from '../../../src/core/time/iso-week.js';
import { runCli, type CliResult } from '../../helpers/cli.js';
import {
  drainTopic,
  requireBroker,
  testBrokers,
  topicMessageCount,
  uniquePrefix,
  writeSmallDataset,
  type ConsumedMessage,
} from '../../helpers/kafka.js';

// Order-independent checksum of a multiset of strings: the sum mod 2^64 of each string's first 8 sha256 bytes.
function checksum(values: string[]): string {
  let sum = 0n;
  for (const v of values) sum = (sum + createHash('sha256').update(v).digest().readBigUInt64BE(0)) & 0xffffffffffffffffn;
  return sum.toString(16);
}

function eventTimeS(topicKind: 'interactions' | 'impressions', value: string): number {
  const r = JSON.parse(value) as { created_at?: number; year?: number; week?: number };
  return topicKind === 'interactions' ? r.created_at! : isoWeekStartS(r.year!, r.week!);
}

function byPartition(messages: ConsumedMessage[]): Map<number, ConsumedMessage[]> {
  const m = new Map<number, ConsumedMessage[]>();
  for (const msg of messages) {
    const list = m.get(msg.partition) ?? [];
    list.push(msg);
    m.set(msg.partition, list);
  }
  return m;
}

interface FileRecords {
  interactions: { user_id: number; item_id: number; interaction_type: number; created_at: number }[];
  impressions: { user_id: number; year: number; week: number; items: number[] }[];
}

// The generated files, parsed plainly (no dyadflow reader): the truth the topics are compared with.
function readFiles(dir: string): FileRecords {
  const rows = (name: string): string[][] =>
    readFileSync(join(dir, name), 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.length > 0)
      .map((l) => l.split('\t'));
  return {
    interactions: rows('interactions.csv').map(([u, i, t, c]) => ({ user_id: Number(u), item_id: Number(i), interaction_type: Number(t), created_at: Number(c) })),
    impressions: rows('impressions.csv').map(([u, y, w, items]) => ({ user_id: Number(u), year: Number(y), week: Number(w), items: items!.split(',').map(Number) })),
  };
}

describe('dyadflow produce of the generated tiny dataset → Kafka → plain kafkajs consumer', () => {
  const brokers = testBrokers();
  const prefix = uniquePrefix('produce');
  let dir: string;
  let data: FileRecords;
  let result: CliResult;
  let summary: {
    topics: { interactions: string; impressions: string };
    messages: { interactions: number; impressions: number; total: number };
    deletes: number;
    badRows: { count: number; deadLetters: string | null };
    outOfOrder: { interactions: number; impressions: number };
  };
  let interactions: ConsumedMessage[];
  let impressions: ConsumedMessage[];

  // Set up once, awaited by every test (not a beforeAll: without a broker each test must fail, not be skipped).
  let setup: Promise<void> | undefined;
  const ready = (): Promise<void> => (setup ??= (async () => {
    await requireBroker(brokers);
    dir = mkdtempSync(join(tmpdir(), 'dyadflow-produce-'));
    const gen = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', dir]);
    if (gen.code !== 0) throw new Error(`generate exited ${gen.code}: ${gen.stderr}`);
    data = readFiles(dir);
    result = await runCli(['produce', '--data', dir, '--brokers', brokers.join(','), '--topic-prefix', prefix, '--partitions', '3', '--json']);
    if (result.code !== 0) throw new Error(`produce exited ${result.code}: ${result.stderr}`);
    summary = JSON.parse(result.stdout) as typeof summary;
    interactions = await drainTopic(brokers, `${prefix}.interactions`, `${prefix}-g1`);
    impressions = await drainTopic(brokers, `${prefix}.impressions`, `${prefix}-g2`);
  })());

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints one JSON summary with the counts of the files, deletes included', async () => {
    await ready();
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(data.interactions.length).toBeGreaterThan(1000);
    expect(summary.topics).toEqual({ interactions: `${prefix}.interactions`, impressions: `${prefix}.impressions` });
    expect(summary.messages.interactions).toBe(data.interactions.length);
    expect(summary.messages.impressions).toBe(data.impressions.length);
    expect(summary.deletes).toBe(data.interactions.filter((r) => r.interaction_type === 4).length);
    expect(summary.deletes).toBeGreaterThan(0);
    expect(summary.badRows.count).toBe(0);
    expect(summary.badRows.deadLetters).toBeNull();
    expect(existsSync(join(dir, 'dead-letters.ndjson'))).toBe(false);
    expect(summary.outOfOrder).toEqual({ interactions: 0, impressions: 0 });
  });

  it('creates the topics with the requested partitions, holding exactly the produced messages', async () => {
    await ready();
    expect(await topicMessageCount(brokers, `${prefix}.interactions`)).toEqual({ total: data.interactions.length, partitions: 3 });
    expect(await topicMessageCount(brokers, `${prefix}.impressions`)).toEqual({ total: data.impressions.length, partitions: 3 });
  });

  it('delivers every record exactly once and intact (counts and order-independent checksums per topic)', async () => {
    await ready();
    const expectedInteractions = data.interactions.map((r) => JSON.stringify(r));
    const expectedImpressions = data.impressions.map((r) => JSON.stringify(r));
    expect(interactions).toHaveLength(expectedInteractions.length);
    expect(impressions).toHaveLength(expectedImpressions.length);
    expect(checksum(interactions.map((m) => m.value))).toBe(checksum(expectedInteractions));
    expect(checksum(impressions.map((m) => m.value))).toBe(checksum(expectedImpressions));
    // The checksum could collide in theory; the sorted multisets cannot.
    expect(interactions.map((m) => m.value).sort()).toEqual([...expectedInteractions].sort());
    expect(impressions.map((m) => m.value).sort()).toEqual([...expectedImpressions].sort());
  });

  it('keys every message by its user id, so a user lives in one partition', async () => {
    await ready();
    for (const m of [...interactions, ...impressions]) expect(m.key).toBe(String((JSON.parse(m.value) as { user_id: number }).user_id));
    const partitionOf = new Map<string, number>();
    for (const m of [...interactions, ...impressions]) {
      const seen = partitionOf.get(m.key!);
      if (seen === undefined) partitionOf.set(m.key!, m.partition);
      else expect(m.partition).toBe(seen);
    }
    expect(new Set(partitionOf.values()).size).toBe(3);
  });

  it('keeps event-time order within each partition, and each user’s rows in file order', async () => {
    await ready();
    for (const [kind, messages] of [['interactions', interactions], ['impressions', impressions]] as const) {
      for (const list of byPartition(messages).values()) {
        list.sort((a, b) => a.offset - b.offset);
        for (let i = 1; i < list.length; i++) expect(eventTimeS(kind, list[i]!.value)).toBeGreaterThanOrEqual(eventTimeS(kind, list[i - 1]!.value));
      }
    }
    // Per user, offset order equals file order (ties in time included).
    const users = [...new Set(data.interactions.map((r) => r.user_id))];
    for (const userId of users.slice(0, 20)) {
      const fileOrder = data.interactions.filter((r) => r.user_id === userId).map((r) => JSON.stringify(r));
      const topicOrder = interactions
        .filter((m) => m.key === String(userId))
        .sort((a, b) => a.offset - b.offset)
        .map((m) => m.value);
      expect(topicOrder).toEqual(fileOrder);
    }
  });
});

describe('dyadflow produce --rate', () => {
  it('paces a replay and still delivers every record once; bad rows go to --dead-letters FILE', async () => {
    const brokers = testBrokers();
    await requireBroker(brokers);
    const prefix = uniquePrefix('rate');
    const dir = mkdtempSync(join(tmpdir(), 'dyadflow-produce-'));
    try {
      const data = await writeSmallDataset(dir, 5, 6, 2);
      const deadLetters = join(dir, 'bad.ndjson');
      const r = await runCli(['produce', '--data', dir, '--brokers', brokers.join(','), '--topic-prefix', prefix, '--partitions', '2', '--rate', '500', '--dead-letters', deadLetters, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as { messages: { total: number }; sends: number; badRows: { deadLetters: string } };
      expect(s.messages.total).toBe(data.interactions.length + data.impressions.length);
      // 500 msg/s → at most 50 messages per send, so several sends.
      expect(s.sends).toBeGreaterThanOrEqual(Math.ceil(s.messages.total / 50));
      expect(s.badRows.deadLetters).toBe(deadLetters);
      // After the dead-letter header record, one line per bad row.
      const dead = readFileSync(deadLetters, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as { file: string; reason: string });
      expect(dead.map((d) => [d.file, d.reason])).toEqual([
        // Both were inserted at the middle of the file, the second before the first.
        [join(dir, 'interactions.csv'), 'expected 4 tab-separated columns, found 3'],
        [join(dir, 'interactions.csv'), 'unknown interaction_type'],
      ]);
      expect(existsSync(join(dir, 'dead-letters.ndjson'))).toBe(false);
      expect(await topicMessageCount(brokers, `${prefix}.interactions`)).toEqual({ total: data.interactions.length, partitions: 2 });
      const got = await drainTopic(brokers, `${prefix}.impressions`, `${prefix}-g`);
      expect(got.map((m) => m.value).sort()).toEqual(data.impressions.map((x) => JSON.stringify(x)).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dyadflow produce: failures', () => {
  it('fails with one line and a non-zero exit when no broker answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dyadflow-produce-'));
    try {
      await writeSmallDataset(dir, 3, 5, 0);
      // Port 1 on loopback: nothing listens there.
      const r = await runCli(['produce', '--data', dir, '--brokers', '127.0.0.1:1', '--retries', '0', '--json']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^dyadflow: cannot connect to Kafka at 127\.0\.0\.1:1: .*\[DF_ERR_KAFKA_CONNECT\]$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with one line for a missing data folder, before contacting any broker', async () => {
    const dir = join(tmpdir(), 'dyadflow-no-such-dir-' + process.pid);
    const r = await runCli(['produce', '--data', dir, '--brokers', '127.0.0.1:1', '--retries', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`dyadflow: ${join(dir, 'interactions.csv')}: no such file\n`);
    expect(existsSync(dir)).toBe(false);
  });

  it('exits 2 for bad options', async () => {
    for (const argv of [
      ['--rate', '0'],
      ['--rate', 'fast'],
      ['--partitions', '1.5'],
      ['--brokers', 'localhost'],
      ['--topic-prefix', 'bad/prefix'],
    ]) {
      const args = ['produce', '--data', tmpdir(), '--brokers', '127.0.0.1:1', ...argv];
      const r = await runCli(args);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});
