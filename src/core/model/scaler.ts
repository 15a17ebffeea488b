// The input scaler of method.md §4 and §6: z-scores of all 31 non-embedding inputs (the 15 win/tie/loss
// statistics and the 16 raw contextual columns), part of the model. Unscaled, the win/tie/loss columns have
// standard deviations of 0.05–0.38 against 1 for the standardised context, so one λ would shrink exactly the
// informative weights hardest. Kept in running form (count, mean, M2) so the stream can merge each window's
// training dyads into it before training (Chan, Golub & LeVeque's pairwise update of mean and M2; Welford's
// update within one table). A column with zero variance maps to 0: in the stream's first window every
// win/tie/loss column is 0.
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable } from '../features/feature-table.js';
import { BASE_WIDTH } from './layout.js';

/** Running mean and sum of squared deviations per input column: win/tie/loss columns first, then context. */
export interface InputScaler {
  count: number;
  mean: Float64Array;
  m2: Float64Array;
}

/** @deprecated the scaler covers every non-embedding input now: use InputScaler. */
export type ContextScaler = InputScaler;

/** A scaler that has seen no rows (every column maps to 0). */
export function emptyScaler(width = BASE_WIDTH): InputScaler {
  return { count: 0, mean: new Float64Array(width), m2: new Float64Array(width) };
}

/** The training rows of a table as a mask (split === train). */
export function trainingRowMask(table: FeatureTable): Uint8Array {
  const mask = new Uint8Array(table.length);
  for (let r = 0; r < table.length; r++) mask[r] = table.split[r] === SPLIT.train ? 1 : 0;
  return mask;
}

/** Fits a scaler on the rows of `rowMask` (default: the training rows), in row order (Welford). */
export function fitScaler(table: FeatureTable, rowMask: Uint8Array = trainingRowMask(table)): InputScaler {
  const job = new ScalerFitJob(table, rowMask);
  job.run(Number.POSITIVE_INFINITY);
  return job.result();
}

/** fitScaler as a sliceable job: `run(budget)` (rows) until true, then `result()`; the same rows in the same order, so bit for bit equal. */
export class ScalerFitJob {
  private readonly s = emptyScaler();
  private n = 0;
  private next = 0;

  constructor(
    private readonly table: FeatureTable,
    private readonly rowMask: Uint8Array,
  ) {}

  /** Takes in about `budget` more rows; true when every row is in. */
  run(budget: number): boolean {
    const { mean, m2 } = this.s;
    const { wtl, context } = this.table;
    const rowMask = this.rowMask;
    const end = Math.min(this.table.length, this.next + Math.max(1, budget));
    let n = this.n;
    const add = (j: number, x: number): void => {
      const d = x - mean[j]!;
      mean[j] = mean[j]! + d / n;
      m2[j] = m2[j]! + d * (x - mean[j]!);
    };
    for (let r = this.next; r < end; r++) {
      if (rowMask[r] !== 1) continue;
      n++;
      const s0 = r * WTL_WIDTH;
      for (let j = 0; j < WTL_WIDTH; j++) add(j, wtl[s0 + j]!);
      const c0 = r * CONTEXT_WIDTH;
      for (let j = 0; j < CONTEXT_WIDTH; j++) add(WTL_WIDTH + j, context[c0 + j]!);
    }
    this.n = n;
    this.next = end;
    return end >= this.table.length;
  }

  /** The scaler of every row taken in. */
  result(): InputScaler {
    this.s.count = this.n;
    return this.s;
  }
}

/** Merges two scalers into a new one, as if one had seen both sets of rows (Chan et al. 1979). */
export function mergeScalers(a: InputScaler, b: InputScaler): InputScaler {
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
export function cloneScaler(s: InputScaler): InputScaler {
  return { count: s.count, mean: s.mean.slice(), m2: s.m2.slice() };
}

/** The transform x → (x − mean)·invStd: population std; a column with std 0 (or no rows) maps to 0. */
export function scalerTransform(s: InputScaler): { mean: Float64Array; invStd: Float64Array } {
  const width = s.mean.length;
  const invStd = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    const variance = s.count > 0 ? s.m2[j]! / s.count : 0;
    invStd[j] = variance > 0 ? 1 / Math.sqrt(variance) : 0;
  }
  return { mean: s.mean.slice(), invStd };
}

/**
 * Writes the scaled inputs of table row `row` (31 values: win/tie/loss, then context) into `out` at
 * `offset`: the one definition of x̃ that the training set and the scorer share.
 */
export function scaleRow(table: FeatureTable, row: number, mean: Float64Array, invStd: Float64Array, out: Float32Array | Float64Array, offset: number): void {
  const s0 = row * WTL_WIDTH;
  for (let j = 0; j < WTL_WIDTH; j++) out[offset + j] = (table.wtl[s0 + j]! - mean[j]!) * invStd[j]!;
  const c0 = row * CONTEXT_WIDTH;
  for (let j = 0; j < CONTEXT_WIDTH; j++) out[offset + WTL_WIDTH + j] = (table.context[c0 + j]! - mean[WTL_WIDTH + j]!) * invStd[WTL_WIDTH + j]!;
}
