// SGD on triplets (u, i+, i−) for every model kind (method.md §6; paper §4, Algorithm 1): the stepper that
// binds a kind's kernel (kernels.ts) to one training set, and the trainer that draws triplets, sums epoch
// losses and applies the stop rule, in slices the stream can interleave with its event loop.
// Each model kind's step is a closure over one training set's arrays, run through a private copy
// (privateCopy) so V8 compiles it with those arrays and sizes as constants: MTL ~1.3M → ~1.8M updates/s
// cache-resident.
import { DyadflowError, InvariantError } from '../errors.js';
import type { FeatureTable } from '../features/feature-table.js';
import { Rng } from '../random/rng.js';
import type { KernelInputs, StepFn } from './kernels.js';
import { MODEL_TASKS, modelKind, type ModelTask } from './kinds.js';
import { BASE_WIDTH, kernelHead, weightLayout } from './layout.js';
import { growModelWork, hasEmbeddings, type EpochLoss, type Model } from './model.js';
import { trainingRowMask } from './scaler.js';
import { privateCopy } from './private-copy.js';
import { PACKED_WIDTH, packTrainingSet, type TrainingSet } from './training-set.js';
import { drain, type Work } from './work.js';

// σ of the argument of the last logLoss call: lets one exp serve both the loss and its gradient. A typed
// array slot rather than a module-level `let`, which V8 may keep as a boxed number (measured ~3% faster).
const sigmoidSlot = new Float64Array(1);

/**
 * log(1 + e^t) = max(t, 0) + log1p(e^{−|t|}), stably; leaves σ(t) in sigmoidSlot[0]. One exp. With `defer`
 * the log1p term is not taken: 1 + e^{−|t|} is multiplied into products[slot] and only max(t, 0) returned
 * (TripletStepper.takeDeferredLosses adds the logs of the products later).
 */
function logLoss(t: number, defer: boolean, products: Float64Array, slot: number): number {
  const e = Math.exp(-Math.abs(t));
  const inv = 1 / (1 + e);
  sigmoidSlot[0] = t >= 0 ? inv : e * inv;
  const hinge = t > 0 ? t : 0;
  if (defer) {
    products[slot] = products[slot]! * (1 + e);
    return hinge;
  }
  return hinge + Math.log1p(e);
}

// Product slots of the deferred log terms, one per loss and class weight (see logLoss). The kernels
// (kernels.ts) write these numbers literally: a private copy cannot see module bindings.
const SLOT_CLICK = 0;
const SLOT_BOOKMARK_POS = 1;
const SLOT_BOOKMARK_NEG = 2;
const SLOT_REPLY_POS = 3;
const SLOT_REPLY_NEG = 4;
const SLOT_EMBEDDING = 5;
/**
 * Steps between two takeDeferredLosses calls in the trainer: a step multiplies at most two factors ≤ 2 into
 * a slot, so 256 steps keep every product below 2^512, far from overflow.
 */
const DEFER_STEPS = 256;

/**
 * One SGD step on a triplet, for any model kind, over a packed TrainingSet. `step(k, p, n, etaW, etaE)` takes
 * eligible user k and packed rows p (click-positive) and n (click-negative), updates the model in place
 * (task weights with step size etaW, embedding rows with etaE) and leaves the pre-update losses of that
 * triplet (each task's loss plus its λ‖θ‖² term) in the `loss*` fields (without their log1p terms while
 * deferLogTerms(true) is on). With both step sizes 0 it only evaluates them (the gradient checks use that).
 */
export class TripletStepper {
  /** Click ranking loss ℓ1 + λ1‖w1‖² of the last step. */
  lossClick = 0;
  /** Bookmark loss ℓ2 (both dyads, ½ each, weighted) + λ2‖w2‖² of the last step. */
  lossBookmark = 0;
  /** Reply loss ℓ3 + λ3‖w3‖² of the last step. */
  lossReply = 0;
  /** Embedding ranking loss ℓ4 + λ4(‖U_u‖² + ‖I_i+‖² + ‖I_i−‖²) of the last step. */
  lossEmbedding = 0;

