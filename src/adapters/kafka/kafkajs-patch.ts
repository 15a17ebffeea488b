// kafkajs 2.2.4 groups a send's messages by partition with `[...current, message]` per message
// (src/producer/groupMessagesPerPartition.js): quadratic in the messages per partition. At 10k-message batches that
// copy and its garbage took about half of the producer's CPU in our profile. kafkajs is unmaintained (dependencies.md),
// so, as with parquetjs-lite's row buffer, we use an internal of the pinned exact version: a linear grouping with the
// same output is put in the module cache before kafkajs's producer loads it. This module must be imported before
// anything imports `kafkajs` (client.ts imports it first); test/adapters/kafka/kafkajs-patch.test.ts checks that the
// grouping is the same as the original and that the patch is in force.
//
// The same way, the uncompressed Produce request is replaced by a byte-identical one that writes each partition's
// record batch into one buffer (record-batch.ts): kafkajs's per-message object copy, per-record Encoder, varint
// Buffers and Long arithmetic were most of what remained of the producer's CPU and garbage. It must be in place
// before kafkajs's Produce v4/v5 request modules load (they capture v3).
import { createRequire } from 'node:module';
import { createFastRecordBatchDecoder, type RecordBatchDecoderFn } from './record-batch-decoder.js';
import { createFastProduceRequest, type EncoderClass, type ProduceRequestFn, type RecordFn } from './record-batch.js';

type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number;
type Grouping = (args: { topic: string; partitionMetadata: unknown[]; messages: unknown[]; partitioner: Partitioner }) => Record<number, unknown[]>;

/** The same result as kafkajs's groupMessagesPerPartition, in linear time. */
export const groupMessagesPerPartitionLinear: Grouping = ({ topic, partitionMetadata, messages, partitioner }) => {
  const result: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
};

const require = createRequire(import.meta.url);
const groupingPath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const sendMessagesPath = require.resolve('kafkajs/src/producer/sendMessages.js');
const kafkajsVersion = (require('kafkajs/package.json') as { version: string }).version;

/** kafkajs's own grouping function (for the equivalence test). */
export const groupMessagesPerPartitionOriginal = require(groupingPath) as Grouping;

function install(): boolean {
  // Only the version whose internals we read; only if the producer has not captured the original already.
  if (kafkajsVersion !== '2.2.4' || require.cache[sendMessagesPath]) return false;
  const cached = require.cache[groupingPath];
  if (!cached) return false;
  cached.exports = groupMessagesPerPartitionLinear;
  return true;
}

/** True when kafkajs's producer will use the linear grouping. */
export const kafkajsGroupingPatched: boolean = install();

const produceV3Path = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
const produceV4Path = require.resolve('kafkajs/src/protocol/requests/produce/v4/request.js');
const produceV5Path = require.resolve('kafkajs/src/protocol/requests/produce/v5/request.js');
// Loaded before the replacement goes in: the originals (for compressed requests and the equivalence test).
const encoderClass = require('kafkajs/src/protocol/encoder.js') as EncoderClass;
const longClass = require('kafkajs/src/utils/long.js') as { fromInt(v: number): unknown };
const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number };

/** kafkajs's own Produce request v3 (for compressed requests and the equivalence test). */
export const kafkajsProduceRequestOriginal = require(produceV3Path) as ProduceRequestFn;

/** The fast Produce request v3 installed into kafkajs. */
export const fastProduceRequest: ProduceRequestFn = createFastProduceRequest({
  Encoder: encoderClass,
  Record: require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as RecordFn,
  request: kafkajsProduceRequestOriginal,
  longFromInt: (v) => longClass.fromInt(v),
  apiKey: apiKeys.Produce,
});

function installProduceRequest(): boolean {
  // Produce v4 and v5 (and through them v6, v7) capture v3 when they load: replace it before that, or not at all.
  if (kafkajsVersion !== '2.2.4' || require.cache[produceV4Path] || require.cache[produceV5Path]) return false;
  const cached = require.cache[produceV3Path];
  if (!cached) return false;
  cached.exports = fastProduceRequest;
  return true;
}

/** True when kafkajs's uncompressed Produce requests write each record batch into one buffer (record-batch.ts). */
export const kafkajsProduceRequestPatched: boolean = installProduceRequest();

// The consumer side: kafkajs's record batch decoder is replaced by one with the same output (record-batch-decoder.ts)
// before the Fetch response's message decoder (requests/fetch/v4/decodeMessages.js, which v5-v11 reuse) captures it.
const recordBatchDecoderPath = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const decodeMessagesPath = require.resolve('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js');

/** kafkajs's own record batch decoder (for what the fast path does not cover, and the equivalence test). */
export const kafkajsRecordBatchDecoderOriginal = require(recordBatchDecoderPath) as RecordBatchDecoderFn;

/** The record batch decoder installed into kafkajs. */
export const fastRecordBatchDecoder: RecordBatchDecoderFn = createFastRecordBatchDecoder(kafkajsRecordBatchDecoderOriginal);

function installRecordBatchDecoder(): boolean {
  if (kafkajsVersion !== '2.2.4' || require.cache[decodeMessagesPath]) return false;
  const cached = require.cache[recordBatchDecoderPath];
  if (!cached) return false;
  cached.exports = fastRecordBatchDecoder;
  return true;
}

/** True when kafkajs's consumer decodes uncompressed record batches with fastRecordBatchDecoder. */
export const kafkajsRecordBatchDecoderPatched: boolean = installRecordBatchDecoder();
