// The fast path (state + neighbour index + histograms) agrees exactly with the brute-force oracle.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildFeatureTable, type FeatureOptions } from '../../../src/core/features/build-feature-table.js';
import { SPLIT, WTL_WIDTH, CONTEXT_WIDTH } from '../../../src/core/features/feature-table.js';
import { oracleFeatureTable } from '../../core/features/oracle.js';
import { randomDataset } from '../../helpers/random-dataset.js';

const optionsArb: fc.Arbitrary<FeatureOptions> = fc.record({
  k: fc.integer({ min: 1, max: 6 }),
  similarity: fc.constantFrom('weighted' as const, 'binary' as const),
  neighbourhood: fc.constantFrom('item' as const, 'global' as const),
  spread: fc.constantFrom('std' as const, 'var' as const),
  leaveOneOut: fc.boolean(),
  leakage: fc.constantFrom('none' as const, 'paper' as const),
  split: fc.constantFrom('time' as const, 'random' as const),
  seed: fc.integer({ min: 0, max: 1000 }),
});

const shapeArb = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  users: fc.integer({ min: 1, max: 14 }),
  items: fc.integer({ min: 1, max: 12 }),
  interactions: fc.integer({ min: 0, max: 90 }),
  impressions: fc.integer({ min: 0, max: 60 }),
  profileShare: fc.constantFrom(0, 0.5, 1),
});

describe('buildFeatureTable against the brute-force oracle', () => {
  it('gives the same table for every option combination on random small datasets', () => {
    fc.assert(
      fc.property(shapeArb, optionsArb, (shape, opts) => {
        const ds = randomDataset(shape);
        const { table, report } = buildFeatureTable(ds, opts);
        const expected = oracleFeatureTable(ds, opts);
        expect(table.length).toBe(expected.length);
        expect(report.dyads).toBe(expected.length);
        for (let i = 0; i < expected.length; i++) {
          const e = expected[i]!;
          const row = {
            userId: table.userIds[i],
            itemId: table.itemIds[i],
            week: table.weeks[i],
            train: table.split[i] === SPLIT.train,
            wtl: [...table.wtl.subarray(i * WTL_WIDTH, (i + 1) * WTL_WIDTH)],
            context: [...table.context.subarray(i * CONTEXT_WIDTH, (i + 1) * CONTEXT_WIDTH)],
            click: table.click[i],
            bookmark: table.bookmark[i],
            reply: table.reply[i],
          };
          expect(row).toEqual(e);
        }
        expect(report.trainRows).toBe(expected.filter((r) => r.train).length);
        expect(report.labels.test.click).toBe(expected.filter((r) => !r.train && r.click === 1).length);
      }),
      { numRuns: 150 },
    );
  });
});