  private readonly cBookmark: number;
  private readonly cReply: number;
  private readonly set: TrainingSet;
  // The step of this model kind, a private copy per stepper (see privateCopy), and what it shares with
  // the stepper: the deferral flag, the products of the deferred log terms (see logLoss, deferLogTerms)
  // and the losses of the last step.
  private readonly kernel: StepFn;
  private readonly deferFlag = new Uint8Array(1);
  private readonly lastLosses = new Float64Array(4);
  private readonly logProducts = new Float64Array(6).fill(1);

  /** Binds a model (after any growth: it keeps views of the parameter arrays) to a packed training set. */
  constructor(model: Model, set: TrainingSet) {
    const o = model.options;
    const kind = modelKind(o.kind);
    const layout = weightLayout(o.kind, o.dim);
    this.set = set;
    this.cBookmark = o.bookmarkWeight;
    this.cReply = o.replyWeight;
    const inputs: KernelInputs = {
      xs: set.xs,
      meta: set.meta,
      userIxs: set.userIxs,
      U: model.userEmbeddings,
      I: model.itemEmbeddings,
      w: model.weights,
      click: kernelHead(layout, 'click'),
      bookmark: kernelHead(layout, 'bookmark'),
      reply: kernelHead(layout, 'reply'),
      dim: o.dim,
      baseWidth: BASE_WIDTH,
      packedWidth: PACKED_WIDTH,
      // The gradient of λ‖θ‖² is 2λθ (method.md §6; the authors' code added 2λΣθ instead).
      lam1: 2 * o.l2Click,
      lam2: 2 * o.l2Bookmark,
      lam3: 2 * o.l2Reply,
      lam4: 2 * o.l2Embedding,
      cBookmark: o.bookmarkWeight,
      cReply: o.replyWeight,
      shared: o.embeddingGradient === 'shared',
      labelBit: kind.stlOf === 'bookmark' ? 2 : 1,
      defer: this.deferFlag,
      prods: this.logProducts,
      losses: this.lastLosses,
      logLoss,
      sigmoid: sigmoidSlot,
    };
    this.kernel = privateCopy(kind.kernel)(inputs);
  }

  /** One step on (eligible user k, packed positive row p, packed negative row n). */
  step(k: number, p: number, n: number, etaW: number, etaE: number): void {
    this.kernel(k, p, n, etaW, etaE);
    const losses = this.lastLosses;
    this.lossClick = losses[0]!;
    this.lossBookmark = losses[1]!;
    this.lossReply = losses[2]!;
    this.lossEmbedding = losses[3]!;
  }

  /**
   * With `on`, the steps leave the log1p terms of their logistic losses out of the loss* fields and
   * multiply 1 + e^{−|t|} into per-loss products instead; takeDeferredLosses adds their logs. A training
   * loop needs only sums of losses, and one log per few hundred steps replaces six log1p calls per MTL
   * step (they were ~8% of a step; deferring measured 3–5% faster). The sums agree with per-step log1p
   * to rounding (~1e-16 per term); the parameters do not depend on it.
   */
  deferLogTerms(on: boolean): void {
    this.deferFlag[0] = on ? 1 : 0;
    this.logProducts.fill(1);
  }

  /** Adds the log terms deferred since the last call to sums[0..3] (click, bookmark, reply, embedding) and resets them. */
  takeDeferredLosses(sums: Float64Array): void {
    const pr = this.logProducts;
    const halfBookmark = 0.5 * this.cBookmark;
    const halfReply = 0.5 * this.cReply;
    sums[0] = sums[0]! + Math.log(pr[SLOT_CLICK]!);
    sums[1] = sums[1]! + (halfBookmark * Math.log(pr[SLOT_BOOKMARK_POS]!) + 0.5 * Math.log(pr[SLOT_BOOKMARK_NEG]!));
    sums[2] = sums[2]! + (halfReply * Math.log(pr[SLOT_REPLY_POS]!) + 0.5 * Math.log(pr[SLOT_REPLY_NEG]!));
    sums[3] = sums[3]! + Math.log(pr[SLOT_EMBEDDING]!);
    pr.fill(1);
  }

