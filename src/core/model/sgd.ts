// SGD on triplets (u, i+, i−) for the joint model and the STL baselines (method.md §6; paper §4,
// Algorithm 1). One step computes every loss and gradient from the pre-update parameters, then updates
// them together. The hot loop allocates nothing and copies nothing: the inputs without embeddings are
// read from the packed training set, the embedding rows in place, dot products are split by block
// (inputs, U, I), and each logistic loss costs one exp (its log1p is deferred while training: logLoss).
// Each model kind's step is a closure over one training set's arrays, run through a private copy
// (privateCopy) so V8 compiles it with those arrays and sizes as constants: MTL ~1.3M → ~1.8M updates/s
// cache-resident.
import { DyadflowError, InvariantError } from '../errors.js';
import type { FeatureTable } from '../features/feature-table.js';
import { Rng } from '../random/rng.js';
import { BASE_WIDTH, growModel, hasEmbeddings, modelTasks, type EpochLoss, type Model, type Params } from './model.js';
import { trainingRowMask } from './scaler.js';
import { privateCopy } from './private-copy.js';
import { PACKED_WIDTH, buildTrainingSet, type TrainingSet } from './training-set.js';

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

// Product slots of the deferred log terms, one per loss and class weight (see logLoss). The kernels below
// write these numbers literally: a private copy cannot see module bindings.
const SLOT_CLICK = 0;
const SLOT_BOOKMARK_POS = 1;
const SLOT_BOOKMARK_NEG = 2;
const SLOT_REPLY_POS = 3;
const SLOT_REPLY_NEG = 4;
const SLOT_EMBEDDING = 5;
/**
 * Steps between two takeDeferredLosses calls in trainEpochs: a step multiplies at most two factors ≤ 2 into
 * a slot, so 256 steps keep every product below 2^512, far from overflow.
 */
const DEFER_STEPS = 256;

const KIND_CODE = { mtl: 0, 'stl-click': 1, 'stl-bookmark': 2, 'stl-reply': 3, 'stl-embedding': 4 } as const;

/** One SGD step on (eligible user k, packed positive row, packed negative row) with learning rate eta. */
type StepFn = (k: number, pRow: number, nRow: number, eta: number) => void;

/** What a step reads and writes, bound once per training call. */
interface KernelInputs {
  xs: Float32Array;
  meta: Int32Array;
  userIxs: Int32Array;
  U: Params;
  I: Params;
  /** All weights: w1, w2, w3 one after another, `width` each (STL: one vector). */
  w: Params;
  width: number;
  dim: number;
  baseWidth: number;
  packedWidth: number;
  /** 2λ per task: click, bookmark, reply, embedding. */
  lam1: number;
  lam2: number;
  lam3: number;
  lam4: number;
  cBookmark: number;
  cReply: number;
  shared: boolean;
  /** Which label an STL classifier learns: 2 bookmark, 1 reply (the bits of a packed row's meta word). */
  labelBit: number;
  /** [0] is 1 while the log1p terms are deferred (TripletStepper.deferLogTerms). */
  defer: Uint8Array;
  prods: Float64Array;
  /** Where the step leaves its losses: click, bookmark, reply, embedding. */
  losses: Float64Array;
  logLoss: typeof logLoss;
  sigmoid: Float64Array;
}

/**
 * The MTL step over one training set (method.md §6). Self-contained, as privateCopy requires: every value
 * it uses is a parameter, so a private copy's step is compiled with the arrays and sizes as constants.
 */
