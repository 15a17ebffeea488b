import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  fastRecordBatch,
  kafkajsRecordBatchModuleOriginal,
  kafkajsRecordBatchPatched,
  kafkajsRecordOriginal,
} from '../../../src/adapters/kafka/kafkajs-patch.js';
import { crc32c } from '../../../src/adapters/kafka/crc32c.js';
import { murmur2, partitionOfKey } from '../../../src/adapters/kafka/partition.js';
import { PendingRecord, type KafkajsEncoder, type RecordArgs } from '../../../src/adapters/kafka/record-batch.js';

const require = createRequire(import.meta.url);
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (k: unknown) => number;

const field = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }), // lone surrogates included
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ minLength: 100, maxLength: 400 }), // varint lengths of two bytes
);
const message = fc.record(
  {
    key: field,
    value: field,
    headers: fc.oneof(fc.constant(undefined), fc.constant({}), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { minKeys: 1, maxKeys: 2 })),
    timestampDelta: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.constant(2 ** 30), fc.constant(-(2 ** 30) - 1)),
  },
  { requiredKeys: ['key', 'value', 'timestampDelta'] },
);

async function original(args: RecordArgs[], opts: Record<string, unknown>): Promise<Buffer> {
  const records = args.map((a) => kafkajsRecordOriginal(a));
  return (await kafkajsRecordBatchModuleOriginal.RecordBatch({ ...opts, records })).buffer;
}

async function fast(args: RecordArgs[], opts: Record<string, unknown>): Promise<Buffer> {
  const records = args.map((a) => fastRecordBatch.Record(a));
  return ((await fastRecordBatch.RecordBatch({ ...opts, records })) as KafkajsEncoder).buffer;
}

describe('kafkajs record-batch patch', () => {
  it('is in force for the pinned kafkajs 2.2.4: Record defers to the batch', () => {
    expect(kafkajsRecordBatchPatched).toBe(true);
    expect(require('kafkajs/src/protocol/recordBatch/record/v0/index.js')).toBe(fastRecordBatch.Record);
    expect((require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: unknown }).RecordBatch).toBe(fastRecordBatch.RecordBatch);
    expect(fastRecordBatch.Record({ key: 'k', value: 'v' })).toBeInstanceOf(PendingRecord);
  });

  it('encodes a known batch byte for byte as kafkajs does', async () => {
    const args: RecordArgs[] = [
      { key: '7', value: '{"user_id":7}', offsetDelta: 0, timestampDelta: 0 },
      { key: null, value: Buffer.from([1, 2, 3]), offsetDelta: 1, timestampDelta: -5 },
    ];
    const opts = { firstTimestamp: 1471219200000, maxTimestamp: 1471219200000, lastOffsetDelta: 1, producerEpoch: 0, firstSequence: 0 };
    const got = await fast(args, opts);
    expect(got.equals(await original(args, opts))).toBe(true);
    // FirstOffset 0, then the batch length, epoch 0, magic 2.
    expect(got.readBigInt64BE(0)).toBe(0n);
    expect(got.readInt32BE(8)).toBe(got.length - 12);
    expect(got[16]).toBe(2);
  });

  it('encodes every batch byte for byte as kafkajs does (strings, Buffers, nulls, headers, wide deltas)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 0, maxLength: 30 }),
        fc.record({ transactional: fc.boolean(), firstSequence: fc.nat(1000), producerEpoch: fc.nat(100), partitionLeaderEpoch: fc.nat(10) }),
        async (messages, extra) => {
          const args = messages.map((m, i) => ({ ...m, offsetDelta: i }));
          const opts = { ...extra, firstTimestamp: 1471219200000, maxTimestamp: 1471219201000, lastOffsetDelta: args.length - 1 };
          expect((await fast(args, opts)).equals(await original(args, opts))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives compressed batches to kafkajs unchanged', async () => {
    const args: RecordArgs[] = [{ key: 'a', value: 'x'.repeat(50), offsetDelta: 0, timestampDelta: 0 }];
    const opts = { compression: 1, firstTimestamp: 1, maxTimestamp: 1, lastOffsetDelta: 0 };
    expect((await fast(args, opts)).equals(await original(args, opts))).toBe(true);
  });

  it('rejects what kafkajs rejects (a number value)', async () => {
    const args: RecordArgs[] = [{ key: 'a', value: 5, offsetDelta: 0, timestampDelta: 0 }];
    const opts = { firstTimestamp: 1, maxTimestamp: 1, lastOffsetDelta: 0 };
    await expect(original(args, opts)).rejects.toThrow();
    await expect(fast(args, opts)).rejects.toThrow();
  });
});

describe('crc32c', () => {
  it('has the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('equals kafkajs crc32C on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(7), (a, skip) => {
        const b = Buffer.from(a).subarray(Math.min(skip, a.length)); // unaligned views too
        expect(crc32c(b)).toBe(kafkajsCrc32C(b));
      }),
    );
  });
});

describe('murmur2 partitioner', () => {
  it('equals kafkajs murmur2 on strings (ASCII and not) and Buffers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.nat().map(String), fc.uint8Array().map((a) => Buffer.from(a))), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }),
    );
  });

  it('places keys as the Java default partitioner does', () => {
    // toPositive(murmur2) % n, with murmur2 computed by kafkajs's implementation.
    for (const key of ['1000', '1', '', 'user-42', '6948']) {
      for (const n of [1, 3, 7]) expect(partitionOfKey(key, n)).toBe((kafkajsMurmur2(key) & 0x7fffffff) % n);
    }
    expect(murmur2('21')).toBe(-973932308); // Kafka's UtilsTest.testMurmur2 vector
  });
});
