import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { FoldJob, ImplicitState, foldEvents, type ImplicitStateCheckpoint } from '../../../src/core/matrix/implicit-state.js';
import { PairSortJob, sortByPair } from '../../../src/core/matrix/pair-sort.js';
import { ImpressionTableBuilder, InteractionTableBuilder, type ImpressionTable, type InteractionTable } from '../../../src/core/events/tables.js';
import { NeighbourSelector } from '../../../src/core/neighbours/selector.js';
import { InvariantError } from '../../../src/core/errors.js';
import { canonicalState } from './canonical-state.js';

const T = 1440000000;

function fold(state: ImplicitState, e: { interactions: InteractionTable; impressions: ImpressionTable }): ImplicitState {
  return foldEvents(state, e.interactions, e.impressions);
}

function events(rows: [user: number, item: number, type: number][], shown: [user: number, item: number][] = []): { interactions: InteractionTable; impressions: ImpressionTable } {
  const ib = new InteractionTableBuilder();
  for (const [u, o, type] of rows) ib.push(u, o, type, T);
  const pb = new ImpressionTableBuilder();
  for (const [u, o] of shown) pb.push(u, o, 201534);
  return { interactions: ib.finish(), impressions: pb.finish() };
}

describe('batch fold', () => {
  it('computes the hand example of test/core/features in one batch: IM, norms and both dots', () => {
    // Users 1..7, items 10..40 (hand-example.test.ts): user 1 = {10: 1, 20: 3, 30: 0}.
    const rows: [number, number, number][] = [
      [1, 10, 1], [1, 10, 1], [1, 20, 1], [1, 20, 2],
      [2, 10, 1], [2, 20, 1], [2, 20, 2], [2, 20, 3], [2, 20, 1], [2, 30, 2],
      [3, 10, 1], [3, 10, 3], [3, 30, 1], [3, 40, 1],
      [4, 20, 1], [4, 30, 2], [4, 30, 3],
      [5, 10, 2], [5, 40, 3],
      [6, 10, 1], [6, 20, 2], [6, 40, 1],
      [7, 10, 1], [7, 20, 1], [7, 30, 1], [7, 30, 2], [7, 30, 3],
    ];
    const s = fold(ImplicitState.empty({ slabSegmentSize: 4 }), events(rows, [[1, 30], [2, 40], [5, 20]]));
    expect([10, 20, 30, 40].map((o) => s.imOf(1, o))).toEqual([1, 3, 0, -1]);
    expect([10, 20, 30, 40].map((o) => s.imOf(2, o))).toEqual([1, 6, 2, 0]);
    expect([1, 2, 3, 4, 5, 6, 7].map((u) => s.userNormW[s.users.indexOf(u)])).toEqual([10, 41, 18, 26, 13, 6, 38]);
    expect([1, 2, 3, 4, 5, 6, 7].map((u) => s.userNormB[s.users.indexOf(u)])).toEqual([2, 3, 3, 2, 2, 3, 3]);
    const u1 = s.users.indexOf(1);
    expect([2, 3, 4, 5, 6, 7].map((v) => s.dotW(u1, s.users.indexOf(v)))).toEqual([19, 4, 3, 2, 7, 4]);
    expect([2, 3, 4, 5, 6, 7].map((v) => s.dotB(u1, s.users.indexOf(v)))).toEqual([2, 1, 1, 1, 2, 2]);
    expect([...s.userHist.subarray(s.users.indexOf(2) * 7, s.users.indexOf(2) * 7 + 7)]).toEqual([1, 1, 1, 0, 0, 0, 1]);
    // Six users share item 10 (15 pairs); user 4 (20, 30) pairs with 1, 2, 3, 6, 7 but not 5 (10, 40).
    expect(s.pairCount).toBe(20);
  });

  it('locks the state while it runs: no event methods, no second job, until it is done', () => {
    const s = ImplicitState.empty();
    const job = new FoldJob(s, events([[1, 10, 1], [2, 10, 1]]));
    expect(() => s.applyInteraction(1, 10, 2, T)).toThrow(InvariantError);
    expect(() => s.applyImpression(1, 10, T)).toThrow(/being folded/);
    expect(() => new FoldJob(s, events([[3, 10, 1]]))).toThrow(InvariantError);
    expect(job.run(Infinity)).toBe(true);
    s.applyInteraction(1, 10, 2, T);
    expect([s.imOf(1, 10), s.dotW(s.users.indexOf(1), s.users.indexOf(2))]).toEqual([3, 3]);
  });

  it('makes progress with any budget, even 0, and ends in the same state', () => {
    const e = events([[1, 10, 1], [2, 10, 3], [2, 11, 1], [3, 11, 2], [1, 11, 1], [4, 12, 1]], [[5, 10], [1, 12]]);
    const whole = ImplicitState.empty();
    new FoldJob(whole, e).run(Infinity);
    for (const budget of [0, 1, 7]) {
      const s = ImplicitState.empty();
      const job = new FoldJob(s, e, { maxBatchEvents: 3 });
      let calls = 0;
      while (!job.run(budget)) calls++;
      expect(calls).toBeGreaterThan(budget === 7 ? 0 : 3);
      expect(canonicalState(s)).toEqual(canonicalState(whole));
    }
  });

  it('a selector built before a fold refuses to select afterwards (it would read a changed state)', () => {
    const s = fold(ImplicitState.empty(), events([[1, 10, 1], [2, 10, 1]]));
    const sel = new NeighbourSelector(s, { k: 2, similarity: 'weighted', neighbourhood: 'item', leaveOneOut: false });
    expect(sel.select(s.users.indexOf(1), s.items.indexOf(10))).toBe(1);
    s.applyInteraction(3, 10, 1, T);
    expect(() => sel.select(s.users.indexOf(1), s.items.indexOf(10))).toThrow(/state changed/);
  });
});