function mtlKernel(inputs: KernelInputs): StepFn {
  const { xs, meta, userIxs, U, I, w, width, dim, lam1, lam2, lam3, lam4, cBookmark, cReply, shared, defer, prods, losses, logLoss, sigmoid } = inputs;
  const bw = inputs.baseWidth;
  const packedWidth = inputs.packedWidth;
  const metaSlot = packedWidth - 1;
  return function mtlStep(k: number, pRow: number, nRow: number, eta: number): void {
    // Offsets into the one weights array: intercepts c*, input blocks b*, embedding blocks u*, i*. w1's
    // U_u block multiplies U_u − U_u = 0: it gets no loss gradient in either embeddingGradient mode and,
    // starting at 0, stays exactly 0, so the step neither reads nor decays it (createModel and loadModel
    // keep it 0).
    const c1o = 0;
    const c2o = width;
    const c3o = 2 * width;
    const b1o = c1o + 1;
    const b2o = c2o + 1;
    const b3o = c3o + 1;
    const u2o = b2o + bw;
    const u3o = b3o + bw;
    const i1o = b1o + bw + dim;
    const i2o = u2o + dim;
    const i3o = u3o + dim;
    const po = pRow * packedWidth;
    const no = nRow * packedWidth;
    const metaP = meta[po + metaSlot]!;
    const metaN = meta[no + metaSlot]!;
    const uo = userIxs[k]! * dim;
    const pe = (metaP >> 2) * dim;
    const ne = (metaN >> 2) * dim;
    const c1 = w[c1o]!;
    const c2 = w[c2o]!;
    const c3 = w[c3o]!;
    // Dot products and squared norms, from the pre-update parameters. Independent accumulators.
    let z1 = 0;
    let z2p = c2;
    let z2n = c2;
    let z3p = c3;
    let z3n = c3;
    let n1 = c1 * c1;
    let n2 = c2 * c2;
    let n3 = c3 * c3;
    for (let j = 0; j < bw; j = (j + 1) | 0) {
      const a = xs[(po + j) | 0]!;
      const b = xs[(no + j) | 0]!;
      const w1j = w[(b1o + j) | 0]!;
      const w2j = w[(b2o + j) | 0]!;
      const w3j = w[(b3o + j) | 0]!;
      z1 += w1j * (a - b);
      z2p += w2j * a;
      z2n += w2j * b;
      z3p += w3j * a;
      z3n += w3j * b;
      n1 += w1j * w1j;
      n2 += w2j * w2j;
      n3 += w3j * w3j;
    }
    let z2u = 0;
    let z3u = 0;
    let z1i = 0;
    let z2ip = 0;
    let z2in = 0;
    let z3ip = 0;
    let z3in = 0;
    let up = 0;
    let un = 0;
    let nu = 0;
    let np = 0;
    let nn = 0;
    for (let j = 0; j < dim; j = (j + 1) | 0) {
      const u = U[(uo + j) | 0]!;
      const p = I[(pe + j) | 0]!;
      const q = I[(ne + j) | 0]!;
      up += u * p;
      un += u * q;
      nu += u * u;
      np += p * p;
      nn += q * q;
    }
    for (let j = 0; j < dim; j = (j + 1) | 0) {
      const u = U[(uo + j) | 0]!;
      const w2u = w[(u2o + j) | 0]!;
      const w3u = w[(u3o + j) | 0]!;
      z2u += w2u * u;
      z3u += w3u * u;
      n2 += w2u * w2u;
      n3 += w3u * w3u;
    }
    for (let j = 0; j < dim; j = (j + 1) | 0) {
      const p = I[(pe + j) | 0]!;
      const q = I[(ne + j) | 0]!;
      const w1i = w[(i1o + j) | 0]!;
      const w2i = w[(i2o + j) | 0]!;
      const w3i = w[(i3o + j) | 0]!;
      z1i += w1i * (p - q);
      z2ip += w2i * p;
      z2in += w2i * q;
      z3ip += w3i * p;
      z3in += w3i * q;
      n1 += w1i * w1i;
      n2 += w2i * w2i;
      n3 += w3i * w3i;
    }
    z1 += z1i;
    z2p += z2u + z2ip;
    z2n += z2u + z2in;
    z3p += z3u + z3ip;
    z3n += z3u + z3in;

    // (1) click ranking: log(1 + e^{−z1}); dℓ/dz1 = −σ(−z1).
    const deferred = defer[0] === 1;
    const l1 = logLoss(-z1, deferred, prods, 0);
    const g1 = -sigmoid[0]!;
    // (2), (3): ½·c_y·log(1 + e^{−s·z}) per dyad, s = ±1; dℓ/dz = ½·c_y·(σ(z) − y).
    const cb = cBookmark;
    const cr = cReply;
    const y2p = (metaP & 2) !== 0;
    const y2n = (metaN & 2) !== 0;
    const y3p = (metaP & 1) !== 0;
    const y3n = (metaN & 1) !== 0;
    const h2p = y2p ? 0.5 * cb : 0.5;
    const l2p = h2p * logLoss(y2p ? -z2p : z2p, deferred, prods, y2p ? 1 : 2);
    const g2p = y2p ? -h2p * sigmoid[0]! : h2p * sigmoid[0]!;
    const h2n = y2n ? 0.5 * cb : 0.5;
    const l2n = h2n * logLoss(y2n ? -z2n : z2n, deferred, prods, y2n ? 1 : 2);
    const g2n = y2n ? -h2n * sigmoid[0]! : h2n * sigmoid[0]!;
    const h3p = y3p ? 0.5 * cr : 0.5;
    const l3p = h3p * logLoss(y3p ? -z3p : z3p, deferred, prods, y3p ? 3 : 4);
    const g3p = y3p ? -h3p * sigmoid[0]! : h3p * sigmoid[0]!;
    const h3n = y3n ? 0.5 * cr : 0.5;
    const l3n = h3n * logLoss(y3n ? -z3n : z3n, deferred, prods, y3n ? 3 : 4);
    const g3n = y3n ? -h3n * sigmoid[0]! : h3n * sigmoid[0]!;
    // (4) embedding ranking: log(1 + e^{−t}), t = ⟨U_u, I_i+ − I_i−⟩; dℓ/dt = −σ(−t).
    const l4 = logLoss(un - up, deferred, prods, 5);
    const g4 = -sigmoid[0]!;

    losses[0] = l1 + 0.5 * lam1 * n1;
    losses[1] = l2p + l2n + 0.5 * lam2 * n2;
    losses[2] = l3p + l3n + 0.5 * lam3 * n3;
    losses[3] = l4 + 0.5 * lam4 * (nu + np + nn);
    if (eta === 0) return;

    // Updates, all from the values read above (simultaneous update), written as θ ← (1 − 2ηλ)·θ − η·g with
    // the decay factors and η·g's scalars folded once per step: the same step with fewer operations.
    const d1 = 1 - eta * lam1;
    const d2 = 1 - eta * lam2;
    const d3 = 1 - eta * lam3;
    const d4 = 1 - eta * lam4;
    const e1 = eta * g1;
    const e2p = eta * g2p;
    const e2n = eta * g2n;
    const e3p = eta * g3p;
    const e3n = eta * g3n;
    const e4 = eta * g4;
    w[c1o] = d1 * c1;
    w[c2o] = d2 * c2 - (e2p + e2n);
    w[c3o] = d3 * c3 - (e3p + e3n);
    for (let j = 0; j < bw; j = (j + 1) | 0) {
      const a = xs[(po + j) | 0]!;
      const b = xs[(no + j) | 0]!;
      w[(b1o + j) | 0] = d1 * w[(b1o + j) | 0]! - e1 * (a - b);
      w[(b2o + j) | 0] = d2 * w[(b2o + j) | 0]! - (e2p * a + e2n * b);
      w[(b3o + j) | 0] = d3 * w[(b3o + j) | 0]! - (e3p * a + e3n * b);
    }
    const e2s = e2p + e2n;
    const e3s = e3p + e3n;
    if (shared) {
      for (let j = 0; j < dim; j = (j + 1) | 0) {
        const u = U[(uo + j) | 0]!;
        const p = I[(pe + j) | 0]!;
        const q = I[(ne + j) | 0]!;
        const w1i = w[(i1o + j) | 0]!;
        const w2u = w[(u2o + j) | 0]!;
        const w2i = w[(i2o + j) | 0]!;
        const w3u = w[(u3o + j) | 0]!;
        const w3i = w[(i3o + j) | 0]!;
        w[(i1o + j) | 0] = d1 * w1i - e1 * (p - q);
        w[(u2o + j) | 0] = d2 * w2u - e2s * u;
        w[(i2o + j) | 0] = d2 * w2i - (e2p * p + e2n * q);
        w[(u3o + j) | 0] = d3 * w3u - e3s * u;
        w[(i3o + j) | 0] = d3 * w3i - (e3p * p + e3n * q);
        // Tasks 1–3 also back-propagate into the embeddings they read (embeddingGradient: "shared").
        U[(uo + j) | 0] = d4 * u - (e4 * (p - q) + e2s * w2u + e3s * w3u);
        I[(pe + j) | 0] = d4 * p - (e4 * u + e1 * w1i + e2p * w2i + e3p * w3i);
        I[(ne + j) | 0] = d4 * q - (e2n * w2i + e3n * w3i - e4 * u - e1 * w1i);
      }
    } else {
      for (let j = 0; j < dim; j = (j + 1) | 0) {
        const u = U[(uo + j) | 0]!;
        const p = I[(pe + j) | 0]!;
        const q = I[(ne + j) | 0]!;
        w[(i1o + j) | 0] = d1 * w[(i1o + j) | 0]! - e1 * (p - q);
        w[(u2o + j) | 0] = d2 * w[(u2o + j) | 0]! - e2s * u;
        w[(i2o + j) | 0] = d2 * w[(i2o + j) | 0]! - (e2p * p + e2n * q);
        w[(u3o + j) | 0] = d3 * w[(u3o + j) | 0]! - e3s * u;
        w[(i3o + j) | 0] = d3 * w[(i3o + j) | 0]! - (e3p * p + e3n * q);
        U[(uo + j) | 0] = d4 * u - e4 * (p - q);
        I[(pe + j) | 0] = d4 * p - e4 * u;
        I[(ne + j) | 0] = d4 * q + e4 * u;
      }
    }
  };
}

