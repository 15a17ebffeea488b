// The batch fold equals the event-by-event fold (issue 11): random event sequences (interactions of types 1–4,
// impressions, repeated pairs, new ids arriving late) cut into random batches, each folded by a FoldJob with a
// random internal batch size, run in random slices (or, for some batches, event by event), on slabs with tiny
// segments (rows move, get segments of their own, segments are compacted). The state equals the event-by-event
// state (IM, first-seen times, histograms, norms, item user counts, every pair's two dots) and the batch build
// in one go; the features from it, computed in random slices with one selector, equal the batch build's for
// every combination of similarity, neighbourhood, spread and leave-one-out; a checkpoint (entries only) rebuilt
// in random slices equals the state, and folding goes on identically after it.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { FoldJob, ImplicitState, impressionTimeS, stateFromEvents } from '../../../src/core/matrix/implicit-state.js';
import { ImpressionTableBuilder, InteractionTableBuilder, type ImpressionTable, type InteractionTable } from '../../../src/core/events/tables.js';
import { computeFeatures, FeatureJob } from '../../../src/core/features/wtl.js';
import { entriesByIds } from '../../../src/core/features/build-feature-table.js';
import { WTL_WIDTH } from '../../../src/core/features/feature-table.js';
import { Rng } from '../../../src/core/random/rng.js';
import { canonicalState } from '../../core/matrix/canonical-state.js';

type Event = { kind: 'i'; u: number; o: number; type: number; t: number } | { kind: 'p'; u: number; o: number; yw: number };

const T0 = 1439769600; // Monday 2015-08-17 (ISO 2015-W34)

// Mostly a few users and items (repeats, shared items, all three types on one dyad), sometimes an id from a
// wide range (new ids, late).
const userArb = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 7, max: 60 }) });
const itemArb = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.integer({ min: 5, max: 40 }) });
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('i' as const),
      u: userArb,
      o: itemArb,
      type: fc.constantFrom(1, 1, 2, 3, 4),
      t: fc.integer({ min: 0, max: 4 * 7 * 86400 }).map((dt) => T0 + dt),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('p' as const), u: userArb, o: itemArb, yw: fc.constantFrom(201534, 201535, 201536, 201537) }) },
);

// External ids scattered, so that dense order, id order and arrival order differ.
const userId = (u: number): number => 1000 + ((u * 7919) % 10007) * 3;
const itemId = (o: number): number => 50 + ((o * 104729) % 100003) * 2;

function tables(events: Event[]): { interactions: InteractionTable; impressions: ImpressionTable } {
  const ib = new InteractionTableBuilder(4);
  const pb = new ImpressionTableBuilder(4);
  for (const e of events) {
    if (e.kind === 'i') ib.push(userId(e.u), itemId(e.o), e.type, e.t);
    else pb.push(userId(e.u), itemId(e.o), e.yw);
  }
  return { interactions: ib.finish(), impressions: pb.finish() };
}

function applyOne(s: ImplicitState, e: Event): void {
  if (e.kind === 'i') s.applyInteraction(userId(e.u), itemId(e.o), e.type, e.t);
  else s.applyImpression(userId(e.u), itemId(e.o), impressionTimeS(e.yw));
}

/** Runs a job in slices of random size (1 to 3000 work units). */
function runSliced(job: { run(budget: number): boolean }, rng: Rng): void {
  let guard = 0;
  while (!job.run(1 + rng.nextInt(3000))) expect(++guard).toBeLessThan(1_000_000);
}

/** Cuts the events into batches at random points; each batch folded by a sliced job or, sometimes, one by one. */
function foldInBatches(events: Event[], rng: Rng, segmentSize: number): ImplicitState {
  const s = ImplicitState.empty({ slabSegmentSize: segmentSize });
  let at = 0;
  while (at < events.length) {
    const end = Math.min(events.length, at + 1 + rng.nextInt(Math.max(1, events.length >> 1)));
    const batch = events.slice(at, end);
    if (rng.nextInt(5) === 0) {
      for (const e of batch) applyOne(s, e);
    } else {
      const { interactions, impressions } = tables(batch);
      // Masks keep most rows; the dropped ones are folded in a second job, so every event lands once.
      const keepI = Uint8Array.from({ length: interactions.length }, () => (rng.nextInt(4) === 0 ? 0 : 1));
      const keepP = Uint8Array.from({ length: impressions.length }, () => (rng.nextInt(4) === 0 ? 0 : 1));
      const maxBatchEvents = 1 + rng.nextInt(batch.length + 2);
      runSliced(new FoldJob(s, { interactions, impressions, keepInteraction: keepI, keepImpression: keepP }, { maxBatchEvents }), rng);
      const invert = (m: Uint8Array): Uint8Array => m.map((x) => 1 - x);
      runSliced(new FoldJob(s, { interactions, impressions, keepInteraction: invert(keepI), keepImpression: invert(keepP) }, { maxBatchEvents }), rng);
    }
    at = end;
  }
  return s;
}

