import { describe, expect, it } from 'vitest';
import { AliasTable } from '../../../src/core/synth/alias.js';
import { Rng } from '../../../src/core/random/rng.js';

describe('AliasTable', () => {
  it('draws outcomes with their weights and never a zero-weight one', () => {
    const table = new AliasTable([1, 0, 3, 4]);
    const rng = Rng.fromSeed(7);
    const counts = [0, 0, 0, 0];
    const n = 80000;
    for (let k = 0; k < n; k++) counts[table.sample(rng)]!++;
    expect(counts[1]).toBe(0);
    expect(counts[0]! / n).toBeCloseTo(1 / 8, 2);
    expect(counts[2]! / n).toBeCloseTo(3 / 8, 2);
    expect(counts[3]! / n).toBeCloseTo(4 / 8, 2);
  });

  it('rejects empty and all-zero weights', () => {
    expect(() => new AliasTable([])).toThrow(RangeError);
    expect(() => new AliasTable([0, 0])).toThrow(RangeError);
  });
});
