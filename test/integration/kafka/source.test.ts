// The Kafka source against a real broker (issue 12): `dyadflow produce` of a generated dataset, then the source pulled
// the way the stream pulls it, window by window. Every test has its own topics and consumer group; none skips
// without a broker (they fail with requireBroker's message).
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { produceDataset } from '../../../pipelines/produce.js';
import { encodeImpression, encodeInteraction, ensureTopics, groupIdForOutput, lagOfPosition, openKafkaSource, type KafkaEventSource, type KafkaSourceOptions } from '../../../src/adapters/kafka/index.js';
import { ownerAssignor } from '../../../src/adapters/kafka/group.js';
import { partitionOfKey } from '../../../src/adapters/kafka/partition.js';
import { validatorFor } from '../../../src/adapters/schemas/validators.js';
import { DyadflowError, InputError } from '../../../src/core/errors.js';
import { runCli } from '../../helpers/cli.js';
import {
  deleteRecordsBelow,
  drainTopic,
  driveSource,
  fileEventsByWindow,
  groupOffsets,
  interactionKey,
  pairKey,
  produceRaw,
  readRecsysFiles,
  requireBroker,
  sortedMultisets,
  testBrokers,
  uniquePrefix,
  type SmallDataset,
} from '../../helpers/kafka.js';

const brokers = testBrokers();
const WEEK33_S = 1471219200; // Monday 2016-08-15, ISO 2016-W33

// One generated dataset for the file; each test produces it into topics of its own.
let dataDir: string | undefined;
let dataset: SmallDataset;
let generated: Promise<void> | undefined;
const generate = (): Promise<void> =>
  (generated ??= (async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dyadflow-kafka-source-'));
    const r = await runCli(['generate', '--preset', 'tiny', '--seed', '3', '--out', dataDir]);
    if (r.code !== 0) throw new Error(`generate exited ${r.code}: ${r.stderr}`);
    dataset = readRecsysFiles(dataDir);
  })());

afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const opened: KafkaEventSource[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

async function open(prefix: string, group: string, options: Partial<KafkaSourceOptions> = {}): Promise<KafkaEventSource> {
  const s = await openKafkaSource({ brokers, groupId: group, topicPrefix: prefix, pullWaitMs: 200, untilIdleMs: 1500, ...options });
  opened.push(s);
  return s;
}

const nonZero = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].filter(([, v]) => v > 0).sort());

