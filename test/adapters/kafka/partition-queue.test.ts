// A partition's queue: decoded chunks handed out in offset order, bounded by the pull's time bound and room, an
// impression split across batches, bad messages and deletes passed without room, and the position's books.
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_VALUE_BYTES, decodeMessages, MSG_BAD, MSG_DELETE, MSG_IMPRESSION, MSG_INTERACTION, type BadMessage, type FetchedMessage } from '../../../src/adapters/kafka/message-chunk.js';
import { EventBatchBuilder, PartitionQueue, TAKE_AHEAD, TAKE_EMPTY, TAKE_FULL, type TakeCounters } from '../../../src/adapters/kafka/partition-queue.js';

const W33 = 1471219200; // Monday 2016-08-15 00:00 UTC, ISO 2016-W33
const W34 = W33 + 7 * 86400;
const msg = (offset: number, value: string | Buffer | null, key: string | null = '7'): FetchedMessage => ({
  offset: String(offset),
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
});
const interaction = (u: number, i: number, t: number, s: number): string => JSON.stringify({ user_id: u, item_id: i, interaction_type: t, created_at: s });
const impression = (u: number, week: number, items: number[]): string => JSON.stringify({ user_id: u, year: 2016, week, items });

function take(q: PartitionQueue, beforeS: number, maxEvents: number): { result: number; out: EventBatchBuilder; counters: TakeCounters; bad: BadMessage[] } {
  const out = new EventBatchBuilder(maxEvents, 4, 4);
  const counters = { droppedDeletes: 0, badEvents: 0 };
  const bad: BadMessage[] = [];
  const result = q.take(beforeS, out, counters, bad);
  return { result, out, counters, bad };
}

describe('decodeMessages', () => {
  it('decodes interactions, deletes and bad values into columns, skipping offsets below the start', () => {
    const c = decodeMessages('t.interactions', 2, 'interactions', [msg(9, interaction(1, 2, 1, W33)), msg(10, interaction(7, 100, 2, W33 + 5)), msg(11, interaction(7, 101, 4, W33 + 6)), msg(12, 'nope', null), msg(13, null)], 10, 1000);
    expect(c.length).toBe(4);
    expect([...c.offsets.subarray(0, 4)]).toEqual([10, 11, 12, 13]);
    expect([...c.kinds.subarray(0, 4)]).toEqual([MSG_INTERACTION, MSG_DELETE, MSG_BAD, MSG_BAD]);
    expect([c.userIds[0], c.itemIds[0], c.types[0], c.timesS[0]]).toEqual([7, 100, 2, W33 + 5]);
    expect(c.events).toBe(1);
    expect(c.bad.get(2)).toEqual({ topic: 't.interactions', partition: 2, offset: 12, reason: 'message value is not JSON', key: null, value: Buffer.from('nope'), valueBytes: 4 });
    expect(c.bad.get(3)!.reason).toBe('null message value');
    expect(c.valueBytes).toBe(interaction(7, 100, 2, W33 + 5).length + interaction(7, 101, 4, W33 + 6).length + 4);
  });

  it('decodes impressions (the Monday of the ISO week) and keeps only the first 64 KiB of a bad value', () => {
    const big = Buffer.alloc(100_000, 0x61);
    const c = decodeMessages('t.impressions', 0, 'impressions', [msg(0, impression(7, 33, [5, 6, 7])), msg(1, big), msg(2, '{"items":[1],"week":34,"year":2016,"user_id":8}')], 0, 256 * 1024);
    expect([...c.kinds.subarray(0, 3)]).toEqual([MSG_IMPRESSION, MSG_BAD, MSG_IMPRESSION]);
    expect([c.timesS[0], c.itemCounts[0], ...c.items.subarray(c.itemIds[0]!, c.itemIds[0]! + 3)]).toEqual([W33, 3, 5, 6, 7]);
    // Another field order takes the validator's path: same result.
    expect([c.userIds[2], c.timesS[2], c.itemCounts[2], c.items[c.itemIds[2]!]]).toEqual([8, W34, 1, 1]);
    expect(c.events).toBe(4);
    const bad = c.bad.get(1)!;
    expect(bad.reason).toBe('message value is not JSON');
    expect(bad.value!.length).toBe(DEAD_LETTER_VALUE_BYTES);
    expect(bad.valueBytes).toBe(100_000);
    // A copy, not a view of the fetch response.
    expect(bad.value!.buffer).not.toBe(big.buffer);
  });
});