/** The STL click-ranking step: w1 over the inputs without embeddings (method.md §6). Self-contained (privateCopy). */
function stlClickKernel(inputs: KernelInputs): StepFn {
  const { xs, w, lam1: lam, defer, prods, losses, logLoss, sigmoid } = inputs;
  const bw = inputs.baseWidth;
  const packedWidth = inputs.packedWidth;
  return function stlClickStep(_k: number, pRow: number, nRow: number, eta: number): void {
    const po = pRow * packedWidth;
    const no = nRow * packedWidth;
    const c = w[0]!;
    let z = 0;
    let n = c * c;
    for (let j = 0; j < bw; j = (j + 1) | 0) {
      const wj = w[(1 + j) | 0]!;
      z += wj * (xs[(po + j) | 0]! - xs[(no + j) | 0]!);
      n += wj * wj;
    }
    const l = logLoss(-z, defer[0] === 1, prods, 0);
    const g = -sigmoid[0]!;
    losses[0] = l + 0.5 * lam * n;
    if (eta === 0) return;
    const d = 1 - eta * lam;
    const e = eta * g;
    w[0] = d * c;
    for (let j = 0; j < bw; j = (j + 1) | 0) w[(1 + j) | 0] = d * w[(1 + j) | 0]! - e * (xs[(po + j) | 0]! - xs[(no + j) | 0]!);
  };
}

