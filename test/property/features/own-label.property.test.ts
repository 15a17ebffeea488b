// No dyad's features use its own label (method.md §3, §5): flipping the IM entry of random train and test
// dyads leaves their 15 statistics unchanged under leave-one-out (any leakage), and leaves test dyads
// unchanged under `leakage: 'none'` even without leave-one-out (they are not in the state).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildFeatureTable, type FeatureOptions } from '../../../src/core/features/build-feature-table.js';
import { SPLIT, WTL_WIDTH } from '../../../src/core/features/feature-table.js';
import { Rng } from '../../../src/core/random/rng.js';
import { randomDataset } from '../../helpers/random-dataset.js';
import { dyadKey, flipLabels } from '../../helpers/flip-labels.js';

const optionsArb: fc.Arbitrary<FeatureOptions> = fc.record({
  k: fc.integer({ min: 1, max: 8 }),
  similarity: fc.constantFrom('weighted' as const, 'binary' as const),
  neighbourhood: fc.constantFrom('item' as const, 'global' as const),
  spread: fc.constantFrom('std' as const, 'var' as const),
  leaveOneOut: fc.boolean(),
  leakage: fc.constantFrom('none' as const, 'paper' as const),
  split: fc.constantFrom('time' as const, 'random' as const),
  seed: fc.integer({ min: 0, max: 1000 }),
});

function wtlRow(t: { wtl: Float64Array }, i: number): number[] {
  return [...t.wtl.subarray(i * WTL_WIDTH, (i + 1) * WTL_WIDTH)];
}

describe('a dyad never sees its own label', () => {
  it('flipping one dyad leaves its own features unchanged (leave-one-out: any dyad; leakage none: test dyads)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), optionsArb, (seed, opts) => {
        const ds = randomDataset({ seed, users: 25, items: 18, interactions: 260, impressions: 160, profileShare: 0 });
        const before = buildFeatureTable(ds, opts).table;
        const rng = Rng.fromSeed(seed ^ 0x5a5a);
        for (let round = 0; round < 4; round++) {
          const i = rng.nextInt(before.length);
          const mustHold = opts.leaveOneOut || (opts.leakage === 'none' && before.split[i] === SPLIT.test);
          if (!mustHold) continue;
          // One dyad at a time: other flipped dyads would legitimately move its neighbours.
          const after = buildFeatureTable(flipLabels(ds, new Set([dyadKey(before.userIds[i]!, before.itemIds[i]!)])), opts).table;
          expect(after.length).toBe(before.length);
          expect(after.split).toEqual(before.split);
          expect(after.weeks).toEqual(before.weeks);
          expect(wtlRow(after, i)).toEqual(wtlRow(before, i));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('under leakage none, flipping every test dyad at once changes no feature at all', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), optionsArb, (seed, opts0) => {
        const opts = { ...opts0, leakage: 'none' as const };
        const ds = randomDataset({ seed, users: 25, items: 18, interactions: 260, impressions: 160, profileShare: 0 });
        const before = buildFeatureTable(ds, opts).table;
        const flip = new Set<number>();
        for (let i = 0; i < before.length; i++) if (before.split[i] === SPLIT.test) flip.add(dyadKey(before.userIds[i]!, before.itemIds[i]!));
        const after = buildFeatureTable(flipLabels(ds, flip), opts).table;
        expect(after.split).toEqual(before.split);
        expect(after.wtl).toEqual(before.wtl);
        let moved = 0;
        for (let i = 0; i < before.length; i++) if (after.click[i] !== before.click[i] || after.reply[i] !== before.reply[i]) moved++;
        if (flip.size > 0) expect(moved).toBeGreaterThan(0);
      }),
      { numRuns: 40 },
    );
  });

  it('without leave-one-out and with leakage paper, a train dyad does see its own label (the check has teeth)', () => {
    const opts: FeatureOptions = { k: 5, similarity: 'weighted', neighbourhood: 'item', spread: 'std', leaveOneOut: false, leakage: 'paper', split: 'time', seed: 1 };
    const ds = randomDataset({ seed: 7, users: 25, items: 18, interactions: 260, impressions: 160, profileShare: 0 });
    const before = buildFeatureTable(ds, opts).table;
    let moved = 0;
    for (let i = 0; i < before.length && moved === 0; i += 7) {
      const after = buildFeatureTable(flipLabels(ds, new Set([dyadKey(before.userIds[i]!, before.itemIds[i]!)])), opts).table;
      if (wtlRow(after, i).some((x, j) => x !== wtlRow(before, i)[j])) moved++;
    }
    expect(moved).toBe(1);
  });
});
