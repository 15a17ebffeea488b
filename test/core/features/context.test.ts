import { describe, it, expect } from 'vitest';
import { contextFeatures, profileRow } from '../../../src/core/features/context.js';

describe('contextFeatures', () => {
  const users = { fieldCount: 9, ids: Int32Array.of(3, 8), values: Int32Array.from({ length: 18 }, (_, i) => i + 1) };
  const items = { fieldCount: 7, ids: Int32Array.of(5, 6, 90), values: Int32Array.from({ length: 21 }, (_, i) => 100 + i) };

  it('finds rows by binary search over ascending ids', () => {
    expect([profileRow(items, 5), profileRow(items, 6), profileRow(items, 90), profileRow(items, 7), profileRow(null, 5)]).toEqual([0, 1, 2, -1, -1]);
  });

  it('copies 9 user then 7 item values; missing ids give zeros and are counted once each', () => {
    const out = new Int32Array(4 * 16);
    const misses = contextFeatures(Int32Array.of(3, 3, 4, 8), Int32Array.of(6, 7, 7, 90), users, items, out);
    expect(misses).toEqual({ usersWithoutProfile: 1, itemsWithoutProfile: 1 });
    expect([...out.subarray(0, 16)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 107, 108, 109, 110, 111, 112, 113]);
    expect([...out.subarray(16, 32)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0]);
    expect([...out.subarray(32, 48)]).toEqual(new Array(16).fill(0));
    expect([...out.subarray(48, 64)]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 114, 115, 116, 117, 118, 119, 120]);
  });

  it('without profile tables every id is missing', () => {
    const out = new Int32Array(2 * 16).fill(9);
    expect(contextFeatures(Int32Array.of(1, 2), Int32Array.of(5, 5), null, null, out)).toEqual({ usersWithoutProfile: 2, itemsWithoutProfile: 1 });
    expect([...out]).toEqual(new Array(32).fill(0));
  });
});
