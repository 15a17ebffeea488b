import { describe, expect, it } from 'vitest';
import { SPLIT, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { validationCount, validationMask } from '../../../src/core/split/validation.js';

function table(rows: [user: number, item: number, split: number, firstSeenS: number][]): FeatureTable {
  const n = rows.length;
  return {
    length: n,
    userIds: Int32Array.from(rows.map((r) => r[0])),
    itemIds: Int32Array.from(rows.map((r) => r[1])),
    weeks: new Int32Array(n),
    split: Uint8Array.from(rows.map((r) => r[2])),
    wtl: new Float64Array(n * 15),
    context: new Int32Array(n * 16),
    click: new Uint8Array(n),
    bookmark: new Uint8Array(n),
    reply: new Uint8Array(n),
    firstSeenS: Float64Array.from(rows.map((r) => r[3])),
  };
}

describe('validationMask', () => {
  it('takes the last sixth of each user\'s training rows by first-seen time, ties by item id', () => {
    const T = SPLIT.train;
    const X = SPLIT.test;
    // User 1: 7 train rows → 1 validation row: the latest (item 17 at t=70; items 16 and 18 tie at t=60).
    // User 2: 13 train rows → 2: t=120 (item 31) and the later of the two t=110 rows by item id (item 30).
    const rows: [number, number, number, number][] = [
      [1, 10, T, 10], [1, 11, T, 20], [1, 12, T, 30], [1, 13, T, 40], [1, 14, T, 50],
      [1, 16, T, 60], [1, 17, T, 70], [1, 18, T, 60], [1, 19, X, 80],
    ];
    for (let i = 0; i < 10; i++) rows.push([2, 40 + i, T, i]);
    rows.push([2, 29, T, 110], [2, 30, T, 110], [2, 31, T, 120], [2, 50, X, 130]);
    rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const t = table(rows);
    const m = validationMask(t);
    const picked = rows.filter((_, i) => m[i] === 1).map((r) => [r[0], r[1]]);
    expect(picked).toEqual([[1, 17], [2, 30], [2, 31]]);
  });

  it('leaves users with fewer than six training rows without validation rows', () => {
    expect(validationCount(5)).toBe(0);
    expect(validationCount(6)).toBe(1);
    const t = table([[1, 1, SPLIT.train, 1], [1, 2, SPLIT.train, 2]]);
    expect(Array.from(validationMask(t))).toEqual([0, 0]);
  });
});
