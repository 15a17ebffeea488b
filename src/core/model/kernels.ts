// The SGD steps of every model kind (method.md §6; paper §4, Algorithm 1), one closure factory per kernel.
// A step computes every loss and gradient from the pre-update parameters, then updates them together. The
// hot loop allocates nothing and copies nothing: the inputs without embeddings are read from the packed
// training set, the embedding rows in place, dot products are split by block (inputs, U, I), and each
// logistic loss costs one exp (its log1p is deferred while training: see logLoss in sgd.ts).
//
// Each factory runs through a private copy (privateCopy) so V8 compiles the step with the arrays, sizes,
// offsets and flags as constants: a branch on a flag that is false (`bilinear`, `stacking`, `shared`) is
// then gone from the machine code, and the paper's MTL pays nothing for the variants sharing its kernel.
// So a factory must be self-contained: every value it uses is a parameter (no module binding, no import).
// The weight offsets come from the one layout module (layout.ts) through KernelInputs.

/** Parameter storage (Float64Array or Float32Array, by the model's precision). */
type Params = Float64Array | Float32Array;

/**
 * One SGD step on (eligible user k, packed positive row, packed negative row), with step size etaW for the
 * task weights and etaE for the embeddings. With both 0 it only evaluates the losses.
 */
export type StepFn = (k: number, pRow: number, nRow: number, etaW: number, etaE: number) => void;

/** Offsets of one head's blocks in the weights array (from layout.ts); -1 where the head has no such block. */
export interface KernelHead {
  intercept: number;
  inputs: number;
  user: number;
  item: number;
  bilinear: number;
  stack: number;
}

/** What a step reads and writes, bound once per training call. */
export interface KernelInputs {
  xs: Float32Array;
  meta: Int32Array;
  userIxs: Int32Array;
  U: Params;
  I: Params;
  /** All task weights, laid out as layout.ts says. */
  w: Params;
  /** The click, bookmark and reply heads (a head the kind does not have is all -1). */
  click: KernelHead;
  bookmark: KernelHead;
  reply: KernelHead;
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
  /** embeddingGradient: "shared": the heads back-propagate into the embedding rows they read. */
  shared: boolean;
  /** Which label an STL classifier learns: 2 bookmark, 1 reply (the bits of a packed row's meta word). */
  labelBit: number;
  /** [0] is 1 while the log1p terms are deferred (TripletStepper.deferLogTerms). */
  defer: Uint8Array;
  prods: Float64Array;
  /** Where the step leaves its losses: click, bookmark, reply, embedding. */
  losses: Float64Array;
  logLoss: (t: number, defer: boolean, products: Float64Array, slot: number) => number;
  sigmoid: Float64Array;
}

/** A kernel factory: binds a training call's inputs, returns its step. */
export type KernelFactory = (inputs: KernelInputs) => StepFn;

/**
 * The multi-task step (method.md §6): heads w1 (click ranking), w2 (bookmark), w3 (reply) over
 * x = [31 scaled inputs, U_u, I_o] plus an intercept, and the embedding ranking loss on ⟨U_u, I_i+ − I_i−⟩.
 * Serves the paper's MTL and two variants, by what the layout gives each head:
 * - bilinear (a head's `bilinear` ≥ 0): every head also reads b = ⟨U_u, I_o⟩ through a weight a_t of its own
 *   (z1 gets a1·(b+ − b−)). a_t learns from its head's loss. Into U and I, the heads' gradients (through
 *   the linear blocks and through b) flow only with embeddingGradient "shared", as for the paper's MTL; in
 *   "ranking" mode U and I learn from the embedding loss alone and the heads learn how much of b to use.
 * - stacking (the bookmark and reply heads' `stack` ≥ 0): those heads also read the click head's score
 *   s = ⟨w1, x⟩ of the same dyad through a weight v_t. s is an input, not a path: no gradient flows through
 *   it into w1, U or I, so the click head learns from the click loss alone (its ranking stays the click
 *   model's) and the rarer, class-weighted bookmark and reply losses cannot pull it off its task.
 * w1's intercept, its U block and its stack slot get no gradient (they cancel in z1 = s+ − s−, or are
 * absent): starting at 0 they stay exactly 0, so the step neither reads nor decays them.
 */