/**
 * The STL bookmark or reply step: a weighted logistic classifier over the inputs without embeddings, on
 * both dyads of the triplet, ½ each (method.md §6). Self-contained (privateCopy).
 */
function stlClassKernel(inputs: KernelInputs): StepFn {
  const { xs, meta, w, defer, prods, losses, logLoss, sigmoid } = inputs;
  const bookmark = inputs.labelBit === 2;
  const bit = inputs.labelBit;
  const cw = bookmark ? inputs.cBookmark : inputs.cReply;
  const lam = bookmark ? inputs.lam2 : inputs.lam3;
  // Deferred-log slots (see logLoss): positive and negative class of this task.
  const posSlot = bookmark ? 1 : 3;
  const lossIx = bookmark ? 1 : 2;
  const bw = inputs.baseWidth;
  const packedWidth = inputs.packedWidth;
  const metaSlot = packedWidth - 1;
  return function stlClassStep(_k: number, pRow: number, nRow: number, eta: number): void {
    const po = pRow * packedWidth;
    const no = nRow * packedWidth;
    const c = w[0]!;
    let zp = c;
    let zn = c;
    let n = c * c;
    for (let j = 0; j < bw; j = (j + 1) | 0) {
      const wj = w[(1 + j) | 0]!;
      zp += wj * xs[(po + j) | 0]!;
      zn += wj * xs[(no + j) | 0]!;
      n += wj * wj;
    }
    const deferred = defer[0] === 1;
    const yp = (meta[(po + metaSlot) | 0]! & bit) !== 0;
    const yn = (meta[(no + metaSlot) | 0]! & bit) !== 0;
    const hp = yp ? 0.5 * cw : 0.5;
    const lp = hp * logLoss(yp ? -zp : zp, deferred, prods, yp ? posSlot : posSlot + 1);
    const gp = yp ? -hp * sigmoid[0]! : hp * sigmoid[0]!;
    const hn = yn ? 0.5 * cw : 0.5;
    const ln = hn * logLoss(yn ? -zn : zn, deferred, prods, yn ? posSlot : posSlot + 1);
    const gn = yn ? -hn * sigmoid[0]! : hn * sigmoid[0]!;
    losses[lossIx] = lp + ln + 0.5 * lam * n;
    if (eta === 0) return;
    const d = 1 - eta * lam;
    const ep = eta * gp;
    const en = eta * gn;
    w[0] = d * c - (ep + en);
    for (let j = 0; j < bw; j = (j + 1) | 0) w[(1 + j) | 0] = d * w[(1 + j) | 0]! - (ep * xs[(po + j) | 0]! + en * xs[(no + j) | 0]!);
  };
}

