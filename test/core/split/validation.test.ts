import { describe, expect, it } from 'vitest';
import { SPLIT, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { validationCount, validationMask, validationPart } from '../../../src/core/split/validation.js';
import { HASH_TAG, hash32 } from '../../../src/core/random/hash.js';

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
  it('takes the last sixth of each user\'s training rows by first-seen time', () => {
    const T = SPLIT.train;
    const X = SPLIT.test;
    // User 1: 7 train rows → 1 validation row: the latest (item 17 at t=70; items 16 and 18 tie at t=60).
    // User 2: 13 train rows → 2: t=120 (item 31) and the later of the two t=110 rows by hash(seed, user, item).
    const rows: [number, number, number, number][] = [
      [1, 10, T, 10], [1, 11, T, 20], [1, 12, T, 30], [1, 13, T, 40], [1, 14, T, 50],
      [1, 16, T, 60], [1, 17, T, 70], [1, 18, T, 60], [1, 19, X, 80],
    ];
    for (let i = 0; i < 10; i++) rows.push([2, 40 + i, T, i]);
    rows.push([2, 29, T, 110], [2, 30, T, 110], [2, 31, T, 120], [2, 50, X, 130]);
    rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const t = table(rows);
    const m = validationMask(t, 1);
    const picked = rows.filter((_, i) => m[i] === 1).map((r) => [r[0], r[1]]);
    const later = hash32(1, HASH_TAG.timeSplitTie, 2, 30) > hash32(1, HASH_TAG.timeSplitTie, 2, 29) ? 30 : 29;
    expect(picked).toEqual([[1, 17], [2, later], [2, 31]]);
    // User 2's tie at t=110 spans the boundary: a tie placed those 2 rows.
    expect(validationPart(t, 1).tiePlaced).toBe(2);
  });

  it('leaves users with fewer than six training rows without validation rows', () => {
    expect(validationCount(5)).toBe(0);
    expect(validationCount(6)).toBe(1);
    const t = table([[1, 1, SPLIT.train, 1], [1, 2, SPLIT.train, 2]]);
    expect(Array.from(validationMask(t, 1))).toEqual([0, 0]);
  });

  it('orders tied first-seen times by hash(seed, user, item), never by item id, and counts what a tie placed', () => {
    // 400 users with 12 training rows each, all at the same first-seen time: 2 validation rows per user.
    // By item id they were always the two largest (ranks 10, 11 of 12, mean 10.5); by hash, a mean near 5.5.
    const rows: [number, number, number, number][] = [];
    for (let u = 0; u < 400; u++) for (let k = 0; k < 12; k++) rows.push([u, 100 + k, SPLIT.train, 500]);
    const t = table(rows);
    const m = validationMask(t, 7);
    let rankSum = 0;
    let picked = 0;
    for (let r = 0; r < rows.length; r++) {
      if (m[r] !== 1) continue;
      rankSum += r % 12;
      picked++;
    }
    expect(picked).toBe(800);
    expect(rankSum / picked).toBeGreaterThan(5);
    expect(rankSum / picked).toBeLessThan(6);
    expect(validationPart(t, 7).tiePlaced).toBe(400 * 12);
    expect(validationMask(t, 8)).not.toEqual(m);
  });

  it('picks, within a tie across the boundary, the rows with the largest hash; a tie placed exactly that group', () => {
    // One user, 7 training rows: times 1, 2, 3, 4, 9, 9, 9 (items 10..16) → 1 validation row, the last by
    // (time, hash): the t = 9 row of items 14, 15, 16 with the largest hash(seed, tag, user, item). The tie group
    // at 9 spans the boundary (2 rows stay in fit, 1 goes to validation): a tie placed 3 rows. Test rows do not
    // count.
    const seed = 3;
    const rows: [number, number, number, number][] = [
      [5, 10, SPLIT.train, 1], [5, 11, SPLIT.train, 2], [5, 12, SPLIT.train, 3], [5, 13, SPLIT.train, 4],
      [5, 14, SPLIT.train, 9], [5, 15, SPLIT.train, 9], [5, 16, SPLIT.train, 9], [5, 17, SPLIT.test, 9],
    ];
    const t = table(rows);
    const part = validationPart(t, seed);
    const key = (item: number) => hash32(seed, HASH_TAG.timeSplitTie, 5, item);
    const expected = [14, 15, 16].reduce((a, b) => (key(b) > key(a) ? b : a));
    expect(rows.filter((_, i) => part.mask[i] === 1).map((r) => r[1])).toEqual([expected]);
    expect(part.tiePlaced).toBe(3);
    // Without a tie at the boundary (last time distinct), nothing was placed by a tie.
    const clear = table(rows.map((r, i) => (i === 6 ? [5, 16, SPLIT.train, 10] : r)));
    expect(validationPart(clear, seed).tiePlaced).toBe(0);
    expect(rows.filter((_, i) => validationPart(clear, seed).mask[i] === 1).map((r) => r[1])).toEqual([16]);
  });
});
