import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  applyCalibration,
  chooseThreshold,
  confusionAt,
  f1Score,
  fitLogisticCalibration,
} from '../../../src/core/evaluation/classification.js';
import { sigmoid } from '../../../src/core/evaluation/special.js';
import { Rng } from '../../../src/core/random/rng.js';

const LABELS = Uint8Array.from([1, 0, 1, 1, 0]);
const PROBS = Float64Array.from([0.6, 0.4, 0.35, 0.2, 0.31]);

describe('F1 and the threshold', () => {
  it('predicts positive strictly above the threshold and gives the hand-computed F1', () => {
    // > 0.3: 1 1 1 0 1 → TP 2, FP 2, FN 1 → 4/7. > 0.35: 1 1 0 0 0 → TP 1, FP 1, FN 2 → 2/5.
    // > 0.4 (0.4 itself is not above): 1 0 0 0 0 → TP 1, FN 2 → 2/4.
    expect(confusionAt(LABELS, PROBS, 0.3)).toEqual({ truePositives: 2, falsePositives: 2, falseNegatives: 1, trueNegatives: 0 });
    expect(f1Score(LABELS, PROBS, 0.3)).toBe(4 / 7);
    expect(f1Score(LABELS, PROBS, 0.35)).toBe(0.4);
    expect(f1Score(LABELS, PROBS, 0.4)).toBe(0.5);
    expect(f1Score(Uint8Array.from([0, 0]), Float64Array.from([0.9, 0.1]), 0.5)).toBeNull();
    expect(f1Score(Uint8Array.from([1, 0]), Float64Array.from([0.1, 0.1]), 0.5)).toBe(0);
  });

  it('chooses the grid threshold with the best validation F1, earliest on ties', () => {
    expect(chooseThreshold(LABELS, PROBS)).toEqual({ threshold: 0.3, validationF1: 4 / 7, fallbackReason: null });
    // 0.4, 0.45, 0.5 all give 0.5: the earliest wins.
    expect(chooseThreshold(LABELS, PROBS, [0.4, 0.45, 0.5]).threshold).toBe(0.4);
    const none = chooseThreshold(Uint8Array.from([0, 0]), Float64Array.from([0.2, 0.7]));
    expect(none.threshold).toBe(0.5);
    expect(none.fallbackReason).toMatch(/no positive/);
  });

  it('agrees with a direct count (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 20 })), { maxLength: 50 }),
        fc.constantFrom(0.3, 0.35, 0.4, 0.45, 0.5),
        (rows, t) => {
          const labels = Uint8Array.from(rows.map((r) => r[0]));
          const probs = Float64Array.from(rows.map((r) => r[1] / 20));
          const tp = rows.filter((r) => r[0] === 1 && r[1] / 20 > t).length;
          const fp = rows.filter((r) => r[0] === 0 && r[1] / 20 > t).length;
          const fn = rows.filter((r) => r[0] === 1 && !(r[1] / 20 > t)).length;
          const expected = tp + fn === 0 ? null : (2 * tp) / (2 * tp + fp + fn);
          expect(f1Score(labels, probs, t)).toBe(expected);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});

describe('logistic calibration (Platt scaling, Newton)', () => {
  it('matches a scipy BFGS minimisation of the same objective', () => {
    // scipy.optimize.minimize(BFGS, gtol 1e-12) of Σ softplus(a·s+b) − t·(a·s+b) with Platt's targets
    // (N₊+1)/(N₊+2), 1/(N₋+2) on these 12 points gave a = 0.757409684524861, b = -0.23570434153363684.
    const scores = Float64Array.from([-2.0, -1.5, -1.0, -0.5, 0.0, 0.3, 0.8, 1.0, 1.7, 2.5, 3.0, -0.2]);
    const labels = Uint8Array.from([0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 0]);
    const c = fitLogisticCalibration(labels, scores);
    expect(c.a).toBeCloseTo(0.757409684524861, 7);
    expect(c.b).toBeCloseTo(-0.23570434153363684, 7);
    // Affine in the scores: scaling scores by 100 and shifting by 7 scales a and moves b accordingly.
    const shifted = Float64Array.from(scores, (s) => 100 * s + 7);
    const c2 = fitLogisticCalibration(labels, shifted);
    expect(c2.a * 100).toBeCloseTo(c.a, 7);
    expect(c2.b + 7 * c2.a).toBeCloseTo(c.b, 7);
    const p = applyCalibration(Float64Array.from([1]), c);
    expect(p[0]).toBe(sigmoid(c.a + c.b));
  });

  it('stays finite when the classes separate, and when every score is equal', () => {
    const sep = fitLogisticCalibration(Uint8Array.from([0, 0, 1, 1]), Float64Array.from([-1, -0.5, 0.5, 1]));
    expect(Number.isFinite(sep.a) && sep.a > 0).toBe(true);
    expect(Number.isFinite(sep.b)).toBe(true);
    const flat = fitLogisticCalibration(Uint8Array.from([0, 1, 0, 1]), Float64Array.from([2, 2, 2, 2]));
    // All targets average to ½ → σ(a·2 + b) = ½.
    expect(sigmoid(flat.a * 2 + flat.b)).toBeCloseTo(0.5, 9);
    expect(fitLogisticCalibration(new Uint8Array(0), new Float64Array(0))).toEqual({ a: 0, b: 0, iterations: 0 });
  });

  it('stops by the Newton decrement instead of crawling at rounding level on a large sample', () => {
    // A sample on which, without that stop, the line search accepted zero-progress steps up to the cap.
    const rng = Rng.fromSeed(1);
    const n = 68000;
    const labels = new Uint8Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      rng.nextInt(25184);
      labels[i] = rng.nextFloat() < 0.3 ? 1 : 0;
      scores[i] = rng.nextNormal() + 0.3 * labels[i]!;
    }
    const c = fitLogisticCalibration(labels, scores);
    expect(c.iterations).toBeLessThan(10);
    // The gradient of the Platt objective vanishes at the returned (a, b).
    const hi = (labels.reduce((s, l) => s + l, 0) + 1) / (labels.reduce((s, l) => s + l, 0) + 2);
    const lo = 1 / (n - labels.reduce((s, l) => s + l, 0) + 2);
    let ga = 0;
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const d = sigmoid(c.a * scores[i]! + c.b) - (labels[i] ? hi : lo);
      ga += d * scores[i]!;
      gb += d;
    }
    expect(Math.abs(ga) / n).toBeLessThan(1e-8);
    expect(Math.abs(gb) / n).toBeLessThan(1e-8);
  });

  it('is deterministic', () => {
    const scores = Float64Array.from({ length: 200 }, (_, i) => Math.sin(i) * 3);
    const labels = Uint8Array.from({ length: 200 }, (_, i) => (Math.cos(i * 1.7) + Math.sin(i) > 0.3 ? 1 : 0));
    expect(fitLogisticCalibration(labels, scores)).toEqual(fitLogisticCalibration(labels, scores));
  });
});