export function mtlKernel(inputs: KernelInputs): StepFn {
  const { xs, meta, userIxs, U, I, w, dim, lam1, lam2, lam3, lam4, cBookmark, cReply, shared, defer, prods, losses, logLoss, sigmoid } = inputs;
  const bw = inputs.baseWidth;
  const packedWidth = inputs.packedWidth;
  const metaSlot = packedWidth - 1;
  // Offsets: intercepts c*, input blocks b*, embedding blocks u*, i*, bilinear weights a*, stack weights v*.
  const c2o = inputs.bookmark.intercept;
  const c3o = inputs.reply.intercept;
  const b1o = inputs.click.inputs;
  const b2o = inputs.bookmark.inputs;
  const b3o = inputs.reply.inputs;
  const u2o = inputs.bookmark.user;
  const u3o = inputs.reply.user;
  const i1o = inputs.click.item;
  const i2o = inputs.bookmark.item;
  const i3o = inputs.reply.item;
  const a1o = inputs.click.bilinear;
  const a2o = inputs.bookmark.bilinear;
  const a3o = inputs.reply.bilinear;
  const v2o = inputs.bookmark.stack;
  const v3o = inputs.reply.stack;
  const bilinear = a1o >= 0;
  const stacking = v2o >= 0;
  return function mtlStep(k: number, pRow: number, nRow: number, etaW: number, etaE: number): void {
    const po = pRow * packedWidth;
    const no = nRow * packedWidth;
    const metaP = meta[po + metaSlot]!;
    const metaN = meta[no + metaSlot]!;
    const uo = userIxs[k]! * dim;
    const pe = (metaP >> 2) * dim;
    const ne = (metaN >> 2) * dim;
    const c2 = w[c2o]!;
    const c3 = w[c3o]!;
    // Dot products and squared norms, from the pre-update parameters. Independent accumulators.
    let z1 = 0;
    let z2p = c2;
    let z2n = c2;
    let z3p = c3;
    let z3n = c3;
    let n1 = 0;
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
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    if (bilinear) {
      a1 = w[a1o]!;
      a2 = w[a2o]!;
      a3 = w[a3o]!;
      z1 += a1 * (up - un);
      z2p += a2 * up;
      z2n += a2 * un;
      z3p += a3 * up;
      z3n += a3 * un;
      n1 += a1 * a1;
      n2 += a2 * a2;
      n3 += a3 * a3;
    }
    // The click head's score of each dyad, s = ⟨w1, x⟩ (its intercept and U block are 0): a second pass,
    // so z1 above stays the paper's sum for every kind.
    let sp = 0;
    let sn = 0;
    let v2 = 0;
    let v3 = 0;
    if (stacking) {
      for (let j = 0; j < bw; j = (j + 1) | 0) {
        const w1j = w[(b1o + j) | 0]!;
        sp += w1j * xs[(po + j) | 0]!;
        sn += w1j * xs[(no + j) | 0]!;
      }
      for (let j = 0; j < dim; j = (j + 1) | 0) {
        const w1i = w[(i1o + j) | 0]!;
        sp += w1i * I[(pe + j) | 0]!;
        sn += w1i * I[(ne + j) | 0]!;
      }
      v2 = w[v2o]!;
      v3 = w[v3o]!;
      z2p += v2 * sp;
      z2n += v2 * sn;
      z3p += v3 * sp;
      z3n += v3 * sn;
      n2 += v2 * v2;
      n3 += v3 * v3;
    }

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
    if (etaW === 0 && etaE === 0) return;

    // Updates, all from the values read above (simultaneous update), written as θ ← (1 − 2ηλ)·θ − η·g with
    // the decay factors and η·g's scalars folded once per step: the same step with fewer operations. The
    // weights step by etaW (e*), the embedding rows by etaE (f*).
    const d1 = 1 - etaW * lam1;
    const d2 = 1 - etaW * lam2;
    const d3 = 1 - etaW * lam3;
    const d4 = 1 - etaE * lam4;
    const e1 = etaW * g1;
    const e2p = etaW * g2p;
    const e2n = etaW * g2n;
    const e3p = etaW * g3p;
    const e3n = etaW * g3n;
    const f4 = etaE * g4;
    w[c2o] = d2 * c2 - (e2p + e2n);
    w[c3o] = d3 * c3 - (e3p + e3n);
    for (let j = 0; j < bw; j = (j + 1) | 0) {
      const a = xs[(po + j) | 0]!;
      const b = xs[(no + j) | 0]!;
      w[(b1o + j) | 0] = d1 * w[(b1o + j) | 0]! - e1 * (a - b);
      w[(b2o + j) | 0] = d2 * w[(b2o + j) | 0]! - (e2p * a + e2n * b);
      w[(b3o + j) | 0] = d3 * w[(b3o + j) | 0]! - (e3p * a + e3n * b);
    }
    if (bilinear) {
      w[a1o] = d1 * a1 - e1 * (up - un);
      w[a2o] = d2 * a2 - (e2p * up + e2n * un);
      w[a3o] = d3 * a3 - (e3p * up + e3n * un);
    }
    if (stacking) {
      w[v2o] = d2 * v2 - (e2p * sp + e2n * sn);
      w[v3o] = d3 * v3 - (e3p * sp + e3n * sn);
    }
    const e2s = e2p + e2n;
    const e3s = e3p + e3n;
    if (shared) {
      // Tasks 1–3 also back-propagate into the embeddings they read (embeddingGradient: "shared").
      const f1 = etaE * g1;
      const f2p = etaE * g2p;
      const f2n = etaE * g2n;
      const f3p = etaE * g3p;
      const f3n = etaE * g3n;
      const f2s = f2p + f2n;
      const f3s = f3p + f3n;
      // Coefficient of U in I_i+'s gradient and of I_i+ in U's (cP), likewise for I_i− (cQ): the embedding
      // loss, plus each head's bilinear term.
      const cP = bilinear ? f4 + f1 * a1 + f2p * a2 + f3p * a3 : f4;
      const cQ = bilinear ? f2n * a2 + f3n * a3 - f4 - f1 * a1 : -f4;
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
        U[(uo + j) | 0] = d4 * u - ((bilinear ? cP * p + cQ * q : f4 * (p - q)) + f2s * w2u + f3s * w3u);
        I[(pe + j) | 0] = d4 * p - (cP * u + f1 * w1i + f2p * w2i + f3p * w3i);
        I[(ne + j) | 0] = d4 * q - (f2n * w2i + f3n * w3i + cQ * u - f1 * w1i);
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
        U[(uo + j) | 0] = d4 * u - f4 * (p - q);
        I[(pe + j) | 0] = d4 * p - f4 * u;
        I[(ne + j) | 0] = d4 * q + f4 * u;
      }
    }
  };
}

