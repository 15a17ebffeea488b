// The `daemon` preset (generated in memory, 30/30 subsampling): about 800k dyads, and no dyad's features use
// its own label, checked on the whole table for test dyads and one flip at a time for training dyads.
import { describe, it, expect, beforeAll } from 'vitest';
import { DEFAULT_SUBSAMPLE, subsample } from '../../../src/core/dataset/subsample.js';
import type { Dataset } from '../../../src/core/events/tables.js';
import { buildFeatureTable, DEFAULT_FEATURE_OPTIONS, type FeatureReport } from '../../../src/core/features/build-feature-table.js';
import { SPLIT, WTL_WIDTH, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { computeFeatures } from '../../../src/core/features/wtl.js';
import { foldEvents, ImplicitState } from '../../../src/core/matrix/implicit-state.js';
import { Rng } from '../../../src/core/random/rng.js';
import { synthDataset } from '../synth/synth-dataset.js';
import { dyadKey, flipLabels } from '../../helpers/flip-labels.js';
import { evaluateTask } from '../../../src/core/evaluation/index.js';

let ds: Dataset;
let table: FeatureTable;
let report: FeatureReport;

beforeAll(() => {
  ds = subsample(synthDataset('daemon', 1).dataset, DEFAULT_SUBSAMPLE);
  ({ table, report } = buildFeatureTable(ds, DEFAULT_FEATURE_OPTIONS));
}, 180_000);

describe('feature table of the daemon preset', () => {
  it('has about 800k dyads (paper: 819,226), about 2/3 of them train', () => {
    expect(table.length).toBeGreaterThan(0.9 * 819226);
    expect(table.length).toBeLessThan(1.1 * 819226);
    expect(report.trainRows / table.length).toBeGreaterThan(0.64);
    expect(report.trainRows / table.length).toBeLessThan(0.7);
    expect(report.labels.train.click + report.labels.test.click).toBeGreaterThan(200_000);
  });

  it('flipping the labels of every test dyad moves no feature (leakage none: test dyads are not in the state)', () => {
    const flip = new Set<number>();
    for (let i = 0; i < table.length; i++) if (table.split[i] === SPLIT.test) flip.add(dyadKey(table.userIds[i]!, table.itemIds[i]!));
    const flipped = buildFeatureTable(flipLabels(ds, flip), DEFAULT_FEATURE_OPTIONS).table;
    let labelsMoved = 0;
    for (let i = 0; i < table.length; i++) if (flipped.click[i] !== table.click[i]) labelsMoved++;
    expect(labelsMoved).toBeGreaterThan(50_000);
    // Plain loops: a deep equality of 12M numbers is slow in the test runner.
    let splitMoved = 0;
    for (let i = 0; i < table.length; i++) if (flipped.split[i] !== table.split[i]) splitMoved++;
    let featuresMoved = 0;
    for (let j = 0; j < table.wtl.length; j++) if (!Object.is(flipped.wtl[j], table.wtl[j])) featuresMoved++;
    expect({ splitMoved, featuresMoved, length: flipped.length }).toEqual({ splitMoved: 0, featuresMoved: 0, length: table.length });
  }, 180_000);

  it('flipping one training dyad at a time leaves its own features unchanged (leave-one-out)', () => {
    // The training state, as buildFeatureTable folds it: events of training dyads only.
    const train = new Set<number>();
    for (let i = 0; i < table.length; i++) if (table.split[i] === SPLIT.train) train.add(dyadKey(table.userIds[i]!, table.itemIds[i]!));
    const keepI = Uint8Array.from({ length: ds.interactions.length }, (_, i) => (train.has(dyadKey(ds.interactions.userIds[i]!, ds.interactions.itemIds[i]!)) ? 1 : 0));
    const keepP = Uint8Array.from({ length: ds.impressions.length }, (_, i) => (train.has(dyadKey(ds.impressions.userIds[i]!, ds.impressions.itemIds[i]!)) ? 1 : 0));
    const state = foldEvents(ImplicitState.empty(), ds.interactions, ds.impressions, keepI, keepP);
    const rng = Rng.fromSeed(42);
    const before = new Float64Array(WTL_WIDTH);
    const after = new Float64Array(WTL_WIDTH);
    let flips = 0;
    let withNeighbours = 0;
    while (flips < 60) {
      const i = rng.nextInt(table.length);
      if (table.split[i] !== SPLIT.train) continue;
      const u = state.users.indexOf(table.userIds[i]!);
      const o = state.items.indexOf(table.itemIds[i]!);
      const e = state.entryOf(u, o);
      const mask = state.entryTypes[e]!;
      if (mask === 7) continue;
      const type = [1, 2, 3].find((t) => (mask & (1 << (t - 1))) === 0)!;
      const opts = DEFAULT_FEATURE_OPTIONS;
      computeFeatures(state, Int32Array.of(u), Int32Array.of(o), opts, before);
      // Before any flip the state is the table's: the single-dyad path agrees with the batch row.
      if (flips === 0) expect([...before]).toEqual([...table.wtl.subarray(i * WTL_WIDTH, (i + 1) * WTL_WIDTH)]);
      state.applyInteraction(table.userIds[i]!, table.itemIds[i]!, type, state.entryFirstSeenS[e]!);
      computeFeatures(state, Int32Array.of(u), Int32Array.of(o), opts, after);
      expect(state.entryTypes[e]).not.toBe(mask);
      expect([...after]).toEqual([...before]);
      if (before.some((x) => x !== 0)) withNeighbours++;
      flips++;
    }
    expect(withNeighbours).toBeGreaterThan(20);
  }, 120_000);
});

describe('evaluation on the daemon test split', () => {
  it('gives a model that scores at random a per-user AUC of 0.5 ± 0.02 for every task (issue 5)', () => {
    const rows: number[] = [];
    for (let i = 0; i < table.length; i++) if (table.split[i] === SPLIT.test) rows.push(i);
    const rng = Rng.fromSeed(2026);
    const scores = Float64Array.from(rows, () => rng.nextFloat());
    const userIds = Int32Array.from(rows, (r) => table.userIds[r]!);
    for (const column of [table.click, table.bookmark, table.reply]) {
      const labels = Uint8Array.from(rows, (r) => column[r]!);
      const e = evaluateTask({ userIds, labels, scores }, { scoreKind: 'ranking' });
      expect(e.counts.usersWithBothClasses).toBeGreaterThan(1000);
      expect(Math.abs(e.metrics.auc! - 0.5)).toBeLessThan(0.02);
      expect(Math.abs(e.metrics.aucPooled! - 0.5)).toBeLessThan(0.02);
    }
  });
});
