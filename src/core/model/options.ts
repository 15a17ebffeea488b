// Options of the multi-task trainer and its single-task baselines (method.md §6). Every value is named so a
// run can state exactly what it did; the resolved options are stored in the model's manifest.
import { InvariantError } from '../errors.js';
import { MODEL_KINDS, type ModelKind } from './kinds.js';

export { MODEL_KINDS, type ModelKind } from './kinds.js';

/** Storage precision of the learned parameters (the input scaler is always Float64). */
export type Precision = 'float64' | 'float32';

/** Whether tasks 1–3 back-propagate into U and I (`shared`) or only task 4 does (`ranking`, the authors' code). */
export type EmbeddingGradient = 'ranking' | 'shared';

/** Resolved trainer options. */
export interface ModelOptions {
  kind: ModelKind;
  /** One seed for every random draw: triplet sampling and initial embeddings. */
  seed: number;
  /** Embedding dimension of U and I (paper: 30). */
  dim: number;
  precision: Precision;
  /** SGD step size η of the task weights (w1–w3, with their bilinear and stack weights). */
  learningRateWeights: number;
  /** SGD step size η of the embedding rows U_u, I_i+, I_i−. */
  learningRateEmbeddings: number;
  /**
   * Decay of the task weights' step size: epoch e of a training call (0-based) steps them by
   * learningRateWeights/(1 + learningRateWeightsDecay·e); each call (each stream window) starts again at
   * learningRateWeights. The embeddings keep a constant step. 0 = constant.
   */
  learningRateWeightsDecay: number;
  /** λ of the click ranking weights w1. */
  l2Click: number;
  /** λ of the bookmark weights w2. */
  l2Bookmark: number;
  /** λ of the reply weights w3. */
  l2Reply: number;
  /** λ of the embedding rows a step touches (U_u, I_i+, I_i−). */
  l2Embedding: number;
  /** Standard deviation of the normal initial embedding entries. */
  initScale: number;
  /** Positive-class weight of the bookmark loss (code: 7). */
  bookmarkWeight: number;
  /** Positive-class weight of the reply loss (code: 5). */
  replyWeight: number;
  embeddingGradient: EmbeddingGradient;
  /** Cap on epochs per training call (offline 100; the stream passes --epochs-per-window). */
  maxEpochs: number;
  /** Stop when every task's epoch loss changes by less than this (the paper's Remark 3). */
  epsilon: number;
  /** Triplets per epoch; 0 = the number of click-positive training dyads whose user also has a negative. */
  iterationsPerEpoch: number;
}

/**
 * Defaults that converge on synthetic data shaped like the paper's (checked by test/core/model and
 * bench/sgd.ts); not the authors' η = 1e-6 with U(0,1) initialisation (authors-code.md §4.7).
 *
 * Step sizes, chosen on validation data (`npm run bench -- step-sizes`: daemon preset, seeds 1 and 2, train
 * minus validation, 25 epochs without the stop rule, validation per-user AUC after every epoch, heads' λ 1e-4,
 * λ of the embeddings 0.03). The old single η = 0.02 left the final iterate a random draw: over the last 10
 * epochs MTL's click AUC was 0.661 ± 0.009 (range 0.026) on seed 1 and 0.643 ± 0.021 (0.074) on seed 2,
 * bookmark 0.571 ± 0.038 and 0.554 ± 0.046, reply 0.612 ± 0.022 and 0.574 ± 0.032; the STL models alike.
 * The task weights are touched by every step and random-walk at that size: ηW 0.002 (tried 0.001–0.01)
 * with the decay 1/(1 + 0.5·e) (tried 0, 0.2, 0.5) gives click 0.681 ± 0.0002 and 0.663 ± 0.0004, bookmark
 * 0.622 ± 0.001 and 0.606 ± 0.002, reply 0.647 ± 0.001 and 0.632 ± 0.001 (STL: 0.682/0.665, 0.622/0.609,
 * 0.648/0.633). The embedding rows are each touched a few dozen times per epoch and learn slowly: at
 * η = 0.02 their AUC stays near 0.50 for 8 epochs (0.533 after 25); ηE 0.2 (tried 0.05–0.5; 0.5 plateaus
 * lower) reaches 0.569 and 0.554 ± 0.001 with no decay needed (a decay 0.5 on them too cost 0.004). λ of the
 * embeddings: 1e-4 and 1e-3 overfit (0.54); 0.03 plateaus by epoch ~12, 0.1 was still rising at 0.583 after
 * 20 epochs (offline selection chooses λ per task; this default serves the stream's few epochs per window).
 *
 * Precision by measurement (bench/sgd.ts, quiet machine, after the step was tuned): Float64 parameters ran
 * 0.85M MTL updates/s against Float32's 0.80M on a DAEMON-sized table (1.04M vs 0.96M with huge pages) and
 * 1.26M vs 1.17M on a cache-resident one, with the same epoch losses to 1e-9. Float32 remains an option.
 */