describe('checkpoint rebuild', () => {
  const good = (): ImplicitStateCheckpoint => fold(ImplicitState.empty(), events([[1, 10, 1], [2, 10, 3], [2, 11, 1]], [[1, 11]])).toCheckpoint();

  it('refuses a broken checkpoint with an InvariantError naming the problem', () => {
    const dup = good();
    dup.entryUserIxs = Int32Array.from([...dup.entryUserIxs, dup.entryUserIxs[0]!]);
    dup.entryItemIxs = Int32Array.from([...dup.entryItemIxs, dup.entryItemIxs[0]!]);
    dup.entryTypes = Uint8Array.from([...dup.entryTypes, 1]);
    dup.entryFirstSeenS = Float64Array.from([...dup.entryFirstSeenS, T]);
    expect(() => ImplicitState.fromCheckpoint(dup)).toThrow(/twice/);
    const range = good();
    range.entryItemIxs[0] = 99;
    expect(() => ImplicitState.fromCheckpoint(range)).toThrow(/out of range/);
    const mask = good();
    mask.entryTypes[0] = 8;
    expect(() => ImplicitState.fromCheckpoint(mask)).toThrow(InvariantError);
    const lengths = good();
    lengths.entryTypes = lengths.entryTypes.slice(1);
    expect(() => ImplicitState.fromCheckpoint(lengths)).toThrow(/differ in length/);
    const ids = good();
    ids.userIds[1] = ids.userIds[0]!;
    expect(() => ImplicitState.fromCheckpoint(ids)).toThrow(/not distinct/);
  });

  it('keeps entry order and dense indices, so the checkpoint of the rebuilt state is the same arrays', () => {
    const cp = good();
    expect(ImplicitState.fromCheckpoint(cp).toCheckpoint()).toEqual(cp);
  });
});

describe('sortByPair', () => {
  it('orders by (hi, lo), stable, across 16-bit digits', () => {
    const hi = Int32Array.of(3, 1, 70000, 1, 3, 0);
    const lo = Int32Array.of(5, 2, 0, 2, 65536 * 3, 9);
    expect([...sortByPair(hi, lo, 6)]).toEqual([5, 1, 3, 0, 4, 2]);
  });

  it('agrees with a comparison sort, short and long, in one call or in steps of any budget', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 200 })), { maxLength: 300, size: 'max' }),
        fc.integer({ min: 0, max: 500 }),
        (rows, budget) => {
          const hi = Int32Array.from(rows, (r) => r[1]);
          const lo = Int32Array.from(rows, (r) => r[0]);
          const expected = rows.map((_, i) => i).sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]! || a - b);
          expect([...sortByPair(hi, lo, rows.length)]).toEqual(expected);
          const job = new PairSortJob(hi, lo, rows.length);
          let steps = 0;
          while (!job.run(budget)) steps++;
          expect([...job.perm]).toEqual(expected);
          if (rows.length > 64 && budget < 50) expect(steps).toBeGreaterThan(3);
        },
      ),
    );
  });
});
