// produceDataset without a broker: a recording producer stands in for Kafka, so the merge order, the batching,
// the pacing and the dead letters are checked exactly.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LimiterClock, RecordProducer, TopicBatch } from '../../../src/adapters/kafka/index.js';
import { estimateMessages, produceDataset } from '../../../pipelines/produce.js';

function recordingProducer(): RecordProducer & { sends: TopicBatch[][]; flushed: number; closed: boolean } {
  const p = {
    sends: [] as TopicBatch[][],
    flushed: 0,
    closed: false,
    send: async (batches: TopicBatch[]) => {
      p.sends.push(batches.map((b) => ({ topic: b.topic, messages: [...b.messages] })));
    },
    flush: async () => {
      p.flushed++;
    },
    close: async () => {
      p.closed = true;
    },
  };
  return p;
}

const INTERACTIONS_HEADER = 'user_id\titem_id\tinteraction_type\tcreated_at\n';
const IMPRESSIONS_HEADER = 'user_id\tyear\tweek\titems\n';
// 2016-W33 starts on Monday 2016-08-15 00:00 UTC = 1471219200; W34 one week later.
const W33 = 1471219200;
const W34 = W33 + 7 * 86400;

describe('produceDataset (recording producer)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyadflow-produce-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('merges both files by event time, an impression first on a tie, into the two topics', async () => {
    writeFileSync(
      join(dir, 'interactions.csv'),
      INTERACTIONS_HEADER + `1\t10\t1\t${W33 - 5}\n2\t11\t4\t${W33}\n1\t12\t2\t${W33 + 60}\n3\t13\t3\t${W34 + 1}\n`,
    );
    writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS_HEADER + '2\t2016\t33\t11,12\n3\t2016\t34\t13\n');
    const producer = recordingProducer();
    // One message per send exposes the global merge order.
    const s = await produceDataset({ dataDir: dir, brokers: [], producer, topicPrefix: 'p', maxBatchMessages: 1 });
    const order = producer.sends.map((batches) => {
      const b = batches.find((x) => x.messages.length > 0)!;
      return `${b.topic} ${b.messages[0]!.key} ${b.messages[0]!.value}`;
    });
    expect(order).toEqual([
      `p.interactions 1 {"user_id":1,"item_id":10,"interaction_type":1,"created_at":${W33 - 5}}`,
      'p.impressions 2 {"user_id":2,"year":2016,"week":33,"items":[11,12]}',
      `p.interactions 2 {"user_id":2,"item_id":11,"interaction_type":4,"created_at":${W33}}`,
      `p.interactions 1 {"user_id":1,"item_id":12,"interaction_type":2,"created_at":${W33 + 60}}`,
      'p.impressions 3 {"user_id":3,"year":2016,"week":34,"items":[13]}',
      `p.interactions 3 {"user_id":3,"item_id":13,"interaction_type":3,"created_at":${W34 + 1}}`,
    ]);
    expect(s.messages).toEqual({ interactions: 4, impressions: 2, total: 6 });
    expect(s.deletes).toBe(1);
    expect(s.sends).toBe(6);
    expect(s.firstEventS).toBe(W33 - 5);
    expect(s.lastEventS).toBe(W34 + 1);
    expect(s.createdTopics).toEqual([]);
    expect(producer.flushed).toBe(1);
    expect(producer.closed).toBe(true);
  });

  it('sends batches of at most maxBatchMessages, and splits on maxBatchBytes', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `${i}\t${i}\t1\t${W33 + i}`).join('\n');
    writeFileSync(join(dir, 'interactions.csv'), INTERACTIONS_HEADER + rows + '\n');
    writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS_HEADER);
    const byCount = recordingProducer();
    await produceDataset({ dataDir: dir, brokers: [], producer: byCount, maxBatchMessages: 10 });
    expect(byCount.sends.map((b) => b[0]!.messages.length)).toEqual([10, 10, 5]);
    const byBytes = recordingProducer();
    // Each message is 1-2 key bytes + ~70 value bytes: 150 bytes hold two.
    await produceDataset({ dataDir: dir, brokers: [], producer: byBytes, maxBatchBytes: 150 });
    expect(byBytes.sends.every((b) => b[0]!.messages.length <= 3)).toBe(true);
    expect(byBytes.sends.flatMap((b) => b[0]!.messages.map((m) => m.key))).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
  });

  it('paces sends with the token bucket: about rate/10 messages per send, waiting as the rate requires', async () => {
    const rows = Array.from({ length: 100 }, (_, i) => `${i}\t${i}\t1\t${W33 + i}`).join('\n');
    writeFileSync(join(dir, 'interactions.csv'), INTERACTIONS_HEADER + rows + '\n');
    writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS_HEADER);
    const clock: LimiterClock & { t: number } = {
      t: 0,
      nowMs: () => clock.t,
      sleep: async (ms) => {
        clock.t += ms;
      },
    };
    const producer = recordingProducer();
    await produceDataset({ dataDir: dir, brokers: [], producer, ratePerS: 200, clock });
    expect(producer.sends.map((b) => b[0]!.messages.length)).toEqual([20, 20, 20, 20, 20]);
    // 100 messages at 200/s with a burst of 20: the last one is due at (100 - 20) / 200 s.
    expect(clock.t).toBe(400);
  });

  it('counts bad rows and out-of-order rows, and writes bad rows only to the dead-letter file', async () => {
    writeFileSync(join(dir, 'interactions.csv'), INTERACTIONS_HEADER + `1\t10\t1\t${W33 + 100}\n1\t10\t7\t${W33}\n2\t11\t1\t${W33 + 50}\n`);
    writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS_HEADER + '1\t2016\t34\t1\n1\t2016\t33\t\n1\t2016\t33\t2\n');
    const producer = recordingProducer();
    const file = join(dir, 'letters', 'dead-letters.ndjson');
    mkdirSync(join(dir, 'letters'));
    const s = await produceDataset({ dataDir: dir, brokers: [], producer, deadLettersPath: file });
    expect(s.messages).toEqual({ interactions: 2, impressions: 2, total: 4 });
    expect(s.badRows).toMatchObject({ count: 2, deadLetters: file, interactions: 1, impressions: 1 });
    expect(s.outOfOrder).toEqual({ interactions: 1, impressions: 1 });
    const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(header!)).toEqual({ dyadflow: 'dead-letters', formatVersion: 1 });
    const dead = rows.map((l) => JSON.parse(l) as { line: number });
    expect(dead.map((d) => d.line).sort()).toEqual([3, 3]);
    const sentValues = producer.sends.flatMap((b) => b.flatMap((x) => x.messages.map((m) => m.value)));
    expect(sentValues.some((v) => v.includes('"interaction_type":7'))).toBe(false);
  });

  it('estimates the messages of a dataset from its line counts', async () => {
    writeFileSync(join(dir, 'interactions.csv'), INTERACTIONS_HEADER + '1\t1\t1\t1\n2\t2\t2\t2');
    writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS_HEADER + '1\t2016\t33\t1\n');
    expect(await estimateMessages(dir)).toBe(3);
    expect(await estimateMessages(join(dir, 'missing'))).toBe(0);
  });
});

