import { describe, it, expect } from 'vitest';
import { randomSplit, timeSplit, trainCount, RANDOM_SPLIT_TRAIN_SHARE } from '../../../src/core/split/split.js';
import { SPLIT } from '../../../src/core/features/feature-table.js';
import { HASH_TAG, hashUnit } from '../../../src/core/random/hash.js';

const { train: TR, test: TE } = SPLIT;

describe('timeSplit', () => {
  it('trains on the first ⌈2n/3⌉ of each user (np.array_split into thirds, first two chunks)', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(trainCount)).toEqual([1, 2, 2, 3, 4, 4, 5]);
  });

  it('orders a user by first-seen time, then item id; users are independent', () => {
    // user 1: items 30 (t 5), 10 (t 9), 20 (t 5), 40 (t 1) → order 40, 20, 30, 10 → first ⌈8/3⌉ = 3 train.
    // user 2: items 10 (t 3), 20 (t 2) → order 20, 10 → ⌈4/3⌉ = 2 train.
    // user 3: one dyad → train.
    const users = Int32Array.of(1, 1, 1, 1, 2, 2, 3);
    const items = Int32Array.of(10, 20, 30, 40, 10, 20, 10);
    const first = Float64Array.of(9, 5, 5, 1, 3, 2, 100);
    expect([...timeSplit(users, items, first)]).toEqual([TE, TR, TR, TR, TR, TR, TR]);
  });

  it('puts the latest third of a user in test', () => {
    const users = Int32Array.of(4, 4, 4, 4, 4, 4);
    const items = Int32Array.of(1, 2, 3, 4, 5, 6);
    const first = Float64Array.of(60, 50, 40, 30, 20, 10);
    expect([...timeSplit(users, items, first)]).toEqual([TE, TE, TR, TR, TR, TR]);
  });
});

describe('randomSplit', () => {
  it('uses hashUnit(seed, randomSplit tag, user, item) < 0.3, deterministically', () => {
    const users = Int32Array.from({ length: 2000 }, (_, i) => i % 37);
    const items = Int32Array.from({ length: 2000 }, (_, i) => i);
    const a = randomSplit(users, items, 7);
    expect(randomSplit(users, items, 7)).toEqual(a);
    for (let i = 0; i < 50; i++) {
      expect(a[i]).toBe(hashUnit(7, HASH_TAG.randomSplit, users[i]!, items[i]!) < RANDOM_SPLIT_TRAIN_SHARE ? TR : TE);
    }
    const share = a.reduce((s, x) => s + (x === TR ? 1 : 0), 0) / a.length;
    expect(share).toBeGreaterThan(0.26);
    expect(share).toBeLessThan(0.34);
    expect(randomSplit(users, items, 8)).not.toEqual(a);
  });
});