describe('Kafka source: the events of `produce`, window by window', () => {
  for (const partitions of [1, 3]) {
    it(`equal the file's events as multisets per window (${partitions} partition${partitions > 1 ? 's' : ''})`, async () => {
      await requireBroker(brokers);
      await generate();
      const prefix = uniquePrefix(`src${partitions}`);
      await produceDataset({ dataDir: dataDir!, brokers, topicPrefix: prefix, partitions });
      const source = await open(prefix, `${prefix}-g`);
      const got = await driveSource(source, { maxEvents: 700 });
      const want = fileEventsByWindow(dataset);
      expect(got.ended).toBe(true);
      expect(got.late).toBe(0);
      expect(got.badEvents).toBe(0);
      expect(Object.keys(sortedMultisets(got.windows))).toEqual(Object.keys(sortedMultisets(want.windows)));
      expect(sortedMultisets(got.windows)).toEqual(sortedMultisets(want.windows));
      expect(nonZero(got.deletesByWindow)).toEqual(nonZero(want.deletesByWindow));
      // Windows close by the watermark, never by idleness here.
      expect(got.batches.every((b) => (b.idlePartitions ?? []).length === 0)).toBe(true);
      // Nothing left behind: the lag is 0 on both topics; a stored position's lag is the same without any consumer.
      const zero = { [`${prefix}.interactions`]: 0, [`${prefix}.impressions`]: 0 };
      expect(await source.lag()).toEqual(zero);
      expect(await lagOfPosition(brokers, source.position())).toEqual(zero);
      const start = { source: 'kafka' as const, partitions: source.position().partitions.map((p) => ({ ...p, offset: 0 })) };
      expect(await lagOfPosition(brokers, start)).toEqual({ [`${prefix}.interactions`]: dataset.interactions.length, [`${prefix}.impressions`]: dataset.impressions.length });
      await source.close();
    });
  }

  it('position() then seek() on a new source: every event handed out exactly once across the two', async () => {
    await requireBroker(brokers);
    await generate();
    const prefix = uniquePrefix('seek');
    await produceDataset({ dataDir: dataDir!, brokers, topicPrefix: prefix, partitions: 3 });
    const group = `${prefix}-g`;
    const first = await open(prefix, group);
    // Small batches (7 events) so that a batch ends inside an impression's items.
    const part1 = await driveSource(first, { maxEvents: 7, stopAfterEvents: 2500 });
    const position = first.position();
    expect(position.partitions.some((p) => p.pairs > 0) || part1.events === 2500).toBe(true);
    // A position is JSON: what a checkpoint stores.
    const stored = JSON.parse(JSON.stringify(position)) as typeof position;
    // After a checkpoint the offsets go to the group too, for monitoring (`kafka-consumer-groups --describe`).
    await first.checkpointed(stored);
    expect(await groupOffsets(brokers, group, [`${prefix}.interactions`, `${prefix}.impressions`])).toEqual(
      Object.fromEntries(stored.partitions.map((p) => [`${p.topic}:${p.partition}`, p.offset])),
    );
    await first.close();

    const second = await open(prefix, group);
    await second.seek(stored);
    const part2 = await driveSource(second, { maxEvents: 500, open: part1.open });
    expect(part2.ended).toBe(true);
    const all = new Map<string, string[]>();
    for (const d of [part1, part2]) for (const [w, list] of d.windows) all.set(w, [...(all.get(w) ?? []), ...list]);
    expect(sortedMultisets(all)).toEqual(sortedMultisets(fileEventsByWindow(dataset).windows));
    expect(part1.late + part2.late).toBe(0);
    await second.close();
  });
});

describe('Kafka source: bounded by pausing', () => {
  it('holds at most its queue bound plus one fetch per partition while the pipeline does not pull, all partitions paused', async () => {
    await requireBroker(brokers);
    await generate();
    const prefix = uniquePrefix('bound');
    // Small sends, so small record batches: a fetch returns at least one whole record batch, whatever its size limit.
    await produceDataset({ dataDir: dataDir!, brokers, topicPrefix: prefix, partitions: 3, maxBatchMessages: 20 });
    const bound = 8 * 1024;
    const fetch = 4 * 1024;
    const source = await open(prefix, `${prefix}-g`, { maxQueuedBytesPerPartition: bound, maxFetchBytesPerPartition: fetch });
    // The first window's end: the pipeline takes that window and then stops pulling (it trains, say).
    const first = await driveSource(source, { maxEvents: 100, stopAfterEvents: 100 });
    expect(first.open).not.toBeNull();
    await new Promise((r) => setTimeout(r, 3000));
    const queues = source.queues();
    expect(queues).toHaveLength(6);
    for (const q of queues) {
      // A fetched batch is appended whole: the bound is checked between fetches, so one fetch (at least one record
      // batch of at most 20 messages) may go past it.
      expect(q.queuedBytes, q.partition).toBeLessThanOrEqual(bound + fetch + 8 * 1024);
      if (q.queuedBytes > 0) expect(q.paused, q.partition).toBe(true);
    }
    // The topics hold far more than that: the rest waits in Kafka.
    expect(queues.reduce((s, q) => s + q.queuedEvents, 0)).toBeLessThan(dataset.interactions.length / 4);
    // And pulling again goes on where it stopped, every event once.
    const rest = await driveSource(source, { maxEvents: 1000, open: first.open });
    const all = new Map<string, string[]>();
    for (const d of [first, rest]) for (const [w, list] of d.windows) all.set(w, [...(all.get(w) ?? []), ...list]);
    expect(sortedMultisets(all)).toEqual(sortedMultisets(fileEventsByWindow(dataset).windows));
    await source.close();
  });
});