/** The STL embedding step: logistic loss of ⟨U_u, I_i+ − I_i−⟩ alone (method.md §6). Self-contained (privateCopy). */
function stlEmbeddingKernel(inputs: KernelInputs): StepFn {
  const { meta, userIxs, U, I, dim, lam4, defer, prods, losses, logLoss, sigmoid } = inputs;
  const packedWidth = inputs.packedWidth;
  const metaSlot = packedWidth - 1;
  return function stlEmbeddingStep(k: number, pRow: number, nRow: number, eta: number): void {
    const uo = userIxs[k]! * dim;
    const pe = (meta[(pRow * packedWidth + metaSlot) | 0]! >> 2) * dim;
    const ne = (meta[(nRow * packedWidth + metaSlot) | 0]! >> 2) * dim;
    let up = 0;
    let un = 0;
    let nu = 0;
    let np = 0;
    let nn = 0;
    for (let j = 0; j < dim; j = (j + 1) | 0) {
      const u = U[(uo + j) | 0]!;
      const p = I[(pe + j) | 0]!;
      const q = I[(ne + j) | 0]!;
      up += u * p;
      un += u * q;
      nu += u * u;
      np += p * p;
      nn += q * q;
    }
    const l4 = logLoss(un - up, defer[0] === 1, prods, 5);
    const g4 = -sigmoid[0]!;
    losses[3] = l4 + 0.5 * lam4 * (nu + np + nn);
    if (eta === 0) return;
    const d4 = 1 - eta * lam4;
    const e4 = eta * g4;
    for (let j = 0; j < dim; j = (j + 1) | 0) {
      const u = U[(uo + j) | 0]!;
      const p = I[(pe + j) | 0]!;
      const q = I[(ne + j) | 0]!;
      U[(uo + j) | 0] = d4 * u - e4 * (p - q);
      I[(pe + j) | 0] = d4 * p - e4 * u;
      I[(ne + j) | 0] = d4 * q + e4 * u;
    }
  };
}

/** The step factory of each model kind, by KIND_CODE. */
const KERNELS: readonly ((inputs: KernelInputs) => StepFn)[] = [mtlKernel, stlClickKernel, stlClassKernel, stlClassKernel, stlEmbeddingKernel];

/**
 * One SGD step on a triplet, for any model kind, over a packed TrainingSet. `step(k, p, n, eta)` takes
 * eligible user k and packed rows p (click-positive) and n (click-negative), updates the model in place
 * and leaves the pre-update losses of that triplet (each task's loss plus its λ‖θ‖² term) in the `loss*`
 * fields (without their log1p terms while deferLogTerms(true) is on). With eta = 0 it only evaluates them
 * (the gradient checks use that).
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
    this.set = set;
    this.cBookmark = o.bookmarkWeight;
    this.cReply = o.replyWeight;
    const kind = KIND_CODE[o.kind];
    this.kernel = privateCopy(KERNELS[kind]!)({
      xs: set.xs,
      meta: set.meta,
      userIxs: set.userIxs,
      U: model.userEmbeddings,
      I: model.itemEmbeddings,
      w: model.weights,
      width: model.width,
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
      labelBit: kind === KIND_CODE['stl-bookmark'] ? 2 : 1,
      defer: this.deferFlag,
      prods: this.logProducts,
      losses: this.lastLosses,
      logLoss,
      sigmoid: sigmoidSlot,
    });
  }

  /** One step on (eligible user k, packed positive row p, packed negative row n). */
  step(k: number, p: number, n: number, eta: number): void {
    this.kernel(k, p, n, eta);
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
  stepRows(rowP: number, rowN: number, eta: number): void {
    const set = this.set;
    const p = set.packedRowOf[rowP]!;
    const n = set.packedRowOf[rowN]!;
    if (p < 0 || n < 0) throw new InvariantError('row not in the training set');
    let k = 0;
    while (k + 1 < set.start.length && set.start[k + 1]! <= p) k++;
    if (!(p < set.posEnd[k]! && n >= set.posEnd[k]! && n < set.start[k + 1]!)) throw new InvariantError('rows are not a positive and a negative of one user');
    this.step(k, p, n, eta);
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
    growModel(model, users, items);
  }
  const set = buildTrainingSet(model, table, rowMask);
  return { set, stepper: new TripletStepper(model, set) };
}

