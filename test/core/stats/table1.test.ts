import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeTable1, medianOfCounts } from '../../../src/core/stats/table1.js';
import { makeDataset } from '../dataset/make-dataset.js';

describe('computeTable1', () => {
  it('counts dyads, users, offers and per-user distinct items exactly', () => {
    const ds = makeDataset(
      [
        [1, 10, 1, 100],
        [1, 10, 1, 101], // a repeated click is one clicked item
        [1, 10, 3, 102],
        [1, 11, 2, 103],
        [2, 10, 1, 104],
        [3, 12, 4, 105], // a delete makes no dyad, user 3 and item 12 do not count
      ],
      [
        [1, 10, 201501],
        [1, 10, 201502],
        [1, 13, 201501],
        [2, 13, 201501],
        [2, 14, 201501],
        [4, 10, 201502],
      ],
    );
    expect(computeTable1(ds)).toEqual({
      users: 3,
      offers: 4,
      dyads: 7,
      perUser: {
        displayed: 5 / 3,
        clicked: 2 / 3,
        bookmarked: 1 / 3,
        replied: 1 / 3,
        interactionsMean: 7 / 3,
        interactionsMedian: 3, // dyads per user 3, 3, 1
      },
      perOffer: { usersMean: 7 / 4, usersMedian: 1.5 }, // dyads per offer 3, 1, 2, 1
      sparsity: 1 - 7 / 12,
    });
  });

  it('takes the mean of the two middle values for an even number of users', () => {
    const ds = makeDataset([
      [5, 1, 1, 0],
      [6, 1, 1, 0],
      [6, 2, 1, 0],
      [6, 3, 2, 0],
      [6, 4, 3, 0],
    ]);
    const t = computeTable1(ds);
    expect(t.perUser.interactionsMedian).toBe(2.5);
    expect(t.perOffer.usersMedian).toBe(1);
    expect(t.perUser.displayed).toBe(0);
    expect(t.sparsity).toBe(1 - 5 / 8);
  });

  it('is all zeros for an empty dataset', () => {
    expect(computeTable1(makeDataset([], []))).toEqual({
      users: 0,
      offers: 0,
      dyads: 0,
      perUser: { displayed: 0, clicked: 0, bookmarked: 0, replied: 0, interactionsMean: 0, interactionsMedian: 0 },
      perOffer: { usersMean: 0, usersMedian: 0 },
      sparsity: 0,
    });
  });

  it('does not depend on row order', () => {
    const row = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 4 }));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 50 }), fc.integer(), (rows, seed) => {
        const inter = rows.filter(([, , t]) => t > 0).map(([u, i, t]) => [u, i, t, 0] as const);
        const imp = rows.filter(([, , t]) => t === 0).map(([u, i]) => [u, i, 201501] as const);
        const shuffled = <T>(a: readonly T[]): T[] =>
          a
            .map((x, k) => ({ x, key: Math.imul(k + 1, seed | 1) >>> 0 }))
            .sort((p, q) => p.key - q.key)
            .map((p) => p.x);
        expect(computeTable1(makeDataset(shuffled(inter), shuffled(imp)))).toEqual(computeTable1(makeDataset(inter, imp)));
      }),
    );
  });
});

describe('medianOfCounts', () => {
  it('sorts and takes the middle', () => {
    expect(medianOfCounts(Int32Array.of(9, 1, 5))).toBe(5);
    expect(medianOfCounts(Int32Array.of(9, 1, 5, 2))).toBe(3.5);
    expect(medianOfCounts(new Int32Array(0))).toBe(0);
  });
});
