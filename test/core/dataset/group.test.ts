import { describe, expect, it } from 'vitest';
import { groupByKey, internIds } from '../../../src/core/dataset/group.js';

describe('internIds', () => {
  it('numbers ids by first appearance and reuses known ones', () => {
    const map = new Map<number, number>([[50, 0]]);
    const out = new Int32Array(6).fill(-9);
    internIds(Int32Array.of(7, 50, 7, 3), 4, map, out, 2);
    expect([...out]).toEqual([-9, -9, 1, 0, 1, 2]);
    expect([...map]).toEqual([
      [50, 0],
      [7, 1],
      [3, 2],
    ]);
  });
});

describe('groupByKey', () => {
  it('orders rows by key, stably, leaving out key -1', () => {
    const { order, starts } = groupByKey(Int32Array.of(2, 0, -1, 2, 0, 1), 4);
    expect([...order]).toEqual([1, 4, 5, 0, 3]);
    expect([...starts]).toEqual([0, 2, 3, 5, 5]);
  });
});