const COMBOS = (['weighted', 'binary'] as const).flatMap((similarity) =>
  (['item', 'global'] as const).flatMap((neighbourhood) =>
    (['std', 'var'] as const).flatMap((spread) => [true, false].map((leaveOneOut) => ({ similarity, neighbourhood, spread, leaveOneOut }))),
  ),
);

/** Features of every dyad of `s` (sorted by ids), as rows keyed by ids. */
function featureRows(s: ImplicitState, opts: Parameters<typeof computeFeatures>[3], sliceRng?: Rng): Map<string, number[]> {
  const rows = entriesByIds(s);
  const us = Int32Array.from(rows, (e) => s.entryUserIx[e]!);
  const os = Int32Array.from(rows, (e) => s.entryItemIx[e]!);
  const out = new Float64Array(rows.length * WTL_WIDTH);
  const counts = new Int32Array(rows.length);
  if (sliceRng) {
    const job = new FeatureJob(s, us, os, opts, out, counts);
    let guard = 0;
    while (!job.run(1 + sliceRng.nextInt(400))) expect(++guard).toBeLessThan(1_000_000);
  } else {
    computeFeatures(s, us, os, opts, out, counts);
  }
  const byIds = new Map<string, number[]>();
  for (let i = 0; i < rows.length; i++) {
    byIds.set(`${s.users.idAt(us[i]!)},${s.items.idAt(os[i]!)}`, [counts[i]!, ...out.subarray(i * WTL_WIDTH, (i + 1) * WTL_WIDTH)]);
  }
  return byIds;
}

describe('batch fold equals the event-by-event fold', () => {
  it('in any batches, internal batch sizes and slices, and so do the features and a checkpoint rebuild', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 160, size: 'max' }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 2, 4, 8, 64, 1 << 20),
        fc.integer({ min: 1, max: 6 }),
        (events, seed, segmentSize, k) => {
          const rng = Rng.fromSeed(seed);
          const oneByOne = ImplicitState.empty();
          for (const e of events) applyOne(oneByOne, e);
          const { interactions, impressions } = tables(events);
          const batch = stateFromEvents(interactions, impressions);
          const batched = foldInBatches(events, rng, segmentSize);
          const expected = canonicalState(oneByOne);
          expect(canonicalState(batch)).toEqual(expected);
          expect(canonicalState(batched)).toEqual(expected);

          for (const combo of COMBOS) {
            const opts = { ...combo, k };
            expect(featureRows(batched, opts, rng)).toEqual(featureRows(batch, opts));
          }

          // Checkpoint: entries only, rebuilt in slices (maybe on other slab sizes): the same state, and folding
          // more events after it gives what folding them into the original gives.
          const job = ImplicitState.rebuildJob(batched.toCheckpoint(), { slabSegmentSize: [2, 16, 1 << 20][rng.nextInt(3)]! });
          runSliced(job, rng);
          const restored = job.state;
          expect(canonicalState(restored)).toEqual(expected);
          expect(restored.toCheckpoint()).toEqual(batched.toCheckpoint());
          const more = events.slice(0, 40).map((e) => (e.kind === 'i' ? { ...e, type: 1 + ((e.type + 1) % 3), u: e.u + 3 } : { ...e, o: e.o + 2 }));
          const t = tables(more);
          runSliced(new FoldJob(restored, t), rng);
          runSliced(new FoldJob(batched, t), rng);
          expect(canonicalState(restored)).toEqual(canonicalState(batched));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('a state without dot products folds the same entries in batches and rebuilds without pairs', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 120, size: 'max' }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (events, seed) => {
        const rng = Rng.fromSeed(seed);
        const oneByOne = ImplicitState.empty({ pairs: false });
        for (const e of events) applyOne(oneByOne, e);
        const batched = ImplicitState.empty({ pairs: false, slabSegmentSize: 4 });
        runSliced(new FoldJob(batched, tables(events), { maxBatchEvents: 1 + rng.nextInt(20) }), rng);
        expect(canonicalState(batched)).toEqual(canonicalState(oneByOne));
        expect(batched.pairCount).toBe(0);
        const restored = ImplicitState.fromCheckpoint(batched.toCheckpoint());
        expect(restored.tracksPairs).toBe(false);
        expect(canonicalState(restored)).toEqual(canonicalState(oneByOne));
      }),
      { numRuns: 60 },
    );
  });
});
