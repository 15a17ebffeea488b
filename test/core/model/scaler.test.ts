import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTEXT_WIDTH, SPLIT, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { emptyScaler, fitScaler, mergeScalers, scalerTransform, trainingRowMask } from '../../../src/core/model/scaler.js';
import { literalTable } from './helpers.js';

function withContext(columns: number[][], split?: number[]): FeatureTable {
  const n = columns[0]!.length;
  const t = literalTable(Array.from({ length: n }, (_, r) => ({ user: 1, item: r, click: 0 as const, split: split?.[r] === 1 ? ('test' as const) : ('train' as const) })));
  t.context.fill(0);
  for (let j = 0; j < columns.length; j++) for (let r = 0; r < n; r++) t.context[r * CONTEXT_WIDTH + j] = columns[j]![r]!;
  return t;
}

describe('context scaler', () => {
  it('fits the mean and population std on the training rows only', () => {
    // Column 0 on train rows: 1, 3, 5 (mean 3, population variance 8/3); the test row's 100 is ignored.
    const t = withContext([[1, 3, 100, 5], [2, 2, 9, 2]], [0, 0, 1, 0]);
    const s = fitScaler(t);
    expect(s.count).toBe(3);
    expect(s.mean[0]).toBeCloseTo(3, 14);
    expect(s.m2[0]).toBeCloseTo(8, 13);
    const { mean, invStd } = scalerTransform(s);
    expect(mean[0]).toBeCloseTo(3, 14);
    expect(invStd[0]).toBeCloseTo(1 / Math.sqrt(8 / 3), 14);
    // A constant column (std 0) maps to 0, as does every all-zero column.
    expect(s.m2[1]).toBe(0);
    expect(invStd[1]).toBe(0);
    expect(invStd[15]).toBe(0);
  });

  it('an empty scaler maps everything to 0', () => {
    const { invStd } = scalerTransform(emptyScaler());
    expect(Array.from(invStd)).toEqual(new Array(CONTEXT_WIDTH).fill(0));
  });

  it('merging two fitted halves equals fitting the whole (Chan et al.)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 0, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 0, maxLength: 40 }),
        (a, b) => {
          if (a.length + b.length === 0) return;
          const all = withContext([[...a, ...b]]);
          const maskA = new Uint8Array(all.length);
          const maskB = new Uint8Array(all.length);
          for (let r = 0; r < all.length; r++) (r < a.length ? maskA : maskB)[r] = 1;
          const merged = mergeScalers(fitScaler(all, maskA), fitScaler(all, maskB));
          const whole = fitScaler(all, trainingRowMask(all));
          expect(merged.count).toBe(whole.count);
          expect(merged.mean[0]).toBeCloseTo(whole.mean[0]!, 8);
          expect(Math.abs(merged.m2[0]! - whole.m2[0]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, whole.m2[0]!));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('merging a table with itself keeps mean and std (a warm start on the same data)', () => {
    const t = withContext([[4, 8, 15, 16, 23, 42]]);
    const s = fitScaler(t);
    const twice = scalerTransform(mergeScalers(s, s));
    const once = scalerTransform(s);
    expect(twice.mean[0]).toBe(once.mean[0]);
    expect(twice.invStd[0]).toBeCloseTo(once.invStd[0]!, 14);
    expect(t.split[0]).toBe(SPLIT.train);
  });
});