/**
 * Trains `model` in place on the rows of a table (default: the training split), drawing triplets from
 * `rng`: epochs until the epoch loss changes by less than ε or maxEpochs. Warm start: call it again on a
 * grown model with the next snapshot; users and items first seen get fresh embeddings from hash(seed, id).
 */
export function trainEpochs(model: Model, table: FeatureTable, opts: TrainOptions, rng: Rng): TrainResult {
  const o = model.options;
  const maxEpochs = opts.maxEpochs ?? o.maxEpochs;
  const epsilon = opts.epsilon ?? o.epsilon;
  const rowMask = opts.rowMask ?? trainingRowMask(table);
  const { set, stepper } = prepareTraining(model, table, rowMask);
  const iterations = opts.iterationsPerEpoch || o.iterationsPerEpoch || set.positives;
  const result: TrainResult = { epochs: [], stoppedBy: 'maxEpochs', iterationsPerEpoch: iterations, sampledUsers: set.userIds.length };
  if (set.userIds.length === 0 || iterations === 0) {
    result.stoppedBy = 'noTriplets';
    return result;
  }
  const tasks = modelTasks(o.kind);
  const eta = o.learningRate;
  const { start, posEnd } = set;
  const nUsers = set.userIds.length;
  let previous = Number.NaN;
  // Epoch losses are sums, so the log1p terms of the logistic losses are deferred (see deferLogTerms).
  stepper.deferLogTerms(true);
  const deferred = new Float64Array(4);
  for (let e = 0; e < maxEpochs; e++) {
    let sClick = 0;
    let sBookmark = 0;
    let sReply = 0;
    let sEmbedding = 0;
    deferred.fill(0);
    for (let it = 0; it < iterations; it++) {
      // u uniform among eligible users, then i+ and i− uniform among u's positives and negatives.
      const k = rng.nextInt(nUsers);
      const s0 = start[k]!;
      const pe = posEnd[k]!;
      const p = s0 + rng.nextInt(pe - s0);
      const n = pe + rng.nextInt(start[k + 1]! - pe);
      stepper.step(k, p, n, eta);
      sClick += stepper.lossClick;
      sBookmark += stepper.lossBookmark;
      sReply += stepper.lossReply;
      sEmbedding += stepper.lossEmbedding;
      if (it % DEFER_STEPS === DEFER_STEPS - 1) stepper.takeDeferredLosses(deferred);
    }
    stepper.takeDeferredLosses(deferred);
    const click = tasks.click ? (sClick + deferred[0]!) / iterations : null;
    const bookmark = tasks.bookmark ? (sBookmark + deferred[1]!) / iterations : null;
    const reply = tasks.reply ? (sReply + deferred[2]!) / iterations : null;
    const embedding = tasks.embedding ? (sEmbedding + deferred[3]!) / iterations : null;
    const total = (click ?? 0) + (bookmark ?? 0) + (reply ?? 0) + (embedding ?? 0);
    const loss: EpochLoss = { epoch: model.history.length + 1, iterations, total, click, bookmark, reply, embedding };
    model.history.push(loss);
    result.epochs.push(loss);
    opts.onEpoch?.(loss);
    if (!Number.isFinite(total)) {
      throw new DyadflowError('DF_ERR_TRAINING_DIVERGED', `training diverged at epoch ${loss.epoch}: loss ${total} (lower learningRate)`);
    }
    if (Math.abs(total - previous) < epsilon) {
      result.stoppedBy = 'epsilon';
      break;
    }
    previous = total;
  }
  return result;
}

/** Trains a fresh model with its own seed: trainEpochs with Rng.fromSeed(model.options.seed). */
export function trainModel(model: Model, table: FeatureTable, opts: TrainOptions = {}): TrainResult {
  return trainEpochs(model, table, opts, Rng.fromSeed(model.options.seed));
}
