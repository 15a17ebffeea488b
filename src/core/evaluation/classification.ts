// Classification side of method.md §7: positive-class F1 at a threshold chosen on validation, and the
// logistic calibration σ(a·score + b) that turns ranking scores (click, embedding) into probabilities.
import { invariant } from '../errors.js';
import { sigmoid, softplus } from './special.js';
import type { ScoreArray } from './ranking.js';

/** The paper's threshold grid (§5: {0.3, 0.35, 0.4, 0.45, 0.5}). */
export const PAPER_THRESHOLD_GRID: readonly number[] = [0.3, 0.35, 0.4, 0.45, 0.5];

/** Threshold used when validation cannot choose one (no positive there): the usual 0.5. */
export const DEFAULT_THRESHOLD = 0.5;

/** Confusion counts of the positive class. */
export interface Confusion {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
}

/**
 * Confusion counts when a dyad is predicted positive iff its probability is strictly above the threshold
 * (as the authors' code, authors-code.md §5.2).
 */
export function confusionAt(labels: Uint8Array, probabilities: ScoreArray, threshold: number): Confusion {
  invariant(labels.length === probabilities.length, 'labels and probabilities differ in length');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = probabilities[i]! > threshold;
    if (labels[i] !== 0) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn };
}

/** F1 of the positive class, 2TP/(2TP + FP + FN); `null` when there is no positive label (undefined recall). */
export function f1FromConfusion(c: Confusion): number | null {
  if (c.truePositives + c.falseNegatives === 0) return null;
  return (2 * c.truePositives) / (2 * c.truePositives + c.falsePositives + c.falseNegatives);
}

/** Positive-class F1 at a threshold (predicted positive iff probability > threshold); `null` without positives. */
export function f1Score(labels: Uint8Array, probabilities: ScoreArray, threshold: number): number | null {
  return f1FromConfusion(confusionAt(labels, probabilities, threshold));
}

/** The threshold validation chose, with the validation F1 it reached, or why it fell back to the default. */
export interface ThresholdChoice {
  threshold: number;
  validationF1: number | null;
  /** Set when the default threshold was used because validation could not choose. */
  fallbackReason: string | null;
}

/**
 * The grid threshold with the highest validation F1 (method.md §7); ties go to the earliest grid entry.
 * Falls back to 0.5 when the validation set has no positive.
 */
export function chooseThreshold(labels: Uint8Array, probabilities: ScoreArray, grid: readonly number[] = PAPER_THRESHOLD_GRID): ThresholdChoice {
  invariant(grid.length > 0, 'threshold grid is empty');
  let best = -1;
  let bestThreshold = DEFAULT_THRESHOLD;
  for (const t of grid) {
    const f1 = f1Score(labels, probabilities, t);
    if (f1 === null) {
      return { threshold: DEFAULT_THRESHOLD, validationF1: null, fallbackReason: 'the validation set has no positive dyad' };
    }
    if (f1 > best) {
      best = f1;
      bestThreshold = t;
    }
  }
  return { threshold: bestThreshold, validationF1: best, fallbackReason: null };
}

/** A fitted logistic calibration p = σ(a·score + b). */
export interface Calibration {
  a: number;
  b: number;
  /** Newton iterations used. */
  iterations: number;
}

/** Applies a calibration to scores: p_i = σ(a·score_i + b). */
export function applyCalibration(scores: ScoreArray, calibration: { a: number; b: number }): Float64Array {
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = sigmoid(calibration.a * scores[i]! + calibration.b);
  return out;
}

/** Applies σ to logits (bookmark and reply scores are logits of a logistic model). */
export function sigmoidAll(scores: ScoreArray): Float64Array {
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = sigmoid(scores[i]!);
  return out;
}

/**
 * Fits σ(a·score + b) to 0/1 labels by Newton's method with a backtracking line search on the logistic
 * loss: Platt's scaling (J. Platt, "Probabilistic outputs for support vector machines", 1999) with his
 * smoothed targets (N₊+1)/(N₊+2) and 1/(N₋+2), which keep a and b finite when the classes separate, and
 * the Newton iteration of Lin, Lin & Weng ("A note on Platt's probabilistic outputs for support vector
 * machines", Machine Learning 68, 2007). Scores are standardised first (Newton is affine-invariant, this
 * only helps rounding). Sums run in input order, so the result is deterministic. Empty input: a = 0,
 * b = 0.
 */
export function fitLogisticCalibration(labels: Uint8Array, scores: ScoreArray, maxIterations = 100): Calibration {
  invariant(labels.length === scores.length, 'labels and scores differ in length');
  const n = labels.length;
  if (n === 0) return { a: 0, b: 0, iterations: 0 };
  let positives = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    invariant(Number.isFinite(scores[i]!), `calibration score ${i} is not finite`);
    if (labels[i] !== 0) positives++;
    mean += scores[i]!;
  }
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (scores[i]! - mean) ** 2;
  const sd = Math.sqrt(variance / n) || 1;
  const negatives = n - positives;
  const hiTarget = (positives + 1) / (positives + 2);
  const loTarget = 1 / (negatives + 2);

  const objective = (a: number, b: number): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = (a * (scores[i]! - mean)) / sd + b;
      const t = labels[i] !== 0 ? hiTarget : loTarget;
      f += softplus(z) - t * z;
    }
    return f;
  };

  // Platt's start: a = 0, b = log((N₊+1)/(N₋+1)).
  let a = 0;
  let b = Math.log((positives + 1) / (negatives + 1));
  let f = objective(a, b);
  const ridge = 1e-12; // keeps the Hessian invertible when every score is equal (Lin, Lin & Weng's σ)
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let ga = 0;
    let gb = 0;
    let haa = ridge;
    let hab = 0;
    let hbb = ridge;
    for (let i = 0; i < n; i++) {
      const x = (scores[i]! - mean) / sd;
      const p = sigmoid(a * x + b);
      const t = labels[i] !== 0 ? hiTarget : loTarget;
      const d = p - t;
      const w = p * (1 - p);
      ga += d * x;
      gb += d;
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    if (Math.abs(ga) < 1e-10 * n && Math.abs(gb) < 1e-10 * n) break;
    const det = haa * hbb - hab * hab;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    const slope = ga * da + gb * db;
    // Newton decrement λ²/2 = −slope/2 bounds the remaining decrease of f (Boyd & Vandenberghe, Convex
    // Optimization §9.5.1): stop once it is below rounding of f, or the line search would accept steps
    // that change nothing.
    if (-slope / 2 <= 1e-12 * Math.max(1, Math.abs(f))) break;
    let step = 1;
    let accepted = false;
    while (step >= 1e-10) {
      const fNew = objective(a + step * da, b + step * db);
      if (fNew <= f + 1e-4 * step * slope) {
        a += step * da;
        b += step * db;
        f = fNew;
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
  }
  // Undo the standardisation: a·(s − mean)/sd + b = (a/sd)·s + (b − a·mean/sd).
  return { a: a / sd, b: b - (a * mean) / sd, iterations };
}