describe('PartitionQueue', () => {
  it('hands out in offset order up to the bound; bad messages and deletes pass without room', () => {
    const q = new PartitionQueue('t.interactions', 0, 10);
    q.append(decodeMessages('t.interactions', 0, 'interactions', [msg(10, 'bad'), msg(11, interaction(7, 1, 1, W33)), msg(12, interaction(7, 2, 4, W33 + 1)), msg(13, interaction(7, 3, 1, W34)), msg(14, interaction(7, 4, 1, W33 + 2))], 10, 1000), 14);
    // A bad message at the head has no time and holds the partition where it is until a pull passes it.
    expect([q.headOffset, q.nextFetchOffset, q.queuedEvents, q.headTimeS(), q.tailTimeS]).toEqual([10, 15, 3, -Infinity, W33 + 2]);
    const a = take(q, W34, 10);
    expect(a.result).toBe(TAKE_AHEAD);
    expect([...a.out.intItems.subarray(0, a.out.interactions)]).toEqual([1]);
    expect(a.counters).toEqual({ droppedDeletes: 1, badEvents: 1 });
    expect(a.bad.map((b) => b.offset)).toEqual([10]);
    // Offset 14 (an earlier time behind a later one) waits behind 13: positions stay one offset per partition.
    expect([q.headOffset, q.headTimeS(), q.queuedEvents]).toEqual([13, W34, 2]);
    const b = take(q, Infinity, 10);
    expect(b.result).toBe(TAKE_EMPTY);
    expect([...b.out.intItems.subarray(0, b.out.interactions)]).toEqual([3, 4]);
    expect([q.empty, q.headOffset, q.queuedEvents, q.queuedBytes]).toEqual([true, 15, 0, 0]);
    expect(q.headTimeS()).toBeNaN();
  });

  it('splits an impression across batches and keeps the pairs taken as part of the position', () => {
    const q = new PartitionQueue('t.impressions', 1, 0);
    q.append(decodeMessages('t.impressions', 1, 'impressions', [msg(0, impression(7, 33, [5, 6, 7, 8, 9])), msg(1, impression(8, 33, [1]))], 0, 1000), 1);
    const a = take(q, Infinity, 2);
    expect(a.result).toBe(TAKE_FULL);
    expect([...a.out.impItems.subarray(0, 2)]).toEqual([5, 6]);
    expect([q.headOffset, q.pairsTaken]).toEqual([0, 2]);
    const b = take(q, Infinity, 4);
    // Exactly full and exactly empty: the queue ran out first.
    expect(b.result).toBe(TAKE_EMPTY);
    expect([...b.out.impUsers.subarray(0, 4)]).toEqual([7, 7, 7, 8]);
    expect([...b.out.impItems.subarray(0, 4)]).toEqual([7, 8, 9, 1]);
    expect([...b.out.impTimesS.subarray(0, 4)]).toEqual([W33, W33, W33, W33]);
    expect([q.headOffset, q.pairsTaken, q.empty]).toEqual([2, 0, true]);
  });

  it('resumes inside an impression after reset(offset, pairs), and refuses pairs an impression does not have', () => {
    const q = new PartitionQueue('t.impressions', 0, 0);
    q.reset(4, 3);
    q.append(decodeMessages('t.impressions', 0, 'impressions', [msg(4, impression(7, 33, [5, 6, 7, 8]))], 4, 1000), 4);
    const a = take(q, Infinity, 10);
    expect([...a.out.impItems.subarray(0, a.out.impressionPairs)]).toEqual([8]);
    const r = new PartitionQueue('t.impressions', 0, 0);
    r.reset(4, 4);
    r.append(decodeMessages('t.impressions', 0, 'impressions', [msg(4, impression(7, 33, [5, 6, 7, 8]))], 4, 1000), 4);
    expect(() => take(r, Infinity, 10)).toThrow(/an impression of 4 items, but the position says 4 were handed out/);
  });

  it('moves the next fetch offset past control records (a batch whose last offset is beyond its messages)', () => {
    const q = new PartitionQueue('t.interactions', 0, 0);
    q.append(decodeMessages('t.interactions', 0, 'interactions', [msg(0, interaction(7, 1, 1, W33))], 0, 1000), 3);
    expect([q.headOffset, q.nextFetchOffset]).toEqual([0, 4]);
    take(q, Infinity, 10);
    expect(q.headOffset).toBe(4);
  });
});

describe('decodeMessages offsets', () => {
  it('reads each offset when a batch has holes (compacted or transactional logs), else counts from the first', () => {
    const v = interaction(7, 1, 1, W33);
    expect([...decodeMessages('t', 0, 'interactions', [msg(5, v), msg(6, v), msg(7, v)], 0, 1000).offsets]).toEqual([5, 6, 7]);
    expect([...decodeMessages('t', 0, 'interactions', [msg(5, v), msg(8, v), msg(9, v)], 0, 1000).offsets]).toEqual([5, 8, 9]);
    expect([...decodeMessages('t', 0, 'interactions', [msg(5, v), msg(8, v), msg(9, v)], 8, 1000).offsets.subarray(0, 2)]).toEqual([8, 9]);
  });
});