  /** One step on two table rows of the same user (rowP click-positive, rowN not); both must be packed. */
  stepRows(rowP: number, rowN: number, etaW: number, etaE: number): void {
    const set = this.set;
    const p = set.packedRowOf[rowP]!;
    const n = set.packedRowOf[rowN]!;
    if (p < 0 || n < 0) throw new InvariantError('row not in the training set');
    let k = 0;
    while (k + 1 < set.start.length && set.start[k + 1]! <= p) k++;
    if (!(p < set.posEnd[k]! && n >= set.posEnd[k]! && n < set.start[k + 1]!)) throw new InvariantError('rows are not a positive and a negative of one user');
    this.step(k, p, n, etaW, etaE);
  }
}

/** Options of one training call; unset values come from the model's options. */
export interface TrainOptions {
  maxEpochs?: number;
  epsilon?: number;
  iterationsPerEpoch?: number;
  /** Rows to train on (1 = use); default the training split. */
  rowMask?: Uint8Array;
  /** Called after each epoch (progress bars, loss curves). */
  onEpoch?: (loss: EpochLoss) => void;
}

/** What a training call did. */
export interface TrainResult {
  epochs: EpochLoss[];
  stoppedBy: 'epsilon' | 'maxEpochs' | 'noTriplets';
  iterationsPerEpoch: number;
  /** Users with both a click-positive and a click-negative training dyad (the sampled users). */
  sampledUsers: number;
}

/** Prepares a model for training on the rows of a mask: growth for their users and items, then packing. */
export function prepareTraining(model: Model, table: FeatureTable, rowMask: Uint8Array): { set: TrainingSet; stepper: TripletStepper } {
  return drain(prepareTrainingWork(model, table, rowMask));
}

/** prepareTraining as a sliceable job (work.ts): the growth and the packing yield every WORK_CHUNK ids or rows. */
export function* prepareTrainingWork(model: Model, table: FeatureTable, rowMask: Uint8Array): Work<{ set: TrainingSet; stepper: TripletStepper }> {
  if (rowMask.length !== table.length) throw new InvariantError('rowMask length differs from the table length');
  if (hasEmbeddings(model.options.kind)) {
    let n = 0;
    for (let r = 0; r < table.length; r++) if (rowMask[r] === 1) n++;
    const users = new Int32Array(n);
    const items = new Int32Array(n);
    for (let r = 0, k = 0; r < table.length; r++) {
      if (rowMask[r] !== 1) continue;
      users[k] = table.userIds[r]!;
      items[k++] = table.itemIds[r]!;
    }
    yield* growModelWork(model, users, items);
  }
  const set = yield* packTrainingSet(model, table, rowMask);
  return { set, stepper: new TripletStepper(model, set) };
}

/**
 * The stop rule (method.md §6, the paper's Remark 3): every task the model learns changed its epoch loss by
 * less than ε since the previous epoch. Not the total: a falling embedding loss and noisy task losses can
 * cancel in it, and the slowest task must set the length.
 */
export function everyTaskSettled(previous: EpochLoss, current: EpochLoss, tasks: readonly ModelTask[], epsilon: number): boolean {
  for (const t of tasks) {
    const a = previous[t];
    const b = current[t];
    if (a === null || b === null || !(Math.abs(b - a) < epsilon)) return false;
  }
  return tasks.length > 0;
}

/**
 * A training call that runs in slices: `run(maxSteps)` does at most that many units of work and returns
 * whether the call is done. A unit is one triplet step, or, before the first step, one id grown or one row
 * packed (those are cheaper than a step; they run in chunks of WORK_CHUNK). Steps cross epoch boundaries and
 * the stop rule is applied at each. Any slicing gives the same parameters, epoch losses and random draws as
 * one `run()`, bit for bit: the state between slices is the loop's own (epoch, iteration, loss sums, deferred
 * log products, the Rng).
 */
export interface Trainer {
  /** Whether the growth and packing are done (before, the two counts below are 0). */
  readonly prepared: boolean;
  /** Triplets per epoch of this call. */
  readonly iterationsPerEpoch: number;
  /** Users with both a click-positive and a click-negative training dyad (the sampled users). */
  readonly sampledUsers: number;
  /** Whether the call is done (stop rule, maxEpochs, or nothing to sample). */
  readonly done: boolean;
  /** Runs at most `maxSteps` units of work (default: to the end); returns `done`. */
  run(maxSteps?: number): boolean;
  /** The epochs so far and why the call stopped (final once done). */
  result(): TrainResult;
}