// Issue 9 items 1 and 4: the dead-letter file is checked before the first send; it never goes into the data
// folder; a file that is not a dead-letter file is never replaced or removed.
describe('produceDataset dead letters (issue 9)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyadflow-produce-dl-'));
    writeFileSync(join(dir, 'interactions.csv'), INTERACTIONS_HEADER + `1\t10\t1\t${W33}\nx\t10\t1\t${W33}\n`);
    writeFileSync(join(dir, 'impressions.csv'), IMPRESSIONS_HEADER + '1\t2016\t33\t10\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('without a dead-letter file: nothing is written into the data folder; the count and first reasons are returned', async () => {
    const producer = recordingProducer();
    const s = await produceDataset({ dataDir: dir, brokers: [], producer });
    expect(readdirSync(dir).sort()).toEqual(['impressions.csv', 'interactions.csv']);
    expect(s.badRows).toMatchObject({ count: 1, deadLetters: null, first: [{ file: join(dir, 'interactions.csv'), line: 3, reason: expect.stringMatching(/user_id/) }] });
  });

  it('refuses a dead-letter path that holds another file, before any send, and leaves it as it was', async () => {
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'mine\n');
    const producer = recordingProducer();
    await expect(produceDataset({ dataDir: dir, brokers: [], producer, deadLettersPath: notes })).rejects.toThrow(/not a dyadflow dead-letter file/);
    expect(producer.sends).toEqual([]);
    expect(readFileSync(notes, 'utf8')).toBe('mine\n');
  });

  it('refuses a dead-letter path in a missing folder before any send', async () => {
    const producer = recordingProducer();
    await expect(produceDataset({ dataDir: dir, brokers: [], producer, deadLettersPath: join(dir, 'nope', 'dl.ndjson') })).rejects.toThrow(/no such folder/);
    expect(producer.sends).toEqual([]);
  });
});
