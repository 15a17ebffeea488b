import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  groupMessagesPerPartitionLinear,
  groupMessagesPerPartitionOriginal,
  kafkajsGroupingPatched,
} from '../../../src/adapters/kafka/kafkajs-patch.js';
import { Partitioners } from 'kafkajs';

describe('kafkajs grouping patch', () => {
  it('is in force for the pinned kafkajs 2.2.4', async () => {
    expect(kafkajsGroupingPatched).toBe(true);
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    expect(require('kafkajs/src/producer/groupMessagesPerPartition.js')).toBe(groupMessagesPerPartitionLinear);
  });

  it('groups exactly as kafkajs does: same partitions, same messages, same order', () => {
    const partitioner = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.record({ key: fc.oneof(fc.string(), fc.constant(null)), value: fc.string(), partition: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }) })),
        (partitions, messages) => {
          const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }));
          // Keyless messages use a random round-robin start: give both the same partitioner state by replaying keys only.
          const keyed = messages.filter((m) => m.key !== null || m.partition !== undefined).filter((m) => m.partition === undefined || m.partition < partitions);
          const args = { topic: 't', partitionMetadata, messages: keyed, partitioner: partitioner as never };
          expect(groupMessagesPerPartitionLinear(args)).toEqual(groupMessagesPerPartitionOriginal(args));
        },
      ),
    );
  });
});
