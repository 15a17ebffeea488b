import { describe, it, expect } from 'vitest';
import { buildFig2, compareTasks, evaluateTask, FIG2_TASKS, pairByUser, type TaskDyads } from '../../../src/core/evaluation/evaluate-task.js';
import { wilcoxonSignedRank, rankSumTest } from '../../../src/core/evaluation/significance.js';
import { Rng } from '../../../src/core/random/rng.js';

function dyads(rows: Array<[user: number, item: number, label: number, score: number]>): TaskDyads {
  return {
    userIds: Int32Array.from(rows.map((r) => r[0])),
    labels: Uint8Array.from(rows.map((r) => r[2])),
    scores: Float64Array.from(rows.map((r) => r[3])),
  };
}

// Logit scores; σ of 0.5 ≈ 0.62, of 0 = 0.5, of −0.2 ≈ 0.45, of −1 ≈ 0.27, of 1 ≈ 0.73.
const TEST = dyads([
  [1, 10, 1, 1.0],
  [1, 11, 0, 0.5],
  [1, 12, 0, -1.0],
  [2, 20, 0, 0.0],
  [2, 21, 1, -0.2],
  [3, 30, 0, -1.0],
]);

describe('evaluateTask', () => {
  it('treats probability scores as probabilities: the same result as their logits', () => {
    const sig = (z: number): number => 1 / (1 + Math.exp(-z));
    const validation = { labels: Uint8Array.from([1, 0, 0]), scores: Float64Array.from([1, -1, -2]) };
    const fromLogits = evaluateTask(TEST, { scoreKind: 'logit', validation });
    const asProbabilities = evaluateTask(
      { ...TEST, scores: TEST.scores.map(sig) },
      { scoreKind: 'probability', validation: { labels: validation.labels, scores: validation.scores.map(sig) } },
    );
    expect(asProbabilities.metrics).toEqual(fromLogits.metrics);
    expect(asProbabilities.threshold).toBe(0.3);
  });

  it('applies a threshold and calibration chosen earlier instead of fitting them again', () => {
    // Ranking scores 1.0, 0.5, −1.0, 0.0, −0.2, −1.0 through σ(2·s − 1): 0.731, 0.5, 0.047, 0.269, 0.198, 0.047.
    const e = evaluateTask(TEST, { scoreKind: 'ranking', decision: { threshold: 0.45, calibration: { a: 2, b: -1 } } });
    expect(e.threshold).toBe(0.45);
    expect(e.calibration).toEqual({ a: 2, b: -1, iterations: 0 });
    // Predicted positive (p > 0.45): items 10 (positive) and 11 (negative) → TP 1, FP 1, FN 1 → F1 = 0.5.
    expect(e.metrics.f1).toBe(0.5);
    const noCalibration = evaluateTask(TEST, { scoreKind: 'ranking', decision: { threshold: 0.45, calibration: null } });
    expect(noCalibration.metrics.f1).toBeNull();
    expect(noCalibration.nullReasons.f1).toMatch(/calibration/);
  });

  it('gives exact values on a literal example with logit scores', () => {
    const validation = { labels: Uint8Array.from([1, 0, 0]), scores: Float64Array.from([1, -1, -2]) };
    const e = evaluateTask(TEST, { scoreKind: 'logit', validation });
    // Per-user AUC: user 1: pos 1.0 beats both → 1; user 2: pos −0.2 < neg 0 → 0; user 3: no positive. Mean 0.5.
    expect(e.metrics.auc).toBe(0.5);
    // MAP@1: users 1 (top positive) = 1, 2 = 0, 3 = 0 → 1/3. AP@5: user 1 = 1/5, user 2 = (1/2)/5, user 3 = 0.
    expect(e.metrics.map1).toBeCloseTo(1 / 3, 15);
    expect(e.metrics.map5).toBeCloseTo((0.2 + 0.1) / 3, 15);
    expect(e.metrics.map5Norm).toBeCloseTo((1 + 0.5) / 3, 15);
    // Pooled: positives 1.0, −0.2 vs negatives 0.5, −1, 0, −1 → 4 + 2 of 8 → 0.75.
    expect(e.metrics.aucPooled).toBe(0.75);
    // Validation: every grid threshold gives F1 = 1 (σ(1) ≈ 0.73 above, σ(−1) ≈ 0.27 below) → 0.3.
    expect(e.threshold).toBe(0.3);
    // Test at 0.3: predicted σ > 0.3: 1.0, 0.5, 0.0, −0.2 (≈ 0.45) → TP 2, FP 2, FN 0 → F1 = 4/6.
    expect(e.metrics.f1).toBeCloseTo(2 / 3, 15);
    expect(e.calibration).toBeNull();
    expect(e.nullReasons).toEqual({});
    expect(e.counts).toEqual({ dyads: 6, positives: 2, users: 3, usersWithPositive: 2, usersWithBothClasses: 2 });
    expect([...e.perUser.auc.userIds]).toEqual([1, 2]);
  });

  it('calibrates ranking scores on validation before choosing the threshold', () => {
    const rng = Rng.fromSeed(5);
    const n = 400;
    const labels = new Uint8Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = rng.nextFloat() < 0.4 ? 1 : 0;
      // Ranking scores on a scale where σ(score) alone would be useless (all far above 0.5).
      scores[i] = 50 + (labels[i] ? 2 : 0) + rng.nextNormal();
    }
    const e = evaluateTask(TEST, { scoreKind: 'ranking', validation: { labels, scores } });
    expect(e.calibration).not.toBeNull();
    expect(e.calibration!.a).toBeGreaterThan(0.5);
    expect(e.threshold).not.toBeNull();
    expect(e.validationF1!).toBeGreaterThan(0.6);
    expect(e.metrics.f1).not.toBeNull();
  });

  it('says why a metric is null', () => {
    const allNegative = dyads([
      [1, 1, 0, 0.3],
      [2, 1, 0, 0.1],
    ]);
    const e = evaluateTask(allNegative, { scoreKind: 'ranking' });
    expect(e.metrics).toEqual({ f1: null, auc: null, aucPooled: null, map1: 0, map5: 0, map5Norm: 0 });
    expect(e.nullReasons.auc).toMatch(/both a positive and a negative/);
    expect(e.nullReasons.aucPooled).toMatch(/no positive/);
    expect(e.nullReasons.f1).toMatch(/validation/);
    const logit = evaluateTask(allNegative, { scoreKind: 'logit' });
    expect(logit.thresholdNote).toMatch(/no validation/);
    expect(logit.nullReasons.f1).toMatch(/no positive test dyad/);
    const empty = evaluateTask(dyads([]), { scoreKind: 'logit' });
    expect(empty.metrics.map1).toBeNull();
    expect(empty.nullReasons.map1).toBe('no test dyad');
  });
});