/** The STL click-ranking step: w1 over the inputs without embeddings (method.md §6). Self-contained (privateCopy). */
export function stlClickKernel(inputs: KernelInputs): StepFn {
  const { xs, w, lam1: lam, defer, prods, losses, logLoss, sigmoid } = inputs;
  const bw = inputs.baseWidth;
  const bo = inputs.click.inputs;
  const packedWidth = inputs.packedWidth;
  return function stlClickStep(_k: number, pRow: number, nRow: number, etaW: number): void {
    const po = pRow * packedWidth;
    const no = nRow * packedWidth;
    // The intercept cancels in the pairwise loss: it stays 0 and is not read (layout.ts lists it as a zero).
    let z = 0;
    let n = 0;
    for (let j = 0; j < bw; j = (j + 1) | 0) {
      const wj = w[(bo + j) | 0]!;
      z += wj * (xs[(po + j) | 0]! - xs[(no + j) | 0]!);
      n += wj * wj;
    }
    const l = logLoss(-z, defer[0] === 1, prods, 0);
    const g = -sigmoid[0]!;
    losses[0] = l + 0.5 * lam * n;
    if (etaW === 0) return;
    const d = 1 - etaW * lam;
    const e = etaW * g;
    for (let j = 0; j < bw; j = (j + 1) | 0) w[(bo + j) | 0] = d * w[(bo + j) | 0]! - e * (xs[(po + j) | 0]! - xs[(no + j) | 0]!);
  };
}

