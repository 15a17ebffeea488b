import { describe, it, expect } from 'vitest';
import { ImplicitState, impressionTimeS, stateFromEvents } from '../../../src/core/matrix/implicit-state.js';
import { ImpressionTableBuilder, InteractionTableBuilder } from '../../../src/core/events/tables.js';
import { NeighbourSelector } from '../../../src/core/neighbours/selector.js';
import { canonicalState } from './canonical-state.js';

const T = 1440000000;

describe('ImplicitState', () => {
  it('keeps IM as the sum of distinct types, impression-only dyads as explicit 0, deletes ignored', () => {
    const s = ImplicitState.empty();
    s.applyInteraction(5, 100, 1, T);
    s.applyInteraction(5, 100, 1, T + 10); // repeat: once
    s.applyInteraction(5, 100, 3, T + 20);
    s.applyImpression(5, 200, T);
    s.applyInteraction(5, 300, 4, T); // delete: no entry
    s.applyImpression(6, 100, T);
    s.applyInteraction(6, 100, 2, T);
    expect([s.imOf(5, 100), s.imOf(5, 200), s.imOf(5, 300), s.imOf(6, 100), s.imOf(7, 100)]).toEqual([4, 0, -1, 2, -1]);
    expect(s.entryCount).toBe(3);
    const u5 = s.users.indexOf(5) * 7;
    expect([...s.userHist.subarray(u5, u5 + 7)]).toEqual([1, 0, 0, 0, 1, 0, 0]);
    expect([s.userNormW[s.users.indexOf(5)], s.userNormB[s.users.indexOf(5)]]).toEqual([16, 1]);
    // dot(5, 6) = 4·2 (weighted), 1 (binary), stored both ways.
    const [a, b] = [s.users.indexOf(5), s.users.indexOf(6)];
    expect([s.pairDotW[s.pairOf(a, b)], s.pairDotW[s.pairOf(b, a)], s.pairDotB[s.pairOf(a, b)]]).toEqual([8, 8, 1]);
  });

  it('shares no pair through a zero entry and counts the item users', () => {
    const s = ImplicitState.empty();
    s.applyImpression(1, 9, T);
    s.applyInteraction(2, 9, 1, T);
    s.applyImpression(3, 9, T);
    expect(s.pairCount).toBe(0);
    expect(s.itemUserCount[s.items.indexOf(9)]).toBe(3);
  });

  it('first-seen time is the earliest event, whatever the order', () => {
    const s = ImplicitState.empty();
    s.applyInteraction(1, 2, 1, T + 500);
    s.applyImpression(1, 2, T - 100);
    s.applyInteraction(1, 2, 2, T + 1);
    expect(s.entryFirstSeenS[0]).toBe(T - 100);
  });

  it('impression time is the Monday 00:00 UTC of its ISO week', () => {
    expect(impressionTimeS(201534)).toBe(1439769600); // 2015-08-17
    expect(impressionTimeS(201601)).toBe(1451865600); // 2016-01-04
  });

  it('a state without pairs lists dyads and norms but refuses neighbour selection', () => {
    const s = ImplicitState.empty({ pairs: false });
    s.applyInteraction(1, 2, 3, T);
    s.applyInteraction(3, 2, 3, T);
    expect([s.imOf(1, 2), s.userNormW[0], s.pairCount]).toEqual([3, 9, 0]);
    expect(() => new NeighbourSelector(s, { k: 2, similarity: 'weighted', neighbourhood: 'item', leaveOneOut: true })).toThrow(/dot products/);
  });

  it('round-trips through a checkpoint, and folding goes on identically after a restore', () => {
    const it1 = new InteractionTableBuilder();
    const im1 = new ImpressionTableBuilder();
    const it2 = new InteractionTableBuilder();
    for (let i = 0; i < 60; i++) it1.push(i % 7, (i * 5) % 11, 1 + (i % 3), T + i);
    for (let i = 0; i < 30; i++) im1.push(i % 9, (i * 3) % 13, 201534 + (i % 3));
    for (let i = 0; i < 40; i++) it2.push((i * 3) % 10, (i * 7) % 12, 1 + ((i * 5) % 3), T + 100 + i);
    const a = stateFromEvents(it1.finish(), im1.finish());
    const restored = ImplicitState.fromCheckpoint(a.toCheckpoint());
    expect(canonicalState(restored)).toEqual(canonicalState(a));
    expect(restored.toCheckpoint()).toEqual(a.toCheckpoint());
    const more = it2.finish();
    for (let i = 0; i < more.length; i++) {
      a.applyInteraction(more.userIds[i]!, more.itemIds[i]!, more.types[i]!, more.createdAtS[i]!);
      restored.applyInteraction(more.userIds[i]!, more.itemIds[i]!, more.types[i]!, more.createdAtS[i]!);
    }
    expect(canonicalState(restored)).toEqual(canonicalState(a));
  });

  it('a state restored from an empty checkpoint folds like a fresh one (all entry columns grow together)', () => {
    const fresh = ImplicitState.empty();
    const restored = ImplicitState.fromCheckpoint(ImplicitState.empty().toCheckpoint());
    for (const s of [fresh, restored]) {
      for (let i = 0; i < 40; i++) s.applyInteraction(i % 5, i % 4, 1 + (i % 3), T + i);
    }
    expect(canonicalState(restored)).toEqual(canonicalState(fresh));
  });

  it('a state without dot products stays one after a checkpoint round trip (no silent "no neighbours")', () => {
    const listOnly = ImplicitState.empty({ pairs: false });
    listOnly.applyInteraction(1, 10, 1, T);
    const restored = ImplicitState.fromCheckpoint(listOnly.toCheckpoint());
    expect(restored.tracksPairs).toBe(false);
    expect(ImplicitState.fromCheckpoint(ImplicitState.empty().toCheckpoint()).tracksPairs).toBe(true);
  });
});
