// Incremental equals batch, for the stream (issue 11 "Must show"): for random event sequences cut into random
// windows, the state after folding windows 1..t−1 incrementally (one batch fold per window, run in random slices)
// and the window-t snapshot computed from it (also in random slices) equal the batch build on the same events: a
// state folded event by event from every event before window t, and the brute-force oracle's features, for every
// combination of similarity, neighbourhood, spread, leave-one-out and k (no subsampling; leakage and the split do
// not apply to the stream).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ImpressionTableBuilder, InteractionTableBuilder, type ImpressionTable, type InteractionTable } from '../../../src/core/events/tables.js';
import { CONTEXT_WIDTH, WTL_WIDTH } from '../../../src/core/features/feature-table.js';
import { contextFeatures } from '../../../src/core/features/context.js';
import { WindowSnapshotJob } from '../../../src/core/features/window-snapshot.js';
import { FoldJob } from '../../../src/core/matrix/batch-fold.js';
import { ImplicitState, impressionTimeS } from '../../../src/core/matrix/implicit-state.js';
import { Rng } from '../../../src/core/random/rng.js';
import { isoYearWeek } from '../../../src/core/time/iso-week.js';
import { windowStartS } from '../../../src/core/window/window.js';
import { canonicalState } from '../../core/matrix/canonical-state.js';
import { imRows, oracleDyads, oracleWtl } from '../../core/features/oracle.js';
import { randomDataset } from '../../helpers/random-dataset.js';

type Events = { interactions: InteractionTable; impressions: ImpressionTable };

/** The events of a dataset whose event time t satisfies keep(t). */
function select(ev: Events, keep: (t: number) => boolean): Events {
  const it = new InteractionTableBuilder(16);
  for (let i = 0; i < ev.interactions.length; i++) {
    const t = ev.interactions.createdAtS[i]!;
    if (keep(t)) it.push(ev.interactions.userIds[i]!, ev.interactions.itemIds[i]!, ev.interactions.types[i]!, t);
  }
  const im = new ImpressionTableBuilder(16);
  for (let i = 0; i < ev.impressions.length; i++) {
    const yw = ev.impressions.yearWeeks[i]!;
    if (keep(impressionTimeS(yw))) im.push(ev.impressions.userIds[i]!, ev.impressions.itemIds[i]!, yw);
  }
  return { interactions: it.finish(), impressions: im.finish() };
}

/** Runs a sliceable job with random budgets until done. */
function runRandomly(job: { run(budget: number): boolean }, rng: Rng): void {
  for (let guard = 0; guard < 1_000_000; guard++) if (job.run(1 + rng.nextInt(rng.nextInt(2) === 0 ? 8 : 400))) return;
  throw new Error('job did not finish');
}

/** The batch reference: every event folded one at a time into a fresh state. */
function eventByEvent(ev: Events): ImplicitState {
  const s = ImplicitState.empty();
  for (let i = 0; i < ev.interactions.length; i++) {
    s.applyInteraction(ev.interactions.userIds[i]!, ev.interactions.itemIds[i]!, ev.interactions.types[i]!, ev.interactions.createdAtS[i]!);
  }
  for (let i = 0; i < ev.impressions.length; i++) s.applyImpression(ev.impressions.userIds[i]!, ev.impressions.itemIds[i]!, impressionTimeS(ev.impressions.yearWeeks[i]!));
  return s;
}

const optionsArb = fc.record({
  k: fc.integer({ min: 1, max: 6 }),
  similarity: fc.constantFrom('weighted' as const, 'binary' as const),
  neighbourhood: fc.constantFrom('item' as const, 'global' as const),
  spread: fc.constantFrom('std' as const, 'var' as const),
  leaveOneOut: fc.boolean(),
});

const shapeArb = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  users: fc.integer({ min: 1, max: 12 }),
  items: fc.integer({ min: 1, max: 10 }),
  interactions: fc.integer({ min: 0, max: 90 }),
  impressions: fc.integer({ min: 0, max: 50 }),
  profileShare: fc.constantFrom(0, 0.7),
  // Window lengths from 6 h to 2 weeks: several windows per ISO week, or several weeks per window.
  windowS: fc.constantFrom(6 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400),
});

describe('the stream: windows folded incrementally equal the batch build', () => {
  it('state after windows 1..t−1 and the window-t snapshot, for every option combination', () => {
    fc.assert(
      fc.property(shapeArb, optionsArb, (shape, opts) => {
        const ds = randomDataset({ ...shape, weeks: 4 });
        const all: Events = { interactions: ds.interactions, impressions: ds.impressions };
        const rng = Rng.fromSeed(shape.seed ^ 0x5eed);
        const starts = new Set<number>();
        for (let i = 0; i < all.interactions.length; i++) starts.add(windowStartS(all.interactions.createdAtS[i]!, shape.windowS));
        for (let i = 0; i < all.impressions.length; i++) starts.add(windowStartS(impressionTimeS(all.impressions.yearWeeks[i]!), shape.windowS));
        const state = ImplicitState.empty();
        for (const start of [...starts].sort((a, b) => a - b)) {
          const end = start + shape.windowS;
          const before = select(all, (t) => t < start);
          const inWindow = select(all, (t) => t >= start && t < end);
          // The incremental state equals the batch state of every earlier event.
          expect(canonicalState(state)).toEqual(canonicalState(eventByEvent(before)));

          const job = new WindowSnapshotJob(inWindow, state, { users: ds.users, items: ds.items }, opts);
          runRandomly(job, rng);
          const { table, report } = job.result();
          // The window's dyads and labels from its own events; features from the earlier ones, by brute force.
          const dyads = oracleDyads({ ...ds, interactions: inWindow.interactions, impressions: inWindow.impressions });
          const rows = imRows(oracleDyads({ ...ds, interactions: before.interactions, impressions: before.impressions }));
          expect(table.length).toBe(dyads.length);
          expect(report.dyads).toBe(dyads.length);
          const context = new Int32Array(dyads.length * CONTEXT_WIDTH);
          contextFeatures(Int32Array.from(dyads, (d) => d.userId), Int32Array.from(dyads, (d) => d.itemId), ds.users, ds.items, context);
          for (let i = 0; i < dyads.length; i++) {
            const d = dyads[i]!;
            expect([table.userIds[i], table.itemIds[i]]).toEqual([d.userId, d.itemId]);
            expect([table.click[i], table.bookmark[i], table.reply[i]]).toEqual([d.types.has(1) ? 1 : 0, d.types.has(2) ? 1 : 0, d.types.has(3) ? 1 : 0]);
            expect(table.weeks[i]).toBe(isoYearWeek(d.firstS));
            expect([...table.wtl.subarray(i * WTL_WIDTH, (i + 1) * WTL_WIDTH)]).toEqual(oracleWtl(rows, d.userId, d.itemId, opts));
            expect([...table.context.subarray(i * CONTEXT_WIDTH, (i + 1) * CONTEXT_WIDTH)]).toEqual([...context.subarray(i * CONTEXT_WIDTH, (i + 1) * CONTEXT_WIDTH)]);
          }
          runRandomly(new FoldJob(state, inWindow, { maxBatchEvents: 1 + rng.nextInt(64) }), rng);
        }
        expect(canonicalState(state)).toEqual(canonicalState(eventByEvent(all)));
      }),
      { numRuns: 120 },
    );
  });
});
