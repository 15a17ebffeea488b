// The adapter's producer and topic helper against a real broker.
import { describe, expect, it } from 'vitest';
import { DyadflowError } from '../../../src/core/errors.js';
import { connectProducer, encodeInteraction, ensureTopics, type OutgoingMessage } from '../../../src/adapters/kafka/index.js';
import { drainTopic, requireBroker, testBrokers, topicMessageCount, uniquePrefix } from '../../helpers/kafka.js';

const brokers = testBrokers();

function messages(from: number, n: number, userId: number): OutgoingMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const enc = encodeInteraction({ user_id: userId, item_id: from + i, interaction_type: 1, created_at: 1471219200 + from + i });
    if (!enc.ok) throw new Error(enc.reason);
    return enc.message;
  });
}

describe('kafka adapter against a real broker', () => {
  it('ensureTopics creates missing topics once, with the partitions asked for, and leaves existing ones', async () => {
    await requireBroker(brokers);
    const p = uniquePrefix('topics');
    expect(await ensureTopics(brokers, [`${p}.a`, `${p}.b`], { partitions: 2 })).toEqual([`${p}.a`, `${p}.b`]);
    expect(await ensureTopics(brokers, [`${p}.a`, `${p}.c`], { partitions: 4 })).toEqual([`${p}.c`]);
    expect((await topicMessageCount(brokers, `${p}.a`)).partitions).toBe(2);
    expect((await topicMessageCount(brokers, `${p}.c`)).partitions).toBe(4);
  });

  it('keeps send order within a partition with several requests in flight', async () => {
    await requireBroker(brokers);
    const topic = `${uniquePrefix('order')}.interactions`;
    await ensureTopics(brokers, [topic], { partitions: 1 });
    const producer = await connectProducer(brokers, { maxInFlight: 4 });
    const sent: string[] = [];
    try {
      for (let b = 0; b < 40; b++) {
        const batch = messages(b * 50, 50, 7);
        sent.push(...batch.map((m) => m.value));
        await producer.send([{ topic, messages: batch }]);
      }
      await producer.flush();
    } finally {
      await producer.close();
    }
    const got = await drainTopic(brokers, topic, `${topic}-g`);
    expect(got.map((m) => m.value)).toEqual(sent);
    expect(new Set(got.map((m) => m.key))).toEqual(new Set(['7']));
  });

  it('reports a failed send as a DyadflowError (no auto-created topics)', async () => {
    await requireBroker(brokers);
    const topic = `${uniquePrefix('missing')}.interactions`;
    const producer = await connectProducer(brokers, { maxInFlight: 2, retries: 0, ackTimeoutMs: 5000 });
    try {
      const attempt = async (): Promise<void> => {
        await producer.send([{ topic, messages: messages(0, 3, 1) }]);
        await producer.flush();
      };
      const err = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DyadflowError);
      expect((err as DyadflowError).code).toMatch(/^DF_ERR_KAFKA/);
      expect((err as DyadflowError).message).toContain(`cannot produce to ${topic}`);
    } finally {
      await producer.close();
    }
  });
});