describe('Kafka source: poison messages', () => {
  it('sends each malformed message to the dead-letter topic with its reason and origin; valid events are unaffected', async () => {
    await requireBroker(brokers);
    const prefix = uniquePrefix('poison');
    await ensureTopics(brokers, [`${prefix}.interactions`, `${prefix}.impressions`], { partitions: 1 });
    const ok = (r: ReturnType<typeof encodeInteraction>): string => {
      if (!r.ok) throw new Error(r.reason);
      return r.message.value;
    };
    const valid = (i: number): string => ok(encodeInteraction({ user_id: 7 + (i % 5), item_id: 100 + i, interaction_type: 1 + (i % 3), created_at: WEEK33_S + 60 * i }));
    const poison: { value: string | Buffer | null; reason: RegExp }[] = [
      { value: '{"user_id": 1, "item_id": ', reason: /^message value is not JSON$/ },
      { value: '{"user_id":"7","item_id":1,"interaction_type":1,"created_at":1471219300}', reason: /^user_id must be integer$/ },
      { value: '{"user_id":7,"item_id":1,"interaction_type":1}', reason: /^missing field created_at$/ },
      { value: '{"user_id":7,"item_id":1,"interaction_type":9,"created_at":1471219300}', reason: /^unknown interaction_type$/ },
      { value: '{"user_id":-3,"item_id":1,"interaction_type":1,"created_at":1471219300}', reason: /^user_id must be >= 0$/ },
      { value: '{"user_id":7,"item_id":99999999999,"interaction_type":1,"created_at":1471219300}', reason: /^item_id must be <= 2147483647$/ },
      { value: '{"user_id":7,"item_id":1e400,"interaction_type":1,"created_at":1471219300}', reason: /^item_id must be integer$/ },
      { value: ok(encodeImpression({ user_id: 7, year: 2016, week: 33, items: [1, 2] })), reason: /^an impression record on the interactions topic$/ },
      { value: null, reason: /^null message value$/ },
      { value: 'x'.repeat(1_000_000), reason: /^message value of 1000000 bytes exceeds the 262144-byte limit$/ },
      { value: Buffer.from([0xff, 0xfe, 0x7b]), reason: /^message value is not JSON$/ },
      { value: '{"user_id":7,"item_id":1,"interaction_type":1,"created_at":1471219300,"extra":1}', reason: /^unknown field extra$/ },
    ];
    // Interleaved: a valid message, a poison one, ... ; 3 rounds of every kind.
    const messages: { key: string | null; value: string | Buffer | null }[] = [];
    const expected: { offset: number; reason: RegExp }[] = [];
    const validValues: string[] = [];
    for (let round = 0; round < 3; round++) {
      poison.forEach((p, k) => {
        const v = valid(round * 100 + k);
        validValues.push(v);
        messages.push({ key: '7', value: v });
        expected.push({ offset: messages.length, reason: p.reason });
        messages.push({ key: round === 1 ? null : '7', value: p.value });
      });
    }
    await produceRaw(brokers, `${prefix}.interactions`, messages);
    const impressionPoison = [
      { value: '{"user_id":7,"year":2016,"week":33,"items":[]}', reason: /^items must NOT have fewer than 1 items$/ },
      { value: validValues[0]!, reason: /^an interaction record on the impressions topic$/ },
      { value: '{"user_id":7,"year":2015,"week":53,"items":[1]}', reason: null },
      { value: '{"user_id":7,"year":2016,"week":53,"items":[1]}', reason: /^week 53 does not exist in ISO year 2016$/ },
    ];
    await produceRaw(brokers, `${prefix}.impressions`, [
      { key: '7', value: ok(encodeImpression({ user_id: 7, year: 2016, week: 33, items: [5, 6, 7] })) },
      ...impressionPoison.map((p) => ({ key: '7', value: p.value })),
    ]);

    const source = await open(prefix, `${prefix}-g`);
    const got = await driveSource(source, { maxEvents: 5 });
    expect(got.ended).toBe(true);
    // The valid events, unaffected: every valid interaction, the valid impressions (one in 2016-W33, one in 2015-W53).
    const all = [...got.windows.values()].flat().sort();
    const validInteractions = validValues.map((v) => {
      const r = JSON.parse(v) as { user_id: number; item_id: number; interaction_type: number; created_at: number };
      return interactionKey(r.user_id, r.item_id, r.interaction_type, r.created_at);
    });
    const w53 = 1451260800; // Monday 2015-12-28, ISO 2015-W53
    expect(all).toEqual([...validInteractions, pairKey(7, 5, WEEK33_S), pairKey(7, 6, WEEK33_S), pairKey(7, 7, WEEK33_S), pairKey(7, 1, w53)].sort());
    const badInteractions = expected.length;
    expect(got.badEvents).toBe(badInteractions + 3);

    const dead = await drainTopic(brokers, `${prefix}.dead-letters`, `${prefix}-dl`);
    const validate = validatorFor('kafka-dead-letter.schema.json');
    const letters = dead.map((m) => JSON.parse(m.value) as { reason: string; origin: { topic: string; partition: number; offset: number }; value: string | null; valueBytes: number; truncated: boolean; key: string | null });
    for (const l of letters) expect(validate(l), JSON.stringify(validate.errors)).toBe(true);
    const interactionLetters = letters.filter((l) => l.origin.topic === `${prefix}.interactions`).sort((a, b) => a.origin.offset - b.origin.offset);
    expect(interactionLetters.map((l) => l.origin.offset)).toEqual(expected.map((e) => e.offset));
    interactionLetters.forEach((l, i) => {
      expect(l.reason).toMatch(expected[i]!.reason);
      expect(l.origin.partition).toBe(0);
    });
    const big = interactionLetters.find((l) => l.valueBytes === 1_000_000)!;
    expect(big.truncated).toBe(true);
    expect(big.value!.length).toBe(64 * 1024);
    expect(interactionLetters.filter((l) => l.key === null)).toHaveLength(poison.length);
    const impressionLetters = letters.filter((l) => l.origin.topic === `${prefix}.impressions`).sort((a, b) => a.origin.offset - b.origin.offset);
    expect(impressionLetters.map((l) => [l.origin.offset, l.reason])).toEqual(
      impressionPoison.flatMap((p, i) => (p.reason ? [[i + 1, expect.stringMatching(p.reason)]] : [])),
    );
    await source.close();
  });
});

