import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdIndex } from '../../../src/core/ids/id-index.js';

describe('IdIndex', () => {
  it('assigns dense indices in first-seen order and maps back', () => {
    const index = new IdIndex(1);
    expect(index.intern(500)).toBe(0);
    expect(index.intern(7)).toBe(1);
    expect(index.intern(500)).toBe(0);
    expect(index.intern(90)).toBe(2);
    expect(index.size).toBe(3);
    expect(index.indexOf(7)).toBe(1);
    expect(index.indexOf(8)).toBe(-1);
    expect(index.idAt(2)).toBe(90);
    expect(Array.from(index.ids())).toEqual([500, 7, 90]);
    expect(Array.from(index.ixsByIdOrder())).toEqual([1, 2, 0]);
  });

  it('is a bijection that survives a rebuild from its ids', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 })), (ids) => {
        const index = new IdIndex(2);
        for (const id of ids) index.intern(id);
        expect(index.size).toBe(new Set(ids).size);
        for (const id of ids) expect(index.idAt(index.indexOf(id))).toBe(id);
        const rebuilt = IdIndex.fromIds(index.ids());
        for (const id of ids) expect(rebuilt.indexOf(id)).toBe(index.indexOf(id));
      }),
    );
  });
});
