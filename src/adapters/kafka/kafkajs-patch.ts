// kafkajs 2.2.4 groups a send's messages by partition with `[...current, message]` per message
// (src/producer/groupMessagesPerPartition.js): quadratic in the messages per partition. At 10k-message batches that
// copy and its garbage took about half of the producer's CPU in our profile. kafkajs is unmaintained (dependencies.md),
// so, as with parquetjs-lite's row buffer, we use an internal of the pinned exact version: a linear grouping with the
// same output is put in the module cache before kafkajs's producer loads it. This module must be imported before
// anything imports `kafkajs` (client.ts imports it first); test/adapters/kafka/kafkajs-patch.test.ts checks that the
// grouping is the same as the original and that the patch is in force.
//
// The same way, the uncompressed record-batch encoding is replaced by a byte-identical one that writes a batch into
// one buffer (record-batch.ts): kafkajs's per-record Encoder, varint Buffers and Long arithmetic were most of what
// remained of the producer's CPU and garbage. It must be in place before kafkajs's produce request module loads.
import { createRequire } from 'node:module';
import { createFastRecordBatch, type EncoderClass, type RecordBatchFn, type RecordFn } from './record-batch.js';

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

const recordPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const recordBatchPath = require.resolve('kafkajs/src/protocol/recordBatch/v0/index.js');
const produceRequestPath = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');

/** kafkajs's own Record and RecordBatch (for the equivalence test) and its Encoder. */
export const kafkajsRecordOriginal = require(recordPath) as RecordFn;
export const kafkajsRecordBatchModuleOriginal = require(recordBatchPath) as { RecordBatch: RecordBatchFn; MAGIC_BYTE: number };
export const kafkajsEncoder = require('kafkajs/src/protocol/encoder.js') as EncoderClass;

/** The fast Record/RecordBatch pair installed into kafkajs. */
export const fastRecordBatch = createFastRecordBatch(kafkajsEncoder, kafkajsRecordOriginal, kafkajsRecordBatchModuleOriginal.RecordBatch);

function installRecordBatch(): boolean {
  // The produce request captures Record and RecordBatch when it loads: replace them before that, or not at all.
  if (kafkajsVersion !== '2.2.4' || require.cache[produceRequestPath]) return false;
  const record = require.cache[recordPath];
  const batch = require.cache[recordBatchPath];
  if (!record || !batch) return false;
  record.exports = fastRecordBatch.Record;
  batch.exports = { ...kafkajsRecordBatchModuleOriginal, RecordBatch: fastRecordBatch.RecordBatch };
  return true;
}

/** True when kafkajs's produce requests use the one-buffer record-batch encoding. */
export const kafkajsRecordBatchPatched: boolean = installRecordBatch();