/**
 * The STL bookmark or reply step: a weighted logistic classifier over the inputs without embeddings, on
 * both dyads of the triplet, ½ each (method.md §6). Self-contained (privateCopy).
 */
export function stlClassKernel(inputs: KernelInputs): StepFn {
  const { xs, meta, w, defer, prods, losses, logLoss, sigmoid } = inputs;
  const bookmark = inputs.labelBit === 2;
  const bit = inputs.labelBit;
  const cw = bookmark ? inputs.cBookmark : inputs.cReply;
  const lam = bookmark ? inputs.lam2 : inputs.lam3;
  const head = bookmark ? inputs.bookmark : inputs.reply;
  const co = head.intercept;
  const bo = head.inputs;
  // Deferred-log slots (see logLoss): positive and negative class of this task.
  const posSlot = bookmark ? 1 : 3;
  const lossIx = bookmark ? 1 : 2;
  const bw = inputs.baseWidth;
  const packedWidth = inputs.packedWidth;
  const metaSlot = packedWidth - 1;
  return function stlClassStep(_k: number, pRow: number, nRow: number, etaW: number): void {
    const po = pRow * packedWidth;
    const no = nRow * packedWidth;
    const c = w[co]!;
    let zp = c;
    let zn = c;
    let n = c * c;
    for (let j = 0; j < bw; j = (j + 1) | 0) {
      const wj = w[(bo + j) | 0]!;
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
    if (etaW === 0) return;
    const d = 1 - etaW * lam;
    const ep = etaW * gp;
    const en = etaW * gn;
    w[co] = d * c - (ep + en);
    for (let j = 0; j < bw; j = (j + 1) | 0) w[(bo + j) | 0] = d * w[(bo + j) | 0]! - (ep * xs[(po + j) | 0]! + en * xs[(no + j) | 0]!);
  };
}

/** The STL embedding step: logistic loss of ⟨U_u, I_i+ − I_i−⟩ alone (method.md §6). Self-contained (privateCopy). */
export function stlEmbeddingKernel(inputs: KernelInputs): StepFn {
  const { meta, userIxs, U, I, dim, lam4, defer, prods, losses, logLoss, sigmoid } = inputs;
  const packedWidth = inputs.packedWidth;
  const metaSlot = packedWidth - 1;
  return function stlEmbeddingStep(k: number, pRow: number, nRow: number, _etaW: number, etaE: number): void {
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
    if (etaE === 0) return;
    const d4 = 1 - etaE * lam4;
    const f4 = etaE * g4;
    for (let j = 0; j < dim; j = (j + 1) | 0) {
      const u = U[(uo + j) | 0]!;
      const p = I[(pe + j) | 0]!;
      const q = I[(ne + j) | 0]!;
      U[(uo + j) | 0] = d4 * u - f4 * (p - q);
      I[(pe + j) | 0] = d4 * p - f4 * u;
      I[(ne + j) | 0] = d4 * q + f4 * u;
    }
  };
}
