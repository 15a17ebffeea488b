import { describe, it, expect } from 'vitest';
import { randomSplit, timeSplit, trainCount, RANDOM_SPLIT_TRAIN_SHARE } from '../../../src/core/split/split.js';
import { SPLIT } from '../../../src/core/features/feature-table.js';
import { HASH_TAG, hash32, hashUnit } from '../../../src/core/random/hash.js';

const { train: TR, test: TE } = SPLIT;

describe('timeSplit', () => {
  it('trains on the first ⌈2n/3⌉ of each user (np.array_split into thirds, first two chunks)', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(trainCount)).toEqual([1, 2, 2, 3, 4, 4, 5]);
  });

  it('orders a user by first-seen time; users are independent; a tie inside one side places nothing', () => {
    // user 1: items 30 (t 5), 10 (t 9), 20 (t 5), 40 (t 1) → order 40, {20, 30}, 10 → first ⌈8/3⌉ = 3 train:
    //   the tie at t 5 lies wholly in train, so its order decides no side.
    // user 2: items 10 (t 3), 20 (t 2) → order 20, 10 → ⌈4/3⌉ = 2 train.
    // user 3: one dyad → train.
    const users = Int32Array.of(1, 1, 1, 1, 2, 2, 3);
    const items = Int32Array.of(10, 20, 30, 40, 10, 20, 10);
    const first = Float64Array.of(9, 5, 5, 1, 3, 2, 100);
    const out = timeSplit(users, items, first, 1);
    expect([...out.split]).toEqual([TE, TR, TR, TR, TR, TR, TR]);
    expect(out.tiePlaced).toBe(0);
  });

  it('breaks a tie across the train/test boundary by hash(seed, user, item) and counts the tie group', () => {
    // user 7: times 1, 4, 4, 4, 4, 8 (items 50..55) → ⌈12/3⌉ = 4 train: item 50, then 3 of the 4 tied at t 4
    // (items 51..54), the one with the largest hash(seed, timeSplitTie tag, user, item) going to test with 55.
    // The tie group spans the boundary: a tie placed all 4 of its dyads.
    const users = Int32Array.of(7, 7, 7, 7, 7, 7);
    const items = Int32Array.of(50, 51, 52, 53, 54, 55);
    const first = Float64Array.of(1, 4, 4, 4, 4, 8);
    for (const seed of [1, 2, 3]) {
      const key = (item: number) => hash32(seed, HASH_TAG.timeSplitTie, 7, item);
      const last = [51, 52, 53, 54].reduce((a, b) => (key(b) > key(a) ? b : a));
      const out = timeSplit(users, items, first, seed);
      expect([...out.split]).toEqual([...items].map((i) => (i === 55 || i === last ? TE : TR)));
      expect(out.tiePlaced).toBe(4);
    }
  });

  it('puts the latest third of a user in test', () => {
    const users = Int32Array.of(4, 4, 4, 4, 4, 4);
    const items = Int32Array.of(1, 2, 3, 4, 5, 6);
    const first = Float64Array.of(60, 50, 40, 30, 20, 10);
    expect([...timeSplit(users, items, first, 1).split]).toEqual([TE, TE, TR, TR, TR, TR]);
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
