import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PairMap } from '../../../src/core/matrix/pair-map.js';

describe('PairMap', () => {
  it('answers -1 for absent pairs and keeps (a, b) apart from (b, a)', () => {
    const m = new PairMap();
    expect(m.get(1, 2)).toBe(-1);
    m.set(1, 2, 7);
    m.set(2, 1, 9);
    m.set(1, 2, 8);
    expect([m.get(1, 2), m.get(2, 1), m.get(0, 0), m.size]).toEqual([8, 9, -1, 2]);
  });

  it('agrees with a Map through growth', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer()), { maxLength: 400 }), (ops) => {
        const m = new PairMap(2);
        const ref = new Map<string, number>();
        for (const [a, b, v] of ops) {
          m.set(a, b, v | 0);
          ref.set(`${a},${b}`, v | 0);
        }
        expect(m.size).toBe(ref.size);
        for (const [a, b] of ops) expect(m.get(a, b)).toBe(ref.get(`${a},${b}`));
        expect(m.get(301, 0)).toBe(-1);
      }),
    );
  });
});
