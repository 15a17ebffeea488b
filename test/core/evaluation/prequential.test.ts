import { describe, expect, it } from 'vitest';
import { evaluateWindowTask, popularityScores, windowMetrics } from '../../../src/core/evaluation/prequential.js';

describe('prequential window metrics', () => {
  const users = Int32Array.from([1, 1, 1, 2, 2]);
  const labels = Uint8Array.from([1, 0, 0, 0, 1]);

  it('scores a perfect ranking 1 and its reverse 0, per user and pooled', () => {
    const good = windowMetrics(users, labels, Float64Array.from([5, 2, 1, 1, 4]));
    expect(good).toEqual({ auc: 1, pooledAuc: 1, map1: 1, map5: 0.2, aucUsers: 2 });
    const bad = windowMetrics(users, labels, Float64Array.from([1, 2, 3, 2, 1]));
    expect(bad.auc).toBe(0);
    expect(bad.map1).toBe(0);
  });

  it('the random scorer is the exact expectation: AUC ½, MAP@1 = mean share of positives', () => {
    const r = evaluateWindowTask(users, labels, null, new Float64Array(5));
    expect(r.model).toBeNull();
    expect(r.positives).toBe(2);
    expect(r.random.auc).toBe(0.5);
    expect(r.random.pooledAuc).toBe(0.5);
    // User 1: 1 positive in 3 → ⅓; user 2: 1 in 2 → ½.
    expect(r.random.map1).toBeCloseTo((1 / 3 + 1 / 2) / 2, 15);
    expect(r.popularity).toEqual(r.random);
  });

  it('popularity looks items up by id and gives unseen items 0', () => {
    const counts = new Map([
      [10, 5],
      [20, 1],
    ]);
    expect(Array.from(popularityScores(Int32Array.from([20, 10, 99]), (id) => counts.get(id) ?? 0))).toEqual([1, 5, 0]);
  });
});

describe('WindowMetricsJob', () => {
  it('equals windowMetrics bit for bit whatever the slicing, ties and users spanning slices included', async () => {
    const fc = (await import('fast-check')).default;
    const { WindowMetricsJob } = await import('../../../src/core/evaluation/prequential.js');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 4 })), { maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }),
        (rows, budgets) => {
          rows.sort((a, b) => a[0] - b[0]);
          const users = Int32Array.from(rows, (r) => r[0]);
          const labels = Uint8Array.from(rows, (r) => r[1]);
          const scores = Float64Array.from(rows, (r) => r[2] / 2);
          const job = new WindowMetricsJob(users, labels, scores);
          let k = 0;
          while (!job.run(budgets[k++ % budgets.length]!));
          expect(job.result()).toEqual(windowMetrics(users, labels, scores));
        },
      ),
    );
  });
});
