// The record producer: batches of pre-serialised messages to one or more topics, acknowledged by all in-sync
// replicas (acks -1), uncompressed (the values are small JSON; compression cost more than it saved here).
import { CompressionTypes, Partitioners, type Producer } from 'kafkajs';
import { createKafka, type KafkaClientOptions } from './client.js';
import { wrapKafkaError } from './errors.js';
import type { OutgoingMessage } from './messages.js';

/** Messages for one topic. */
export interface TopicBatch {
  topic: string;
  messages: OutgoingMessage[];
}

/** What dyadflow needs of a Kafka producer; no kafkajs type crosses it. */
export interface RecordProducer {
  /** Sends the batches in one request per broker and resolves once all are acknowledged (acks -1). */
  send(batches: TopicBatch[]): Promise<void>;
  /** Flushes nothing (sends are awaited) and disconnects. Safe to call twice. */
  close(): Promise<void>;
}

/** Producer options. */
export interface ProducerOptions extends KafkaClientOptions {
  /** Broker-side wait for the acks, per request. Default 30000 ms. */
  ackTimeoutMs?: number;
}

/**
 * Connects a producer to `brokers`. Messages with the same key go to the same partition (kafkajs's default,
 * Java-compatible murmur2 partitioner), and since every send is awaited before the next, a partition receives
 * them in the order they were sent.
 */
export async function connectProducer(brokers: string[], options: ProducerOptions = {}): Promise<RecordProducer> {
  const producer: Producer = createKafka(brokers, options).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  try {
    await producer.connect();
  } catch (err) {
    throw wrapKafkaError(err, `cannot connect to Kafka at ${brokers.join(',')}`);
  }
  const timeout = options.ackTimeoutMs ?? 30_000;
  let closed = false;
  return {
    async send(batches) {
      const topicMessages = batches.filter((b) => b.messages.length > 0);
      if (topicMessages.length === 0) return;
      try {
        await producer.sendBatch({ topicMessages, acks: -1, timeout, compression: CompressionTypes.None });
      } catch (err) {
        throw wrapKafkaError(err, `cannot produce to ${topicMessages.map((b) => b.topic).join(', ')}`);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await producer.disconnect().catch(() => undefined);
    },
  };
}
