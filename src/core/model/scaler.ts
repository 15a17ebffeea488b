// The context scaler of method.md §4: z-scores of the 16 raw contextual columns, part of the model. Kept in
// running form (count, mean, M2) so the stream can merge each window's training dyads into it
// (Chan, Golub & LeVeque's pairwise update of mean and M2; Welford's update within one table).
import { CONTEXT_WIDTH, SPLIT, type FeatureTable } from '../features/feature-table.js';

/** Running mean and sum of squared deviations per contextual column. */
export interface ContextScaler {
  count: number;
  mean: Float64Array;
  m2: Float64Array;
}

/** A scaler that has seen no rows (every column maps to 0). */
export function emptyScaler(width = CONTEXT_WIDTH): ContextScaler {
  return { count: 0, mean: new Float64Array(width), m2: new Float64Array(width) };
}

/** The training rows of a table as a mask (split === train). */
export function trainingRowMask(table: FeatureTable): Uint8Array {
  const mask = new Uint8Array(table.length);
  for (let r = 0; r < table.length; r++) mask[r] = table.split[r] === SPLIT.train ? 1 : 0;
  return mask;
}

/** Fits a scaler on the rows of `rowMask` (default: the training rows), in row order (Welford). */
export function fitScaler(table: FeatureTable, rowMask: Uint8Array = trainingRowMask(table)): ContextScaler {
  const s = emptyScaler();
  const { mean, m2 } = s;
  const ctx = table.context;
  let n = 0;
  for (let r = 0; r < table.length; r++) {
    if (rowMask[r] !== 1) continue;
    n++;
    const off = r * CONTEXT_WIDTH;
    for (let j = 0; j < CONTEXT_WIDTH; j++) {
      const x = ctx[off + j]!;
      const d = x - mean[j]!;
      mean[j] = mean[j]! + d / n;
      m2[j] = m2[j]! + d * (x - mean[j]!);
    }
  }
  s.count = n;
  return s;
}

/** Merges two scalers into a new one, as if one had seen both sets of rows (Chan et al. 1979). */
export function mergeScalers(a: ContextScaler, b: ContextScaler): ContextScaler {
  const width = a.mean.length;
  const out = emptyScaler(width);
  const n = a.count + b.count;
  out.count = n;
  if (n === 0) return out;
  for (let j = 0; j < width; j++) {
    const delta = b.mean[j]! - a.mean[j]!;
    out.mean[j] = a.count === 0 ? b.mean[j]! : b.count === 0 ? a.mean[j]! : a.mean[j]! + (delta * b.count) / n;
    out.m2[j] = a.m2[j]! + b.m2[j]! + (delta * delta * a.count * b.count) / n;
  }
  return out;
}

/** A deep copy of a scaler. */
export function cloneScaler(s: ContextScaler): ContextScaler {
  return { count: s.count, mean: s.mean.slice(), m2: s.m2.slice() };
}

/** The transform x → (x − mean)·invStd: population std; a column with std 0 (or no rows) maps to 0. */
export function scalerTransform(s: ContextScaler): { mean: Float64Array; invStd: Float64Array } {
  const width = s.mean.length;
  const invStd = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    const variance = s.count > 0 ? s.m2[j]! / s.count : 0;
    invStd[j] = variance > 0 ? 1 / Math.sqrt(variance) : 0;
  }
  return { mean: s.mean.slice(), invStd };
}