/** The training loop's own state, once the training set is packed. */
interface Loop {
  set: TrainingSet;
  stepper: TripletStepper;
  iterations: number;
}

class SlicedTrainer implements Trainer {
  private finished = false;
  private stoppedBy: TrainResult['stoppedBy'] = 'maxEpochs';
  private readonly epochs: EpochLoss[] = [];
  private readonly tasks: readonly ModelTask[];
  private loop: Loop | null = null;
  // Loop state kept between slices.
  private epochInCall = 0;
  private iteration = 0;
  private readonly sums = new Float64Array(4);
  private readonly deferred = new Float64Array(4);
  private previous: EpochLoss | null = null;

  constructor(
    private readonly model: Model,
    private readonly preparation: Work<{ set: TrainingSet; stepper: TripletStepper }>,
    private readonly rng: Rng,
    private readonly maxEpochs: number,
    private readonly epsilon: number,
    private readonly iterationsOption: number,
    private readonly onEpoch: ((loss: EpochLoss) => void) | undefined,
  ) {
    this.tasks = modelKind(model.options.kind).tasks;
  }

  get prepared(): boolean {
    return this.loop !== null;
  }

  get iterationsPerEpoch(): number {
    return this.loop?.iterations ?? 0;
  }

  get sampledUsers(): number {
    return this.loop?.set.userIds.length ?? 0;
  }

  get done(): boolean {
    return this.finished;
  }

  run(maxSteps = Number.POSITIVE_INFINITY): boolean {
    let budget = maxSteps;
    if (this.loop === null) {
      while (this.loop === null && budget > 0) {
        const r = this.preparation.next();
        if (r.done === true) this.start(r.value.set, r.value.stepper);
        else budget -= r.value;
      }
      // A bounded call ends with the preparation: its budget counted preparation units, not steps.
      if (Number.isFinite(maxSteps)) return this.finished;
    }
    const loop = this.loop;
    if (loop === null) return false;
    while (!this.finished && budget > 0) {
      const steps = Math.min(budget, loop.iterations - this.iteration);
      this.steps(loop, steps);
      budget -= steps;
      if (this.iteration === loop.iterations) this.endEpoch(loop);
    }
    return this.finished;
  }

  result(): TrainResult {
    return { epochs: this.epochs.slice(), stoppedBy: this.stoppedBy, iterationsPerEpoch: this.iterationsPerEpoch, sampledUsers: this.sampledUsers };
  }

  /** The training set is packed: the loop can start. */
  private start(set: TrainingSet, stepper: TripletStepper): void {
    const iterations = this.iterationsOption || this.model.options.iterationsPerEpoch || set.positives;
    this.loop = { set, stepper, iterations };
    if (set.userIds.length === 0 || iterations === 0) {
      this.stoppedBy = 'noTriplets';
      this.finished = true;
    } else if (this.maxEpochs <= 0) {
      this.finished = true;
    }
    // Epoch losses are sums, so the log1p terms of the logistic losses are deferred (see deferLogTerms).
    stepper.deferLogTerms(true);
  }