describe('pairByUser and compareTasks', () => {
  it('pairs only the users present in both, in user id order', () => {
    const p = pairByUser(
      { userIds: Int32Array.from([1, 3, 5, 7]), values: Float64Array.from([0.1, 0.3, 0.5, 0.7]) },
      { userIds: Int32Array.from([2, 3, 7, 9]), values: Float64Array.from([0.2, 0.33, 0.77, 0.9]) },
    );
    expect([...p.userIds]).toEqual([3, 7]);
    expect([...p.a]).toEqual([0.3, 0.7]);
    expect([...p.b]).toEqual([0.33, 0.77]);
  });

  it('tests the per-user values paired by user id', () => {
    const rng = Rng.fromSeed(9);
    const rows: Array<[number, number, number, number]> = [];
    for (let u = 0; u < 60; u++) for (let i = 0; i < 12; i++) rows.push([u, i, rng.nextFloat() < 0.4 ? 1 : 0, rng.nextFloat()]);
    const stlData = dyads(rows);
    // MTL: same dyads, scores nudged toward the labels, and user 0 missing.
    const mtlRows = rows.filter((r) => r[0] !== 0).map((r): [number, number, number, number] => [r[0], r[1], r[2], r[3] + 0.3 * r[2]]);
    const stl = evaluateTask(stlData, { scoreKind: 'ranking' });
    const mtl = evaluateTask(dyads(mtlRows), { scoreKind: 'ranking' });
    const c = compareTasks(stl, mtl);
    const paired = pairByUser(stl.perUser.ap1, mtl.perUser.ap1);
    expect(paired.userIds[0]).toBe(1);
    expect(c.tests.map1.pairs).toBe(59);
    expect(c.pValues.map1).toBe(wilcoxonSignedRank(paired.a, paired.b).p);
    expect(c.pValuesRankSum.map1).toBe(rankSumTest(paired.a, paired.b).p);
    expect(c.pValues.auc).not.toBeNull();
    expect(c.pValues.auc!).toBeLessThan(0.01);
  });

  it('builds the Fig. 2 shape for the four tasks', () => {
    const e = evaluateTask(TEST, { scoreKind: 'logit' });
    const noUsers = evaluateTask(dyads([[1, 1, 0, 0]]), { scoreKind: 'ranking' });
    const none = { baselines: {}, variants: {} };
    const { fig2, nullReasons } = buildFig2({
      click: { stl: e, mtl: e, ...none },
      embedding: { stl: noUsers, mtl: noUsers, ...none },
      bookmark: { stl: e, mtl: e, ...none },
      reply: { stl: e, mtl: e, ...none },
    });
    expect(Object.keys(fig2)).toEqual([...FIG2_TASKS]);
    expect(Object.keys(fig2.click)).toEqual(['stl', 'mtl', 'pValues', 'pValuesRankSum', 'baselines', 'variants', 'bestBaseline', 'againstBestBaseline']);
    expect(Object.keys(fig2.click.stl)).toEqual(['f1', 'auc', 'aucPooled', 'map1', 'map5', 'map5Norm']);
    // Identical models: every difference is 0 → p = 1.
    expect(fig2.click.pValues).toEqual({ auc: 1, map1: 1, map5: 1 });
    expect(fig2.embedding.pValues.auc).toBeNull();
    expect(fig2.embedding.stl.auc).toBeNull();
    expect(JSON.parse(JSON.stringify(fig2)).embedding.stl.auc).toBeNull();
    expect(nullReasons.embedding?.stl?.auc).toMatch(/both/);
    expect(nullReasons.click).toBeUndefined();
    expect(fig2.click.bestBaseline).toEqual({ auc: null, map1: null, map5: null });
  });

  it('puts baselines and variants beside STL and MTL with their tests against both, and finds the best baseline', () => {
    // STL and MTL rank each user's positive first; the baselines rank it last (popularity) or tie everything (random).
    const rows: [number, number, number, number][] = [];
    for (let u = 0; u < 30; u++) for (let k = 0; k < 4; k++) rows.push([u, k, k === 0 ? 1 : 0, k === 0 ? 1 : -k]);
    const model = evaluateTask(dyads(rows), { scoreKind: 'logit' });
    const random = evaluateTask(dyads(rows.map(([u, i, l]) => [u, i, l, 0])), { scoreKind: 'logit' });
    const popularity = evaluateTask(dyads(rows.map(([u, i, l]) => [u, i, l, i])), { scoreKind: 'logit' });
    const entry = buildFig2({
      click: { stl: model, mtl: model, baselines: { random, popularity }, variants: { same: model } },
      embedding: { stl: model, mtl: model, baselines: {}, variants: {} },
      bookmark: { stl: model, mtl: model, baselines: {}, variants: {} },
      reply: { stl: model, mtl: model, baselines: {}, variants: {} },
    }).fig2.click;
    expect(Object.keys(entry.baselines)).toEqual(['random', 'popularity']);
    expect(entry.baselines.random!.auc).toBe(0.5);
    expect(entry.baselines.random!.map1).toBe(0.25);
    expect(entry.baselines.popularity!.auc).toBe(0);
    // 30 users, every one worse than the model: the signed-rank test is exact up to 25 pairs, normal beyond.
    expect(entry.baselines.random!.pValuesVsStl.auc!).toBeLessThan(1e-6);
    expect(entry.variants.same!.pValuesVsMtl).toEqual({ auc: 1, map1: 1, map5: 1 });
    expect(entry.bestBaseline.auc).toEqual({ name: 'random', value: 0.5 });
    expect(entry.againstBestBaseline.stl!.auc).toEqual({ baseline: 'random', gap: 0.5, p: entry.baselines.random!.pValuesVsStl.auc, beats: true });
    expect(Object.keys(entry.againstBestBaseline)).toEqual(['stl', 'mtl', 'variants.same']);
  });

  it('reports distinct scores, the predict-everything-positive F1 and the pooled AUC split by pairs', () => {
    // Per-user constant scores that follow each user's base rate: within users at chance, between users not.
    const rows: [number, number, number, number][] = [
      [1, 1, 1, 0.9], [1, 2, 1, 0.9], [1, 3, 0, 0.9],
      [2, 1, 1, 0.1], [2, 2, 0, 0.1], [2, 3, 0, 0.1],
    ];
    const e = evaluateTask(dyads(rows), { scoreKind: 'probability', decision: { threshold: 0.05, calibration: null } });
    expect(e.distinctScores).toBe(2);
    expect(e.allPositiveF1).toBe(6 / 9);
    expect(e.metrics.f1).toBe(e.allPositiveF1);
    expect(e.metrics.auc).toBe(0.5);
    // Pairs: within user 1: 2 (tied), user 2: 2 (tied) → ½; between: user 1's positives over user 2's negatives
    // (4, correct) and user 2's positive over user 1's negative (1, wrong) → 4/5. Pooled: (2 + 4)/9.
    expect(e.pooledParts).toEqual({ withinUsers: 0.5, betweenUsers: 0.8 });
    expect(e.metrics.aucPooled).toBeCloseTo(6 / 9, 15);
  });
});
