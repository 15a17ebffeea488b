// Issue 12, "Must show", poison, through the real CLI: a generated dataset's events (3 interaction and 2 impression
// partitions) with 10,000 malformed messages of twelve kinds interleaved at random places, the first and last message
// of some partitions among them: not JSON (text and binary), wrong types, missing fields, an unknown interaction type,
// negative ids, huge numbers, an empty item list, an impression on the interactions topic and an interaction on the
// impressions topic, null values, and three 1,000,000-byte values. `dyadflow run --source kafka:` goes on through
// them: each lands in P.dead-letters once with its reason and origin (topic, partition, offset); each window counts
// the ones its partitions passed (a bad message counts in the window of the event before it in its partition, or the
// first window); and the output is the file run's on the same events apart from those counts and source positions.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImpression, encodeInteraction } from '../../../src/adapters/kafka/index.js';
import { isoWeekStartS } from '../../../src/core/time/iso-week.js';
import { windowAt } from '../../../src/core/window/window.js';
import { runCliProcess } from '../../helpers/cli-process.js';
import {
  createTopics,
  drainTopic,
  highWatermarks,
  kafkaRunArgs,
  metricsLines,
  produceRaw,
  readRecsysFiles,
  reproducibleFiles,
  testBrokers,
  uniquePrefix,
  windowManifests,
  fileRunFixtureHooks,
  xorshift32,
} from '../../helpers/kafka.js';

const brokers = testBrokers();
const WEEK_S = 7 * 86400;
const POISON = 10_000;

/** One kind of malformed message: the topic it goes to, its value, the reason its dead letter must give. */
interface Kind {
  name: string;
  topic: 'interactions' | 'impressions';
  value: (n: number) => string | Buffer | null;
  reason: RegExp;
  /** At most this many (the 1 MB values). */
  max?: number;
}

const T = 1440000000; // inside tiny's weeks: the time of a malformed record does not matter
const KINDS: Kind[] = [
  { name: 'not JSON', topic: 'interactions', value: (n) => `{"user_id":${n},"item_id":`, reason: /^message value is not JSON$/ },
  { name: 'binary, not JSON', topic: 'impressions', value: (n) => Buffer.from([0xff, 0xfe, n & 0xff, 0x7b]), reason: /^message value is not JSON$/ },
  { name: 'wrong types', topic: 'interactions', value: (n) => `{"user_id":"${n}","item_id":1,"interaction_type":1,"created_at":${T}}`, reason: /^user_id must be integer$/ },
  { name: 'missing fields', topic: 'interactions', value: (n) => `{"user_id":${n},"item_id":1,"interaction_type":1}`, reason: /^missing field created_at$/ },
  { name: 'unknown interaction type', topic: 'interactions', value: (n) => `{"user_id":${n},"item_id":1,"interaction_type":9,"created_at":${T}}`, reason: /^unknown interaction_type$/ },
  { name: 'negative id', topic: 'interactions', value: (n) => `{"user_id":${n},"item_id":-3,"interaction_type":1,"created_at":${T}}`, reason: /^item_id must be >= 0$/ },
  { name: 'huge number', topic: 'interactions', value: (n) => `{"user_id":${n}000000000000,"item_id":1,"interaction_type":2,"created_at":${T}}`, reason: /^user_id must be <= 2147483647$/ },
  { name: 'empty item list', topic: 'impressions', value: (n) => `{"user_id":${n},"year":2015,"week":35,"items":[]}`, reason: /^items must NOT have fewer than 1 items$/ },
  { name: 'impression on the interactions topic', topic: 'interactions', value: (n) => `{"user_id":${n},"year":2015,"week":35,"items":[1,2]}`, reason: /^an impression record on the interactions topic$/ },
  { name: 'interaction on the impressions topic', topic: 'impressions', value: (n) => `{"user_id":${n},"item_id":1,"interaction_type":1,"created_at":${T}}`, reason: /^an interaction record on the impressions topic$/ },
  { name: 'null value', topic: 'interactions', value: () => null, reason: /^null message value$/ },
  { name: '1,000,000-byte value', topic: 'interactions', value: () => 'x'.repeat(1_000_000), reason: /^message value of 1000000 bytes exceeds the \d+-byte limit$/, max: 3 },
];

// Where the malformed messages go is random; the seed is in every failure message (DYADFLOW_TEST_SEED replays one).
const seed = Number(process.env.DYADFLOW_TEST_SEED ?? Date.now() % 2 ** 31);
const rand = xorshift32(seed);

/** A message of a partition: a valid event (with its event time) or a malformed one (its kind). */
type Slot = { key: string; value: string | Buffer | null; timeS: number | null; kind: Kind | null };

const fx = fileRunFixtureHooks('run-poison', 6, brokers);

