import fc from 'fast-check';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fastProduceRequest, kafkajsProduceRequestOriginal, kafkajsProduceRequestPatched } from '../../../src/adapters/kafka/kafkajs-patch.js';
import { crc32c } from '../../../src/adapters/kafka/crc32c.js';
import { murmur2, partitionOfKey } from '../../../src/adapters/kafka/partition.js';
import type { KafkajsMessage, ProduceRequestArgs } from '../../../src/adapters/kafka/record-batch.js';

const require = createRequire(import.meta.url);
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (k: unknown) => number;
const Long = require('kafkajs/src/utils/long.js') as { fromNumber(v: number): unknown };

const NOW_MS = 1471219200123;

const field = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }), // lone surrogates included
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ maxLength: 8 }), // not a Buffer: kafkajs writes String(value), so must we
  fc.constant(null),
  fc.constant(undefined),
  fc.string({ minLength: 100, maxLength: 400 }), // varint lengths of two bytes
);
const message: fc.Arbitrary<KafkajsMessage> = fc.record(
  {
    key: field,
    value: field,
    headers: fc.oneof(fc.constant(undefined), fc.constant({}), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { minKeys: 1, maxKeys: 2 })),
    // Numbers and strings as kafkajs accepts them; near now, far from it (deltas past 2^30), and 0.
    timestamp: fc.oneof(
      fc.integer({ min: NOW_MS - 5000, max: NOW_MS + 5000 }),
      fc.integer({ min: 0, max: 2 ** 45 }),
      fc.integer({ min: -5000, max: 5000 }),
      fc.integer({ min: NOW_MS - 5000, max: NOW_MS + 5000 }).map(String),
      fc.constant(0),
    ),
  },
  { requiredKeys: ['key', 'value'] },
);
const partitions = fc.uniqueArray(
  fc.record({ partition: fc.nat(5), messages: fc.array(message, { maxLength: 12 }), firstSequence: fc.option(fc.nat(1000), { nil: undefined }) }),
  { selector: (p) => p.partition, maxLength: 3 },
);
const requestArgs: fc.Arbitrary<ProduceRequestArgs> = fc.record(
  {
    acks: fc.constantFrom(-1, 0, 1),
    timeout: fc.nat(60_000),
    transactionalId: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
    producerEpoch: fc.nat(100),
    producerId: fc.integer({ min: -1, max: 2 ** 40 }).map((v) => Long.fromNumber(v)),
    topicData: fc.array(fc.record({ topic: fc.string({ minLength: 1, maxLength: 12 }), partitions }), { maxLength: 3 }),
  },
  { requiredKeys: ['acks', 'timeout', 'topicData'] },
);

async function bytes(request: (a: ProduceRequestArgs) => { encode(): Promise<{ buffer: Buffer }> }, args: ProduceRequestArgs): Promise<Buffer> {
  return (await request(args).encode()).buffer;
}

describe('kafkajs Produce request patch', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is in force for the pinned kafkajs 2.2.4, in every Produce version built on v3', () => {
    expect(kafkajsProduceRequestPatched).toBe(true);
    expect(require('kafkajs/src/protocol/requests/produce/v3/request.js')).toBe(fastProduceRequest);
    const produce = require('kafkajs/src/protocol/requests/produce/index.js') as {
      protocol(v: { version: number }): (a: unknown) => { request: { apiVersion: number; encode: { name: string } } };
    };
    for (const version of [3, 4, 5, 6, 7]) {
      const { request } = produce.protocol({ version })({ acks: -1, timeout: 1000, topicData: [] });
      expect(request.apiVersion).toBe(version);
      expect(request.encode.name).toBe('encodeOneBufferPerBatch');
    }
  });

  it('encodes a known request byte for byte as kafkajs does', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW_MS);
    const args: ProduceRequestArgs = {
      acks: -1,
      timeout: 30000,
      topicData: [{ topic: 'dyadflow.interactions', partitions: [{ partition: 2, messages: [{ key: '7', value: '{"user_id":7}' }, { key: null, value: Buffer.from([1, 2, 3]) }] }] }],
    };
    const got = await bytes(fastProduceRequest, args);
    expect(got.equals(await bytes(kafkajsProduceRequestOriginal, args))).toBe(true);
    // transactional id null (-1), acks -1, timeout, one topic.
    expect(got.readInt16BE(0)).toBe(-1);
    expect(got.readInt16BE(2)).toBe(-1);
    expect(got.readInt32BE(4)).toBe(30000);
    expect(got.readInt32BE(8)).toBe(1);
  });

  it('encodes every request byte for byte as kafkajs does (strings, Buffers, nulls, headers, timestamps, wide deltas)', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW_MS);
    await fc.assert(
      fc.asyncProperty(requestArgs, async (args) => {
        expect((await bytes(fastProduceRequest, args)).equals(await bytes(kafkajsProduceRequestOriginal, args))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves compressed requests to kafkajs, and rejects what kafkajs rejects (a number value)', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(NOW_MS);
    const gzip: ProduceRequestArgs = { acks: 1, timeout: 1, compression: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'a', value: 'x'.repeat(50) }] }] }] };
    expect((await bytes(fastProduceRequest, gzip)).equals(await bytes(kafkajsProduceRequestOriginal, gzip))).toBe(true);
    const bad: ProduceRequestArgs = { acks: 1, timeout: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'a', value: 5 }] }] }] };
    await expect(bytes(kafkajsProduceRequestOriginal, bad)).rejects.toThrow();
    await expect(bytes(fastProduceRequest, bad)).rejects.toThrow();
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
