import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { BASE_WIDTH } from '../../../src/core/model/layout.js';
import { ScalerFitJob, emptyScaler, fitScaler, mergeScalers, scaleRow, scalerTransform, trainingRowMask } from '../../../src/core/model/scaler.js';
import { learnableTable, literalTable } from './helpers.js';

/** A table of one user whose win/tie/loss and context columns hold the given values (other columns 0). */
function withColumns(wtl: number[][], context: number[][], split?: number[]): FeatureTable {
  const n = (wtl[0] ?? context[0])!.length;
  const t = literalTable(Array.from({ length: n }, (_, r) => ({ user: 1, item: r, click: 0 as const, split: split?.[r] === 1 ? ('test' as const) : ('train' as const) })));
  t.wtl.fill(0);
  t.context.fill(0);
  for (let j = 0; j < wtl.length; j++) for (let r = 0; r < n; r++) t.wtl[r * WTL_WIDTH + j] = wtl[j]![r]!;
  for (let j = 0; j < context.length; j++) for (let r = 0; r < n; r++) t.context[r * CONTEXT_WIDTH + j] = context[j]![r]!;
  return t;
}

describe('input scaler', () => {
  it('covers all 31 inputs: win/tie/loss columns first, then context; mean and population std on training rows only', () => {
    // win_mean on train rows: 0.1, 0.3, 0.5 (mean 0.3, population variance 0.08/3); the test row's 0.9 is ignored.
    // user_career_level on train rows: 1, 3, 5 (mean 3, variance 8/3); the test row's 100 is ignored.
    const t = withColumns([[0.1, 0.3, 0.9, 0.5]], [[1, 3, 100, 5], [2, 2, 9, 2]], [0, 0, 1, 0]);
    const s = fitScaler(t);
    expect(s.count).toBe(3);
    expect(s.mean.length).toBe(31);
    expect(BASE_WIDTH).toBe(31);
    expect(s.mean[0]).toBeCloseTo(0.3, 14);
    expect(s.m2[0]).toBeCloseTo(0.08, 14);
    expect(s.mean[WTL_WIDTH]).toBeCloseTo(3, 14);
    expect(s.m2[WTL_WIDTH]).toBeCloseTo(8, 13);
    const { mean, invStd } = scalerTransform(s);
    expect(invStd[0]).toBeCloseTo(1 / Math.sqrt(0.08 / 3), 12);
    expect(invStd[WTL_WIDTH]).toBeCloseTo(1 / Math.sqrt(8 / 3), 14);
    // A constant column (std 0) maps to 0, as does every all-zero column (win/tie/loss in a first window).
    expect(s.m2[WTL_WIDTH + 1]).toBe(0);
    expect(invStd[WTL_WIDTH + 1]).toBe(0);
    for (let j = 1; j < WTL_WIDTH; j++) expect(invStd[j]).toBe(0);
    expect(invStd[30]).toBe(0);
    // scaleRow: the one definition of x̃.
    const x = new Float64Array(31);
    scaleRow(t, 3, mean, invStd, x, 0);
    expect(x[0]).toBeCloseTo((0.5 - 0.3) / Math.sqrt(0.08 / 3), 12);
    expect(x[WTL_WIDTH]).toBeCloseTo((5 - 3) / Math.sqrt(8 / 3), 12);
    expect(Array.from(x.subarray(1, WTL_WIDTH))).toEqual(new Array(WTL_WIDTH - 1).fill(0));
    expect(x[WTL_WIDTH + 1]).toBe(0);
  });

  it('an empty scaler maps everything to 0', () => {
    const { invStd } = scalerTransform(emptyScaler());
    expect(Array.from(invStd)).toEqual(new Array(31).fill(0));
  });

  it('merging two fitted halves equals fitting the whole (Chan et al.), in a statistic and a context column', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 10_000 })), { minLength: 0, maxLength: 40 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 10_000 })), { minLength: 0, maxLength: 40 }),
        (a, b) => {
          if (a.length + b.length === 0) return;
          const rows = [...a, ...b];
          const all = withColumns([rows.map((r) => r[0])], [rows.map((r) => r[1])]);
          const maskA = new Uint8Array(all.length);
          const maskB = new Uint8Array(all.length);
          for (let r = 0; r < all.length; r++) (r < a.length ? maskA : maskB)[r] = 1;
          const merged = mergeScalers(fitScaler(all, maskA), fitScaler(all, maskB));
          const whole = fitScaler(all, trainingRowMask(all));
          expect(merged.count).toBe(whole.count);
          for (const j of [0, WTL_WIDTH]) {
            expect(merged.mean[j]).toBeCloseTo(whole.mean[j]!, 8);
            expect(Math.abs(merged.m2[j]! - whole.m2[j]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, whole.m2[j]!));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a column that is 0 in a first window and varies later: 0 while constant, then standardised after the merge', () => {
    const first = withColumns([[0, 0, 0]], [[1, 2, 3]]);
    const later = withColumns([[0.2, 0.6]], [[1, 2]]);
    const s1 = fitScaler(first);
    expect(scalerTransform(s1).invStd[0]).toBe(0);
    const merged = mergeScalers(s1, fitScaler(later));
    // 0, 0, 0, 0.2, 0.6: mean 0.16, population variance 0.0544.
    expect(merged.mean[0]).toBeCloseTo(0.16, 14);
    expect(scalerTransform(merged).invStd[0]).toBeCloseTo(1 / Math.sqrt(0.0544), 10);
  });

  it('merging a table with itself keeps mean and std (a warm start on the same data)', () => {
    const t = withColumns([[0.4, 0.8, 0.15, 0.16, 0.23, 0.42]], [[4, 8, 15, 16, 23, 42]]);
    const s = fitScaler(t);
    const twice = scalerTransform(mergeScalers(s, s));
    const once = scalerTransform(s);
    for (const j of [0, WTL_WIDTH]) {
      expect(twice.mean[j]).toBe(once.mean[j]);
      expect(twice.invStd[j]).toBeCloseTo(once.invStd[j]!, 12);
    }
    expect(t.split[0]).toBe(SPLIT.train);
  });
});

describe('ScalerFitJob', () => {
  it('in slices of any size equals fitScaler bit for bit (property)', () => {
    const table = learnableTable(3, { users: 30, items: 40, rowsPerUser: 12 });
    const mask = trainingRowMask(table);
    const whole = fitScaler(table, mask);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 }), (budgets) => {
        const job = new ScalerFitJob(table, mask);
        let k = 0;
        while (!job.run(budgets[k++ % budgets.length]!));
        const s = job.result();
        expect(s.count).toBe(whole.count);
        expect(Array.from(s.mean)).toEqual(Array.from(whole.mean));
        expect(Array.from(s.m2)).toEqual(Array.from(whole.m2));
      }),
      { numRuns: 50 },
    );
  });
});