describe('run --source kafka: with 10,000 malformed messages in a valid stream', () => {
  it('sends each to the dead letters with reason and origin, counts them per window, and otherwise writes the file run’s output', async () => {
    const why = `seed ${seed}`;
    const prefix = uniquePrefix('run-poison');
    const parts = { interactions: 3, impressions: 2 };
    await createTopics(brokers, [
      { topic: `${prefix}.interactions`, partitions: parts.interactions },
      { topic: `${prefix}.impressions`, partitions: parts.impressions },
    ]);
    // The valid events in event-time order, each partition a subsequence (so each is in order, as produce leaves it).
    const files = readRecsysFiles(fx.data);
    const lanes: Record<'interactions' | 'impressions', Slot[][]> = {
      interactions: Array.from({ length: parts.interactions }, () => []),
      impressions: Array.from({ length: parts.impressions }, () => []),
    };
    for (const r of files.interactions) {
      const e = encodeInteraction(r);
      if (!e.ok) throw new Error(e.reason);
      lanes.interactions[r.user_id % parts.interactions]!.push({ ...e.message, timeS: r.created_at, kind: null });
    }
    for (const r of files.impressions) {
      const e = encodeImpression(r);
      if (!e.ok) throw new Error(e.reason);
      lanes.impressions[r.user_id % parts.impressions]!.push({ ...e.message, timeS: isoWeekStartS(r.year, r.week), kind: null });
    }
    // The malformed ones, at random places; the first message of interactions:0 and the last of impressions:1 too.
    const counts = new Map<Kind, number>();
    const place = (kind: Kind, n: number, at?: 'first' | 'last'): void => {
      const lane = lanes[kind.topic][at === 'first' ? 0 : at === 'last' ? lanes[kind.topic].length - 1 : rand(lanes[kind.topic].length)]!;
      const i = at === 'first' ? 0 : at === 'last' ? lane.length : rand(lane.length + 1);
      lane.splice(i, 0, { key: `poison-${n}`, value: kind.value(n), timeS: null, kind });
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    };
    place(KINDS[0]!, 0, 'first');
    place(KINDS[7]!, 1, 'last');
    for (let n = 2; n < POISON; n++) {
      let kind = KINDS[n % KINDS.length]!;
      if (kind.max !== undefined && (counts.get(kind) ?? 0) >= kind.max) kind = KINDS[rand(KINDS.length - 1)]!;
      place(kind, n);
    }
    expect([...counts.values()].reduce((s, c) => s + c, 0)).toBe(POISON);
    for (const topic of ['interactions', 'impressions'] as const) {
      for (const [p, lane] of lanes[topic].entries()) await produceRaw(brokers, `${prefix}.${topic}`, lane.map(({ key, value }) => ({ key, value })), p);
      // Each message at its index: offsets are what the expectations below assume.
      expect([...(await highWatermarks(brokers, `${prefix}.${topic}`))].sort(([a], [b]) => a - b)).toEqual(lanes[topic].map((l, p) => [p, l.length]));
    }

    const out = join(fx.root, 'out-kafka');
    const r = await runCliProcess(kafkaRunArgs({ brokers, prefix, out, profiles: fx.data, untilIdle: '3s' }));
    expect(r.code, `${why}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toContain(`10000 bad events and 0 bad profile rows → ${prefix}.dead-letters`);

    // Counted per window: a malformed message in the window of the valid event before it in its partition.
    const firstWindow = windowAt(Math.min(...files.interactions.map((i) => i.created_at)), WEEK_S).id;
    const wantBad = new Map<string, number>();
    for (const topic of ['interactions', 'impressions'] as const) {
      for (const lane of lanes[topic]) {
        let window = firstWindow;
        for (const s of lane) {
          if (s.timeS !== null) window = windowAt(s.timeS, WEEK_S).id;
          else wantBad.set(window, (wantBad.get(window) ?? 0) + 1);
        }
      }
    }
    expect(wantBad.size, why).toBe(6); // every window has some
    const lines = metricsLines(out) as { window: string; events: { badEvents: number } }[];
    expect(Object.fromEntries(lines.map((l) => [l.window, l.events.badEvents])), why).toEqual(Object.fromEntries([...lines.map((l) => [l.window, 0]), ...wantBad]));
    const manifests = await windowManifests(out, ['source']);
    expect(Object.fromEntries(Object.entries(manifests).map(([id, m]) => [id, (m.events as { badEvents: number }).badEvents])), why).toEqual(
      Object.fromEntries(lines.map((l) => [l.window, l.events.badEvents])),
    );

    // Otherwise the file run's: features and models byte for byte, metrics and manifests once the counts are removed.
    const zeroBad = <T extends { events: { badEvents: number } }>(v: T): T => ({ ...v, events: { ...v.events, badEvents: 0 } });
    expect(lines.map(zeroBad), why).toEqual(metricsLines(fx.fileOut));
    expect(Object.values(manifests).map((m) => zeroBad(m as { events: { badEvents: number } })), why).toEqual(Object.values(await windowManifests(fx.fileOut, ['source'])));
    const comparable = (f: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'metrics.ndjson' && k !== 'report.md'));
    expect(comparable(await reproducibleFiles(out)), why).toEqual(comparable(await reproducibleFiles(fx.fileOut)));

    // Each malformed message once in P.dead-letters, with its reason and where it was.
    const letters = (await drainTopic(brokers, `${prefix}.dead-letters`, `${prefix}-dl`)).map(
      (m) => JSON.parse(m.value) as { reason: string; origin: { topic: string; partition: number; offset: number }; key: string; valueBytes: number; truncated: boolean; value: string | null },
    );
    expect(letters, why).toHaveLength(POISON);
    const byKey = new Map(letters.map((l) => [l.key, l]));
    expect(byKey.size).toBe(POISON);
    for (const topic of ['interactions', 'impressions'] as const) {
      for (const [partition, lane] of lanes[topic].entries()) {
        for (const [offset, s] of lane.entries()) {
          if (!s.kind) continue;
          const l = byKey.get(s.key);
          expect(l, `${why}: ${s.kind.name} ${s.key}`).toBeDefined();
          expect(l!.origin, `${why}: ${s.kind.name}`).toEqual({ topic: `${prefix}.${topic}`, partition, offset });
          expect(l!.reason, `${why}: ${s.kind.name}`).toMatch(s.kind.reason);
          if (s.value === null) expect(l!.value).toBeNull();
          if (typeof s.value === 'string' && s.value.length === 1_000_000) expect([l!.valueBytes, l!.truncated, l!.value!.length]).toEqual([1_000_000, true, 65536]);
        }
      }
    }
  }, 240_000);
});
