// Incremental equals batch (architecture.md): folding the same events in any order, in any chunks, through
// checkpoints, gives the same state (IM, first-seen, histograms, norms, dot products) and the same features.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ImplicitState, impressionTimeS, stateFromEvents } from '../../../src/core/matrix/implicit-state.js';
import { computeFeatures } from '../../../src/core/features/wtl.js';
import { entriesByIds } from '../../../src/core/features/build-feature-table.js';
import { Rng } from '../../../src/core/random/rng.js';
import { canonicalState } from '../../core/matrix/canonical-state.js';
import { randomDataset } from '../../helpers/random-dataset.js';

type Event = { kind: 'i'; u: number; o: number; type: number; t: number } | { kind: 'p'; u: number; o: number; t: number };

function featuresOf(s: ImplicitState): Float64Array {
  const rows = entriesByIds(s);
  const us = Int32Array.from(rows, (e) => s.entryUserIx[e]!);
  const os = Int32Array.from(rows, (e) => s.entryItemIx[e]!);
  const out = new Float64Array(rows.length * 15);
  computeFeatures(s, us, os, { k: 3, similarity: 'weighted', neighbourhood: 'global', leaveOneOut: true, spread: 'std' }, out);
  return out;
}

describe('incremental fold equals batch', () => {
  it('any order, any chunking, with checkpoint restores between chunks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), (seed, chunks, viaCheckpoint) => {
        const ds = randomDataset({ seed, users: 12, items: 10, interactions: 120, impressions: 80, profileShare: 0 });
        const batch = stateFromEvents(ds.interactions, ds.impressions);
        const events: Event[] = [];
        const it = ds.interactions;
        for (let i = 0; i < it.length; i++) events.push({ kind: 'i', u: it.userIds[i]!, o: it.itemIds[i]!, type: it.types[i]!, t: it.createdAtS[i]! });
        const im = ds.impressions;
        for (let i = 0; i < im.length; i++) events.push({ kind: 'p', u: im.userIds[i]!, o: im.itemIds[i]!, t: impressionTimeS(im.yearWeeks[i]!) });
        const rng = Rng.fromSeed(seed + 1);
        for (let i = events.length - 1; i > 0; i--) {
          const j = rng.nextInt(i + 1);
          [events[i], events[j]] = [events[j]!, events[i]!];
        }
        let state = ImplicitState.empty();
        const cuts = new Set<number>();
        for (let c = 1; c < chunks; c++) cuts.add(rng.nextInt(events.length + 1));
        events.forEach((ev, i) => {
          if (cuts.has(i) && viaCheckpoint) state = ImplicitState.fromCheckpoint(state.toCheckpoint());
          if (ev.kind === 'i') state.applyInteraction(ev.u, ev.o, ev.type, ev.t);
          else state.applyImpression(ev.u, ev.o, ev.t);
        });
        expect(canonicalState(state)).toEqual(canonicalState(batch));
        expect(featuresOf(state)).toEqual(featuresOf(batch));
      }),
      { numRuns: 80 },
    );
  });
});