describe('Kafka source: retention', () => {
  it('stops naming the partition and the lost range when a position was deleted; with fromEarliestAvailable it goes on and counts the loss', async () => {
    await requireBroker(brokers);
    const prefix = uniquePrefix('retention');
    const topic = `${prefix}.interactions`;
    await ensureTopics(brokers, [topic, `${prefix}.impressions`], { partitions: 1 });
    const values = Array.from({ length: 50 }, (_, i) => {
      const r = encodeInteraction({ user_id: 7, item_id: 100 + i, interaction_type: 1, created_at: WEEK33_S + 60 * i });
      if (!r.ok) throw new Error(r.reason);
      return r.message.value;
    });
    await produceRaw(brokers, topic, values.map((value) => ({ key: '7', value })));
    const group = `${prefix}-g`;

    const first = await open(prefix, group);
    const part1 = await driveSource(first, { maxEvents: 5, stopAfterEvents: 10 });
    expect(part1.events).toBe(10);
    const position = first.position();
    expect(position.partitions.find((p) => p.topic === topic)!.offset).toBe(10);
    await first.close();

    await deleteRecordsBelow(brokers, topic, 0, 30);
    const refused = await open(prefix, group);
    const err = await refused.seek(position).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('DF_ERR_SOURCE_RETENTION');
    expect((err as InputError).message).toContain(`${topic}:0 offsets 10-29 (20 messages)`);
    expect((err as InputError).message).toContain('--from-earliest-available');
    await refused.close();

    const accepting = await open(prefix, group, { fromEarliestAvailable: true });
    await accepting.seek(position);
    const part2 = await driveSource(accepting, { maxEvents: 5, open: part1.open });
    expect(part2.ended).toBe(true);
    expect(part2.batches.flatMap((b) => b.lost ?? [])).toEqual([{ partition: `${topic}:0`, fromOffset: 10, toOffset: 29, messages: 20 }]);
    expect([...part2.windows.values()].flat().map((s) => Number(s.split(' ')[2]))).toEqual(Array.from({ length: 20 }, (_, i) => 130 + i));
    await accepting.close();
  });

  it('finds the loss when records are deleted after the seek, at the fetch', async () => {
    await requireBroker(brokers);
    const prefix = uniquePrefix('retention2');
    const topic = `${prefix}.interactions`;
    await ensureTopics(brokers, [topic, `${prefix}.impressions`], { partitions: 1 });
    const values = Array.from({ length: 40 }, (_, i) => {
      const r = encodeInteraction({ user_id: 7, item_id: 100 + i, interaction_type: 1, created_at: WEEK33_S + 60 * i });
      if (!r.ok) throw new Error(r.reason);
      return r.message.value;
    });
    await produceRaw(brokers, topic, values.map((value) => ({ key: '7', value })));
    const source = await open(prefix, `${prefix}-g`);
    await source.seek({ source: 'kafka', partitions: [{ topic, partition: 0, offset: 5, pairs: 0 }, { topic: `${prefix}.impressions`, partition: 0, offset: 0, pairs: 0 }] });
    await deleteRecordsBelow(brokers, topic, 0, 25);
    const err = await driveSource(source, { timeoutMs: 30_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(`${topic}:0 offsets 5-24 (20 messages)`);
    await source.close();
  });
});

describe('Kafka source: the run owns its group', () => {
  it('stops when another member joins the group, naming it; the other stops too', async () => {
    await requireBroker(brokers);
    await generate();
    const prefix = uniquePrefix('member');
    await produceDataset({ dataDir: dataDir!, brokers, topicPrefix: prefix, partitions: 2 });
    const group = groupIdForOutput(join(tmpdir(), prefix));
    const runner = await open(prefix, group, { untilIdleMs: undefined });
    // The runner is under way (slowly: it never ends on its own), then a second consumer joins its group.
    await driveSource(runner, { maxEvents: 10, stopAfterEvents: 50 });
    const intruder = await open(prefix, group, { untilIdleMs: undefined, client: { clientId: 'intruder-7' } });
    const pullUntilError = async (s: KafkaEventSource): Promise<unknown> => {
      const deadline = Date.now() + 45_000;
      while (Date.now() < deadline) {
        try {
          await s.pull({ beforeS: -Infinity, maxEvents: 10 });
        } catch (e) {
          return e;
        }
      }
      return new Error('no error within 45 s');
    };
    const [runnerErr, intruderErr] = await Promise.all([pullUntilError(runner), pullUntilError(intruder)]);
    expect(runnerErr).toBeInstanceOf(DyadflowError);
    expect((runnerErr as DyadflowError).code).toBe('DF_ERR_KAFKA_GROUP_MEMBER');
    expect((runnerErr as Error).message).toContain(`another consumer joined group ${group}`);
    expect((runnerErr as Error).message).toContain('client id intruder-7');
    expect((intruderErr as DyadflowError).code).toBe('DF_ERR_KAFKA_GROUP_MEMBER');
    await Promise.all([runner.close(), intruder.close()]);
  });

  it("ignores the member a killed run left behind on this host (it holds nothing and times out); a restart is not an intruder", async () => {
    await requireBroker(brokers);
    await generate();
    const prefix = uniquePrefix('ghost');
    await produceDataset({ dataDir: dataDir!, brokers, topicPrefix: prefix, partitions: 2 });
    const group = `${prefix}-g`;
    const lines: string[] = [];
    const runner = await open(prefix, group, { untilIdleMs: undefined, log: (l) => lines.push(l) });
    await driveSource(runner, { maxEvents: 10, stopAfterEvents: 50 });
    // A member that says it is a run of this host whose process has exited: what a run SIGKILLed while it joined
    // leaves in the group until its session times out.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    const ghostIdentity = { token: 'ghost-token', clientId: 'ghost', host: hostname(), pid: deadPid };
    const ghost = new Kafka({ brokers, clientId: 'ghost', logLevel: logLevel.NOTHING }).consumer({
      groupId: group,
      partitionAssigners: [ownerAssignor(ghostIdentity, () => undefined)],
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
    });
    let ghostAssignment: Record<string, number[]> | null = null;
    ghost.on(ghost.events.GROUP_JOIN, (e) => (ghostAssignment = e.payload.memberAssignment));
    await ghost.connect();
    await ghost.subscribe({ topics: [`${prefix}.interactions`, `${prefix}.impressions`], fromBeginning: true });
    await ghost.run({ eachBatch: async () => undefined });
    try {
      // The runner goes on pulling through the rebalance the ghost caused; it never fails.
      const deadline = Date.now() + 45_000;
      while (ghostAssignment === null && Date.now() < deadline) await runner.pull({ beforeS: -Infinity, maxEvents: 10 });
      for (let i = 0; i < 20; i++) await runner.pull({ beforeS: -Infinity, maxEvents: 10 });
      expect(ghostAssignment).not.toBeNull();
      expect(Object.values(ghostAssignment!).flat()).toEqual([]);
      expect(lines.filter((l) => l.includes(`pid ${deadPid} on ${hostname()}`) && l.includes('no longer running'))).toHaveLength(1);
    } finally {
      await ghost.disconnect();
    }
  });
});

describe('Kafka source: idleness', () => {
  it('a silent partition stops holding the watermark back after the idle timeout, and batches say so', async () => {
    await requireBroker(brokers);
    const prefix = uniquePrefix('idle');
    await ensureTopics(brokers, [`${prefix}.interactions`], { partitions: 2 });
    await ensureTopics(brokers, [`${prefix}.impressions`], { partitions: 1 });
    // Users whose key lands in partition 0: partition 1 of the interactions topic stays empty.
    const users = Array.from({ length: 200 }, (_, i) => i + 1).filter((u) => partitionOfKey(String(u), 2) === 0).slice(0, 5);
    const values = Array.from({ length: 30 }, (_, i) => {
      const r = encodeInteraction({ user_id: users[i % users.length]!, item_id: 100 + i, interaction_type: 1, created_at: WEEK33_S + 86400 * (i % 14) });
      if (!r.ok) throw new Error(r.reason);
      return r.message.value;
    });
    await produceRaw(brokers, `${prefix}.interactions`, values.map((value) => ({ key: '7', value })), 0);
    const imp = (week: number): string => {
      const r = encodeImpression({ user_id: users[0]!, year: 2016, week, items: [1, 2] });
      if (!r.ok) throw new Error(r.reason);
      return r.message.value;
    };
    await produceRaw(brokers, `${prefix}.impressions`, [33, 34, 35].map((w) => ({ key: String(users[0]), value: imp(w) })));

    const source = await open(prefix, `${prefix}-g`, { idlePartitionTimeoutMs: 2000, untilIdleMs: undefined });
    const t0 = Date.now();
    const silent = `${prefix}.interactions:1`;
    let firstIdle: { atMs: number; watermarkS: number; withoutS: number | undefined; idle: readonly string[] } | undefined;
    const drive = await driveSource(source, {
      maxEvents: 20,
      stopAfterEvents: 30 + 4,
      timeoutMs: 30_000,
      onBatch: (b) => {
        if (!firstIdle && (b.idlePartitions ?? []).length > 0) firstIdle = { atMs: Date.now() - t0, watermarkS: b.watermarkS, withoutS: b.watermarkWithoutIdlenessS, idle: b.idlePartitions! };
        if (!firstIdle) expect(b.watermarkS).toBe(-Infinity);
      },
    });
    expect(firstIdle).toBeDefined();
    expect(firstIdle!.atMs).toBeGreaterThanOrEqual(2000);
    expect(firstIdle!.idle).toEqual([silent]);
    expect(firstIdle!.watermarkS).toBe(WEEK33_S);
    expect(firstIdle!.withoutS).toBe(-Infinity);
    // The watermark moved on without the silent partition: week 33's window closed, and week 34's.
    expect(drive.windows.has('2016-W33')).toBe(true);
    expect(drive.windows.has('2016-W34')).toBe(true);
    await source.close();
  });
});
