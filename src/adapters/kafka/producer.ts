// The record producer: batches of pre-serialised messages to one or more topics, acknowledged by all in-sync
// replicas (acks -1), uncompressed (the values are small JSON; compression cost more than it saved here).
import { CompressionTypes, type Message, type PartitionMetadata, type Producer } from 'kafkajs';
import type { DyadflowError } from '../../core/errors.js';
import { createKafka, withAdmin, type KafkaClientOptions } from './client.js';
import { wrapKafkaError } from './errors.js';
import type { OutgoingMessage } from './messages.js';
import { partitionOfKey } from './partition.js';

/** Messages for one topic. */
export interface TopicBatch {
  topic: string;
  messages: OutgoingMessage[];
}

/** What dyadflow needs of a Kafka producer; no kafkajs type crosses it. */
export interface RecordProducer {
  /**
   * Sends the batches (one request per partition, each after that partition's previous one). With `maxInFlight`
   * 1 it resolves once they are acknowledged (acks -1); with more it resolves once fewer than `maxInFlight`
   * send() calls are unacknowledged, and a failure surfaces at a later send or at flush().
   */
  send(batches: TopicBatch[]): Promise<void>;
  /** Resolves when every send so far is acknowledged; rejects with the first failure. */
  flush(): Promise<void>;
  /** Disconnects (without flushing: call flush() first to know every message arrived). Safe to call twice. */
  close(): Promise<void>;
}

/** Producer options. */
export interface ProducerOptions extends KafkaClientOptions {
  /** Broker-side wait for the acks, per request. Default 30000 ms. */
  ackTimeoutMs?: number;
  /**
   * send() calls awaiting acknowledgement at once (default 1: send() resolves when acknowledged). More hides the
   * round trip behind the encoding of the next batch; order per partition holds either way (see connectProducer).
   */
  maxInFlight?: number;
}

/**
 * Connects a producer to `brokers`. A message goes to the partition of its key under the Java client's default
 * partitioner (murmur2, as kafkajs's DefaultPartitioner; partition.ts), computed here, so that each partition has its own lane:
 * a partition's requests go one after the other (a retry included) while different partitions' requests overlap.
 * (Concurrent kafkajs sends of one partition can overtake each other, we saw it: hence the lanes.)
 */
export async function connectProducer(brokers: string[], options: ProducerOptions = {}): Promise<RecordProducer> {
  const maxInFlight = Math.max(1, Math.floor(options.maxInFlight ?? 1));
  const kafka = createKafka(brokers, options);
  // Every message reaches kafkajs with its partition set (below), so its partitioner only reads it back.
  const producer: Producer = kafka.producer({ createPartitioner: () => ({ message }) => message.partition!, allowAutoTopicCreation: false });
  try {
    await producer.connect();
  } catch (err) {
    throw wrapKafkaError(err, `cannot connect to Kafka at ${brokers.join(',')}`);
  }
  const timeout = options.ackTimeoutMs ?? 30_000;
  const partitionsOf = new Map<string, PartitionMetadata[]>();
  const lanes = new Map<string, Promise<void>>();
  const outstanding = new Set<Promise<void>>();
  let closed = false;
  let failure: DyadflowError | undefined;
  const check = (): void => {
    if (failure) throw failure;
  };

  const partitionMetadata = async (topics: string[]): Promise<void> => {
    const unknown = topics.filter((t) => !partitionsOf.has(t));
    if (unknown.length === 0) return;
    await withAdmin(brokers, options, async (admin) => {
      try {
        for (const t of (await admin.fetchTopicMetadata({ topics: unknown })).topics) partitionsOf.set(t.name, t.partitions);
      } catch (err) {
        throw wrapKafkaError(err, `cannot produce to ${unknown.join(', ')}`);
      }
    });
  };

  const sendLane = (topic: string, partition: number, messages: Message[]): Promise<void> => {
    const key = `${partition}\u0000${topic}`;
    const tail = (lanes.get(key) ?? Promise.resolve()).then(async () => {
      if (failure) return; // a lane behind a failure sends nothing more
      try {
        await producer.send({ topic, messages, acks: -1, timeout, compression: CompressionTypes.None });
      } catch (err) {
        failure ??= wrapKafkaError(err, `cannot produce to ${topic}`);
      }
    });
    lanes.set(key, tail);
    return tail;
  };

  return {
    async send(batches) {
      check();
      const nonEmpty = batches.filter((b) => b.messages.length > 0);
      if (nonEmpty.length === 0) return;
      await partitionMetadata(nonEmpty.map((b) => b.topic));
      const requests: Promise<void>[] = [];
      for (const { topic, messages } of nonEmpty) {
        const partitions = partitionsOf.get(topic)!.length;
        const groups = new Map<number, Message[]>();
        for (const m of messages) {
          const partition = partitionOfKey(m.key, partitions);
          let g = groups.get(partition);
          if (!g) groups.set(partition, (g = []));
          g.push({ key: m.key, value: m.value, partition });
        }
        for (const [partition, group] of groups) requests.push(sendLane(topic, partition, group));
      }
      const done = Promise.all(requests).then(() => undefined);
      outstanding.add(done);
      void done.finally(() => outstanding.delete(done));
      while (outstanding.size >= maxInFlight) await Promise.race(outstanding);
      check();
    },
    async flush() {
      await Promise.all(outstanding);
      check();
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(outstanding);
      await producer.disconnect().catch(() => undefined);
    },
  };
}
