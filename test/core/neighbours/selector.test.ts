import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { isBetter, NeighbourSelector } from '../../../src/core/neighbours/selector.js';
import { computeFeatures } from '../../../src/core/features/wtl.js';
import { stateFromEvents } from '../../../src/core/matrix/implicit-state.js';
import { randomDataset } from '../../helpers/random-dataset.js';
import { oracleWtl } from '../features/oracle.js';
import { canonicalState } from '../matrix/canonical-state.js';

describe('isBetter', () => {
  it('compares num²/den exactly, ties by the smaller id', () => {
    expect(isBetter(2, 4, 9, 1, 1, 1)).toBe(false); // 4/4 = 1/1: tie, id 9 > 1
    expect(isBetter(1, 1, 1, 2, 4, 9)).toBe(true);
    expect(isBetter(3, 10, 5, 1, 1, 1)).toBe(false); // 0.9 < 1
    expect(isBetter(1, 3, 1, 1, 4, 2)).toBe(true);
  });

  it('stays exact beyond 2^53 (BigInt fallback) where doubles cannot tell', () => {
    // A = 1000²/9007199254740981, B = 1000²/9007199254740982: A is larger by one part in 9e15.
    const num = 1000;
    const denA = 9007199254740981;
    const denB = 9007199254740982;
    // In doubles the cross products round to the same value, so a float compare would call it a tie ...
    expect(num * num * denB).toBe(num * num * denA);
    // ... and the tie would go to the smaller id (1, i.e. B). The exact comparison picks A.
    expect(isBetter(num, denA, 2, num, denB, 1)).toBe(true);
    expect(isBetter(num, denB, 1, num, denA, 2)).toBe(false);
    expect(isBetter(num, denA, 3, num, denA, 2)).toBe(false);
  });
});

describe('NeighbourSelector against the brute-force oracle on dense data', () => {
  it('agrees for every option, small K (ranked prefix and its fallback in the global neighbourhood)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom('weighted' as const, 'binary' as const),
        fc.constantFrom('item' as const, 'global' as const),
        fc.boolean(),
        (seed, k, similarity, neighbourhood, leaveOneOut) => {
          const ds = randomDataset({ seed, users: 40, items: 6, interactions: 260, impressions: 60, profileShare: 0 });
          const state = stateFromEvents(ds.interactions, ds.impressions);
          const rows = new Map<number, Map<number, number>>();
          for (const [u, o, , im] of canonicalState(state).entries) {
            if (!rows.has(u)) rows.set(u, new Map());
            rows.get(u)!.set(o, im);
          }
          const opts = { k, similarity, neighbourhood, leaveOneOut, spread: 'var' as const };
          const n = state.entryCount;
          const us = state.entryUserIx.slice(0, n);
          const os = state.entryItemIx.slice(0, n);
          const out = new Float64Array(n * 15);
          computeFeatures(state, us, os, opts, out);
          for (let e = 0; e < n; e++) {
            const expected = oracleWtl(rows, state.users.idAt(us[e]!), state.items.idAt(os[e]!), opts);
            expect([...out.subarray(e * 15, e * 15 + 15)]).toEqual(expected);
          }
          // An unknown item: global still finds neighbours (all without an entry), item none.
          const sel = new NeighbourSelector(state, opts);
          const m = sel.select(0, -1);
          if (neighbourhood === 'item') expect(m).toBe(0);
          else for (let j = 0; j < m; j++) expect(sel.nbrIm[j]).toBe(-1);
        },
      ),
      { numRuns: 40 },
    );
  });
});
