// Degenerate data, models and metrics are flagged (issue 10 finding 3), each with literal inputs.
import { describe, expect, it } from 'vitest';
import { dataFlags, evaluationFlags, selectionFlags } from '../../../src/core/experiment/flags.js';
import { evaluateTask, type Fig2Task, type TaskEvaluation, type TaskRows } from '../../../src/core/evaluation/index.js';
import type { FeatureReport } from '../../../src/core/features/build-feature-table.js';
import type { ModelRun } from '../../../src/core/experiment/experiment.js';

/** 40 users × 5 dyads, the first positive; scores from `score(user, k)`. */
function evaluation(score: (user: number, k: number) => number, decision = { threshold: 0.5, calibration: null }): TaskEvaluation {
  const userIds: number[] = [];
  const labels: number[] = [];
  const scores: number[] = [];
  for (let u = 0; u < 40; u++) {
    for (let k = 0; k < 5; k++) {
      userIds.push(u);
      // Users 0..19 have 2 positives, users 20..39 one: base rates differ by user.
      labels.push(k === 0 || (u < 20 && k === 1) ? 1 : 0);
      scores.push(score(u, k));
    }
  }
  return evaluateTask({ userIds: Int32Array.from(userIds), labels: Uint8Array.from(labels), scores: Float64Array.from(scores) }, { scoreKind: 'probability', decision });
}

const good = evaluation((u, k) => 0.9 - 0.1 * k + 0.001 * u);

function rows(overrides: Partial<TaskRows> = {}): Record<Fig2Task, TaskRows> {
  const base: TaskRows = { stl: good, mtl: good, baselines: {}, variants: {}, ...overrides };
  return { click: base, embedding: { stl: good, mtl: good, baselines: {}, variants: {} }, bookmark: { stl: good, mtl: good, baselines: {}, variants: {} }, reply: { stl: good, mtl: good, baselines: {}, variants: {} } };
}

describe('evaluation flags', () => {
  it('flags nothing for a model with many distinct scores, a real threshold and per-user signal', () => {
    expect(evaluationFlags(rows(), null)).toEqual([]);
  });

  it('flags a model whose test scores take fewer than 10 distinct values', () => {
    const constant = evaluation(() => 0.2);
    const nine = evaluation((u) => 0.1 + 0.01 * (u % 9));
    const ten = evaluation((u) => 0.1 + 0.01 * (u % 10));
    const flags = evaluationFlags(rows({ stl: constant, mtl: nine, variants: { ten } }), null).filter((f) => f.code === 'few-distinct-scores');
    expect(flags.map((f) => f.row)).toEqual(['stl', 'mtl']);
    expect(flags[0]!.message).toBe('stl scores the 200 click test dyads with 1 distinct value: its ranking metrics are mostly the tie expectation');
  });

  it('flags an F1 equal to the predict-everything-positive F1, except for the random row', () => {
    const allPositive = evaluation((u, k) => 0.9 - 0.1 * k + 0.001 * u, { threshold: 0.01, calibration: null });
    const flags = evaluationFlags(rows({ mtl: allPositive, baselines: { random: allPositive } }), null).filter((f) => f.code === 'f1-all-positive');
    expect(flags.map((f) => f.row)).toEqual(['mtl']);
    expect(flags[0]!.message).toBe(`mtl click F1 ${(120 / 260).toFixed(3)} is the F1 of predicting every dyad positive: its threshold separates nothing`);
  });

  it('labels a pooled AUC that only separates users (within-user pairs at chance)', () => {
    // A per-user constant that follows the users' base rates: pooled AUC above ½, within users exactly ½.
    const userOnly = evaluation((u) => (u < 20 ? 0.8 : 0.2) + 0.0001 * (u % 20));
    expect(userOnly.metrics.auc).toBe(0.5);
    expect(userOnly.metrics.aucPooled!).toBeGreaterThan(0.55);
    const flags = evaluationFlags(rows({ baselines: { popularity: userOnly } }), null).filter((f) => f.code === 'pooled-auc-separates-users');
    expect(flags.map((f) => f.row)).toEqual(['baselines.popularity']);
    expect(flags[0]!.message).toMatch(/^baselines\.popularity click pooled AUC 0\.\d{3} only separates users: on pairs of the same user it is 0\.500 \(chance\)/);
  });

  it('counts oracle dyads without a truth', () => {
    const flags = evaluationFlags(rows(), { preset: 'tiny', seed: 1, testDyadsWithoutTruth: 12, testDyads: 200 });
    expect(flags).toEqual([expect.objectContaining({ code: 'oracle-without-truth', row: 'baselines.oracle' })]);
    expect(flags[0]!.message).toMatch(/^12 of 200 test dyads have no generator truth/);
  });
});

describe('data and selection flags', () => {
  const report = (noNeighbours: number): FeatureReport => ({
    dyads: 1000,
    trainRows: 600,
    testRows: 400,
    labels: { train: { click: 1, bookmark: 0, reply: 0 }, test: { click: 1, bookmark: 0, reply: 0 } },
    fewerThanK: 1000,
    noNeighbours,
    splitTiePlaced: 0,
    usersWithoutProfile: 0,
    itemsWithoutProfile: 0,
  });

  it('warns with the share when more than half the dyads have no neighbour', () => {
    expect(dataFlags(report(500))).toEqual([]);
    expect(dataFlags(report(612))).toEqual([
      {
        code: 'most-dyads-without-neighbours',
        task: null,
        row: null,
        message: '61.2% of the dyads (612 of 1000) have no neighbour: their 15 win/tie/loss statistics are all 0, so the models see little beyond the context columns',
      },
    ]);
  });

  it('repeats the fallback of a task whose validation metric was nowhere defined', () => {
    const run = { selection: { reply: { point: 1, validationAuc: null, fallback: 'no grid point has a defined validation per-user AUC of reply: …' }, click: { point: 0, validationAuc: 0.6, fallback: null } } } as unknown as ModelRun;
    expect(selectionFlags({ mtl: run })).toEqual([{ code: 'selection-fallback', task: 'reply', row: 'mtl', message: 'mtl, reply: no grid point has a defined validation per-user AUC of reply: …' }]);
  });
});
