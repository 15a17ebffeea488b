import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_SUBSAMPLE, subsample } from '../../../src/core/dataset/subsample.js';
import { makeDataset, rowsOf, type ImpressionRow, type InteractionRow } from './make-dataset.js';

// Users 1..6, items 10 (A), 11 (B), 12 (C), 13 (D, impression-only), 14 (E).
const INTERACTIONS: InteractionRow[] = [
  [1, 10, 1, 100],
  [2, 10, 1, 101],
  [3, 10, 1, 102],
  [1, 11, 1, 103], // B: one user only
  [2, 12, 1, 104],
  [2, 12, 1, 105], // a repeat counts once
  [3, 12, 2, 106],
  [2, 12, 2, 107],
  [4, 14, 1, 108],
  [5, 14, 1, 109],
  [5, 10, 3, 110],
];
const IMPRESSIONS: ImpressionRow[] = [
  [1, 10, 201501],
  [2, 11, 201501],
  [2, 13, 201501],
  [6, 10, 201502], // user 6 is impression-only
  [3, 10, 201502],
  [5, 14, 201502],
];

describe('subsample', () => {
  it('keeps items with enough users, then users with enough kept items, one pass each', () => {
    const out = rowsOf(subsample(makeDataset(INTERACTIONS, IMPRESSIONS), { minItemUsers: 2, minUserItems: 2 }));
    // Items: A {1,2,3,5} and C {2,3} and E {4,5} pass; B {1} fails. Users: 1 has only A left, 4 only E: dropped.
    // E keeps only user 5 afterwards, but there is no second item pass.
    expect(out.interactions).toEqual([
      [2, 10, 1, 101],
      [3, 10, 1, 102],
      [2, 12, 1, 104],
      [2, 12, 1, 105],
      [3, 12, 2, 106],
      [2, 12, 2, 107],
      [5, 14, 1, 109],
      [5, 10, 3, 110],
    ]);
    expect(out.impressions).toEqual([
      [3, 10, 201502],
      [5, 14, 201502],
    ]);
  });

  it('keeps everything, impression-only users and items included, with thresholds 0 and 0', () => {
    const ds = makeDataset(INTERACTIONS, IMPRESSIONS);
    const out = rowsOf(subsample(ds, { minItemUsers: 0, minUserItems: 0 }));
    expect(out).toEqual(rowsOf(ds));
  });

  it('passes impression-only items with an item threshold of 0 but not impression-only users with a user threshold > 0', () => {
    const out = rowsOf(subsample(makeDataset(INTERACTIONS, IMPRESSIONS), { minItemUsers: 0, minUserItems: 2 }));
    // Users 1 (A, B), 2 (A, C), 3 (A, C), 5 (E, A) pass; 4 (E) and 6 (none) fail.
    expect(out.interactions.map((r) => r[0])).toEqual([1, 2, 3, 1, 2, 2, 3, 2, 5, 5]);
    expect(out.impressions).toEqual([
      [1, 10, 201501],
      [2, 11, 201501],
      [2, 13, 201501],
      [3, 10, 201502],
      [5, 14, 201502],
    ]);
  });

  it('passes impression-only users with a user threshold of 0', () => {
    const out = rowsOf(subsample(makeDataset(INTERACTIONS, IMPRESSIONS), { minItemUsers: 2, minUserItems: 0 }));
    expect(out.impressions).toEqual([
      [1, 10, 201501],
      [6, 10, 201502],
      [3, 10, 201502],
      [5, 14, 201502],
    ]);
    expect(out.interactions.some((r) => r[1] === 11)).toBe(false);
    expect(out.interactions.length).toBe(10);
  });

  it('defaults to the paper thresholds 30/30 and drops a dataset that is too small', () => {
    expect(DEFAULT_SUBSAMPLE).toEqual({ minItemUsers: 30, minUserItems: 30 });
    const out = subsample(makeDataset(INTERACTIONS, IMPRESSIONS), DEFAULT_SUBSAMPLE);
    expect(out.interactions.length).toBe(0);
    expect(out.impressions.length).toBe(0);
  });

  it('rejects negative or fractional thresholds', () => {
    expect(() => subsample(makeDataset([]), { minItemUsers: -1, minUserItems: 0 })).toThrow(RangeError);
    expect(() => subsample(makeDataset([]), { minItemUsers: 1, minUserItems: 0.5 })).toThrow(RangeError);
  });

  it('equals a direct set-based reading of the rule on random datasets', () => {
    const row = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 3 }));
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 60 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })), { maxLength: 30 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        (inter, imp, minItemUsers, minUserItems) => {
          const ds = makeDataset(
            inter.map(([u, i, t], k) => [u, i, t, k] as const),
            imp.map(([u, i]) => [u, i, 201501] as const),
          );
          const usersOf = new Map<number, Set<number>>();
          for (const [u, i] of inter) usersOf.set(i, (usersOf.get(i) ?? new Set()).add(u));
          const itemOk = (i: number): boolean => (usersOf.get(i)?.size ?? 0) >= minItemUsers;
          const itemsOf = new Map<number, Set<number>>();
          for (const [u, i] of inter) if (itemOk(i)) itemsOf.set(u, (itemsOf.get(u) ?? new Set()).add(i));
          const userOk = (u: number): boolean => (itemsOf.get(u)?.size ?? 0) >= minUserItems;
          const got = rowsOf(subsample(ds, { minItemUsers, minUserItems }));
          const all = rowsOf(ds);
          expect(got.interactions).toEqual(all.interactions.filter(([u, i]) => userOk(u) && itemOk(i)));
          expect(got.impressions).toEqual(all.impressions.filter(([u, i]) => userOk(u) && itemOk(i)));
        },
      ),
    );
  });
});