export const DEFAULT_MODEL_OPTIONS: Readonly<Omit<ModelOptions, 'kind'>> = {
  seed: 1,
  dim: 30,
  precision: 'float64',
  learningRateWeights: 0.002,
  learningRateEmbeddings: 0.2,
  learningRateWeightsDecay: 0.5,
  l2Click: 1e-5,
  l2Bookmark: 1e-5,
  l2Reply: 1e-5,
  l2Embedding: 0.03,
  initScale: 0.1,
  bookmarkWeight: 7,
  replyWeight: 5,
  embeddingGradient: 'ranking',
  maxEpochs: 100,
  epsilon: 1e-3,
  iterationsPerEpoch: 0,
};

/**
 * What a caller may give: any option (unset or undefined ones take their default), plus `learningRate`, which
 * sets both step sizes where the specific one is not given (it is not stored: the model states the two).
 */
export type ModelOptionsInput = Partial<ModelOptions> & { kind: ModelKind; learningRate?: number };

/** Fills defaults and checks ranges; throws InvariantError on a value no run can use. */
export function resolveModelOptions(input: ModelOptionsInput): ModelOptions {
  const { learningRate, ...rest } = input;
  const given: Partial<ModelOptions> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) (given as Record<string, unknown>)[key] = value;
  const o: ModelOptions = { ...DEFAULT_MODEL_OPTIONS, kind: input.kind, ...given };
  if (learningRate !== undefined) {
    o.learningRateWeights = given.learningRateWeights ?? learningRate;
    o.learningRateEmbeddings = given.learningRateEmbeddings ?? learningRate;
  }
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new InvariantError(`model option ${what}`);
  };
  check(MODEL_KINDS.includes(o.kind), `kind must be one of ${MODEL_KINDS.join(', ')}`);
  check(Number.isInteger(o.seed), 'seed must be an integer');
  check(Number.isInteger(o.dim) && o.dim >= 1 && o.dim <= 4096, 'dim must be an integer in [1, 4096]');
  check(o.precision === 'float64' || o.precision === 'float32', 'precision must be float64 or float32');
  for (const k of ['learningRateWeights', 'learningRateEmbeddings'] as const) check(o[k] > 0 && Number.isFinite(o[k]), `${k} must be positive`);
  check(o.learningRateWeightsDecay >= 0 && Number.isFinite(o.learningRateWeightsDecay), 'learningRateWeightsDecay must be >= 0');
  for (const k of ['l2Click', 'l2Bookmark', 'l2Reply', 'l2Embedding'] as const) check(o[k] >= 0 && Number.isFinite(o[k]), `${k} must be >= 0`);
  check(o.initScale >= 0 && Number.isFinite(o.initScale), 'initScale must be >= 0');
  check(o.bookmarkWeight > 0 && o.replyWeight > 0, 'class weights must be positive');
  check(o.embeddingGradient === 'ranking' || o.embeddingGradient === 'shared', 'embeddingGradient must be ranking or shared');
  check(Number.isInteger(o.maxEpochs) && o.maxEpochs >= 0, 'maxEpochs must be a non-negative integer');
  check(o.epsilon >= 0, 'epsilon must be >= 0');
  check(Number.isInteger(o.iterationsPerEpoch) && o.iterationsPerEpoch >= 0, 'iterationsPerEpoch must be a non-negative integer');
  return o;
}
