import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { isBetter, NeighbourSelector } from '../../../src/core/neighbours/selector.js';
import { computeFeatures } from '../../../src/core/features/wtl.js';
import { stateFromEvents } from '../../../src/core/matrix/implicit-state.js';
import { randomDataset } from '../../helpers/random-dataset.js';
import { oracleWtl } from '../features/oracle.js';
import { canonicalState } from '../matrix/canonical-state.js';
import { buildFeatureTable } from '../../../src/core/features/build-feature-table.js';
import { ImpressionTableBuilder, InteractionTableBuilder } from '../../../src/core/events/tables.js';
import { WTL_WIDTH } from '../../../src/core/features/feature-table.js';
import { Rng } from '../../../src/core/random/rng.js';
import { oracleFeatureTable } from '../features/oracle.js';

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

describe('item neighbourhood through the co-occurrence list (the item has many more users than u has co-users)', () => {
  it('agrees with the brute-force oracle on data shaped to take that branch (method.md §3, the smaller list)', () => {
    // Two items (7, 8) shown to ~90% of 150 users; each user clicks only two random items of 120 others, so
    // most users have few co-users while items 7 and 8 have ~135 users each: the scan goes over u's list.
    for (let seed = 0; seed < 6; seed++) {
      const rng = Rng.fromSeed(seed);
      const ib = new InteractionTableBuilder();
      const pb = new ImpressionTableBuilder();
      for (let u = 0; u < 150; u++) {
        for (const item of [7, 8]) if (rng.nextFloat() < 0.9) pb.push(1000 + u, item, 201534);
        if (rng.nextFloat() < 0.3) ib.push(1000 + u, 7 + rng.nextInt(2), 1 + rng.nextInt(3), 1440000000 + u);
        for (let j = 0; j < 2; j++) ib.push(1000 + u, 100 + rng.nextInt(120), 1 + rng.nextInt(3), 1440000000 + rng.nextInt(1000000));
      }
      const ds = { interactions: ib.finish(), impressions: pb.finish(), users: null, items: null, droppedDeletes: 0, badRows: 0 };
      for (const k of [1, 3, 7]) {
        for (const similarity of ['weighted', 'binary'] as const) {
          for (const leaveOneOut of [true, false]) {
            for (const leakage of ['none', 'paper'] as const) {
              const opts = { k, similarity, neighbourhood: 'item' as const, leaveOneOut, spread: 'var' as const, leakage, split: 'time' as const, seed: 1 };
              const { table } = buildFeatureTable(ds, opts);
              const expected = oracleFeatureTable(ds, opts);
              expect(table.length).toBe(expected.length);
              for (let i = 0; i < expected.length; i++) {
                expect([...table.wtl.subarray(i * WTL_WIDTH, (i + 1) * WTL_WIDTH)]).toEqual(expected[i]!.wtl);
              }
            }
          }
        }
      }
    }
  });
});