  /** The hot loop: `count` steps of the current epoch. */
  private steps(loop: Loop, count: number): void {
    const { rng, deferred } = this;
    const { set, stepper } = loop;
    const { start, posEnd } = set;
    const nUsers = set.userIds.length;
    const o = this.model.options;
    const etaW = o.learningRateWeights / (1 + o.learningRateWeightsDecay * this.epochInCall);
    const etaE = o.learningRateEmbeddings;
    let sClick = this.sums[0]!;
    let sBookmark = this.sums[1]!;
    let sReply = this.sums[2]!;
    let sEmbedding = this.sums[3]!;
    let it = this.iteration;
    const end = it + count;
    for (; it < end; it++) {
      // u uniform among eligible users, then i+ and i− uniform among u's positives and negatives.
      const k = rng.nextInt(nUsers);
      const s0 = start[k]!;
      const pe = posEnd[k]!;
      const p = s0 + rng.nextInt(pe - s0);
      const n = pe + rng.nextInt(start[k + 1]! - pe);
      stepper.step(k, p, n, etaW, etaE);
      sClick += stepper.lossClick;
      sBookmark += stepper.lossBookmark;
      sReply += stepper.lossReply;
      sEmbedding += stepper.lossEmbedding;
      if (it % DEFER_STEPS === DEFER_STEPS - 1) stepper.takeDeferredLosses(deferred);
    }
    this.iteration = it;
    this.sums[0] = sClick;
    this.sums[1] = sBookmark;
    this.sums[2] = sReply;
    this.sums[3] = sEmbedding;
  }

  /** Closes an epoch: its losses, the divergence check, the stop rule. */
  private endEpoch(loop: Loop): void {
    const { deferred, sums, model } = this;
    const iterations = loop.iterations;
    loop.stepper.takeDeferredLosses(deferred);
    const mean = {} as Record<ModelTask, number | null>;
    MODEL_TASKS.forEach((t, slot) => {
      mean[t] = this.tasks.includes(t) ? (sums[slot]! + deferred[slot]!) / iterations : null;
    });
    const total = (mean.click ?? 0) + (mean.bookmark ?? 0) + (mean.reply ?? 0) + (mean.embedding ?? 0);
    const loss: EpochLoss = { epoch: model.history.length + 1, iterations, total, click: mean.click, bookmark: mean.bookmark, reply: mean.reply, embedding: mean.embedding };
    model.history.push(loss);
    this.epochs.push(loss);
    sums.fill(0);
    deferred.fill(0);
    this.iteration = 0;
    this.epochInCall++;
    this.onEpoch?.(loss);
    if (!Number.isFinite(total)) {
      this.finished = true;
      throw new DyadflowError('DF_ERR_TRAINING_DIVERGED', `training diverged at epoch ${loss.epoch}: loss ${total} (lower learningRateWeights or learningRateEmbeddings)`);
    }
    if (this.previous !== null && everyTaskSettled(this.previous, loss, this.tasks, this.epsilon)) {
      this.stoppedBy = 'epsilon';
      this.finished = true;
    } else if (this.epochInCall >= this.maxEpochs) {
      this.finished = true;
    }
    this.previous = loss;
  }
}

/**
 * A training call on the rows of a table (default: the training split), unstarted: `run` grows the model for
 * the rows' users and items, packs the training set, then steps. Triplets come from `rng` (default: a fresh
 * one from the model's seed, as trainModel). Warm start: call it again on the model with the next snapshot;
 * users and items first seen get fresh embeddings from hash(seed, id).
 */
export function createTrainer(model: Model, table: FeatureTable, opts: TrainOptions = {}, rng: Rng = Rng.fromSeed(model.options.seed)): Trainer {
  const o = model.options;
  const rowMask = opts.rowMask ?? trainingRowMask(table);
  if (rowMask.length !== table.length) throw new InvariantError('rowMask length differs from the table length');
  return new SlicedTrainer(model, prepareTrainingWork(model, table, rowMask), rng, opts.maxEpochs ?? o.maxEpochs, opts.epsilon ?? o.epsilon, opts.iterationsPerEpoch ?? 0, opts.onEpoch);
}

/**
 * Trains `model` in place on the rows of a table (default: the training split), drawing triplets from
 * `rng`: epochs until every task's epoch loss changes by less than ε, or maxEpochs. One uninterrupted run
 * of createTrainer.
 */
export function trainEpochs(model: Model, table: FeatureTable, opts: TrainOptions, rng: Rng): TrainResult {
  const trainer = createTrainer(model, table, opts, rng);
  trainer.run();
  return trainer.result();
}

/** Trains a fresh model with its own seed: trainEpochs with Rng.fromSeed(model.options.seed). */
export function trainModel(model: Model, table: FeatureTable, opts: TrainOptions = {}): TrainResult {
  return trainEpochs(model, table, opts, Rng.fromSeed(model.options.seed));
}
