// Finite-difference checks (central differences, Float64) of the analytic gradients the SGD step applies:
// the gradient is recovered from one step with η = 1 as θ_before − θ_after, and each coordinate is compared
// with (L(θ + h e_i) − L(θ − h e_i)) / 2h of the loss the step reports.
import { describe, expect, it } from 'vitest';
import { createModel, type Model } from '../../../src/core/model/model.js';
import type { ModelKind, ModelOptions } from '../../../src/core/model/options.js';
import { fitScaler, trainingRowMask } from '../../../src/core/model/scaler.js';
import { prepareTraining, type TripletStepper } from '../../../src/core/model/sgd.js';
import { Rng } from '../../../src/core/random/rng.js';
import { literalTable } from './helpers.js';

type LossName = 'lossClick' | 'lossBookmark' | 'lossReply' | 'lossEmbedding';

// User 10: positives 100 (bookmarked, replied) and 102 (replied), negative 101 (bookmarked). The other
// rows make the scaler and the id indexes non-trivial.
const TABLE = literalTable([
  { user: 10, item: 100, click: 1, bookmark: 1, reply: 1 },
  { user: 10, item: 101, click: 0, bookmark: 1 },
  { user: 10, item: 102, click: 1, reply: 1 },
  { user: 10, item: 103, click: 0 },
  { user: 11, item: 100, click: 0 },
  { user: 11, item: 104, click: 1 },
]);

interface Setup {
  model: Model;
  stepper: TripletStepper;
  rowP: number;
  rowN: number;
}

function setup(kind: ModelKind, opts: Partial<ModelOptions>, rowP = 0, rowN = 1): Setup {
  const model = createModel({ kind, dim: 4, precision: 'float64', ...opts }, fitScaler(TABLE));
  const { stepper } = prepareTraining(model, TABLE, trainingRowMask(TABLE));
  // Random parameters away from the zero start, so every term of every gradient is exercised.
  const rng = Rng.fromSeed(42);
  const w = model.weights;
  for (let k = 0; k < w.length; k++) w[k] = 0.6 * rng.nextNormal();
  if (kind === 'mtl') w.fill(0, 1 + 31, 1 + 31 + 4); // w1's U block is structurally 0 (see sgd.ts)
  for (let k = 0; k < model.users.size * 4; k++) model.userEmbeddings[k] = 0.6 * rng.nextNormal();
  for (let k = 0; k < model.items.size * 4; k++) model.itemEmbeddings[k] = 0.6 * rng.nextNormal();
  return { model, stepper, rowP, rowN };
}

/** A parameter: which array and index. */
interface Param {
  name: string;
  arr: Float64Array;
  ix: number;
}

function params(s: Setup, which: 'w1' | 'w2' | 'w3' | 'w' | 'emb'): Param[] {
  const { model } = s;
  const out: Param[] = [];
  const W = model.width;
  const vec = which === 'w2' ? 1 : which === 'w3' ? 2 : 0;
  if (which !== 'emb') {
    for (let j = 0; j < W; j++) out.push({ name: `${which}[${j}]`, arr: model.weights as Float64Array, ix: vec * W + j });
    return out;
  }
  const dim = model.options.dim;
  const u = model.users.indexOf(TABLE.userIds[s.rowP]!);
  const ip = model.items.indexOf(TABLE.itemIds[s.rowP]!);
  const iq = model.items.indexOf(TABLE.itemIds[s.rowN]!);
  for (let j = 0; j < dim; j++) {
    out.push({ name: `U[${j}]`, arr: model.userEmbeddings as Float64Array, ix: u * dim + j });
    out.push({ name: `I+[${j}]`, arr: model.itemEmbeddings as Float64Array, ix: ip * dim + j });
    out.push({ name: `I-[${j}]`, arr: model.itemEmbeddings as Float64Array, ix: iq * dim + j });
  }
  return out;
}

function lossOf(s: Setup, names: LossName[]): number {
  s.stepper.stepRows(s.rowP, s.rowN, 0);
  let total = 0;
  for (const n of names) total += s.stepper[n];
  return total;
}

/** Largest relative error over the parameters: |a − n| / max(|a|, |n|, 1e-4). */
function maxRelativeError(s: Setup, ps: Param[], names: LossName[]): { worst: number; at: string; nonZero: number } {
  const { model } = s;
  const before = [model.weights.slice(), model.userEmbeddings.slice(), model.itemEmbeddings.slice()] as const;
  const restore = (): void => {
    model.weights.set(before[0]);
    model.userEmbeddings.set(before[1]);
    model.itemEmbeddings.set(before[2]);
  };
  s.stepper.stepRows(s.rowP, s.rowN, 1);
  const analytic = ps.map((p) => {
    const arrBefore = p.arr === model.weights ? before[0] : p.arr === model.userEmbeddings ? before[1] : before[2];
    return arrBefore[p.ix]! - p.arr[p.ix]!;
  });
  restore();
  const h = 1e-5;
  let worst = 0;
  let at = '';
  let nonZero = 0;
  ps.forEach((p, k) => {
    const x = p.arr[p.ix]!;
    p.arr[p.ix] = x + h;
    const up = lossOf(s, names);
    p.arr[p.ix] = x - h;
    const down = lossOf(s, names);
    p.arr[p.ix] = x;
    const numeric = (up - down) / (2 * h);
    const a = analytic[k]!;
    if (Math.abs(a) > 1e-4) nonZero++;
    const rel = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), 1e-4);
    if (rel > worst) {
      worst = rel;
      at = `${p.name}: analytic ${a}, numeric ${numeric}`;
    }
  });
  restore();
  return { worst, at, nonZero };
}

const NO_L2 = { l2Click: 0, l2Bookmark: 0, l2Reply: 0, l2Embedding: 0 };
const L2 = { l2Click: 0.03, l2Bookmark: 0.05, l2Reply: 0.07, l2Embedding: 0.11 };

describe('MTL gradients (embeddingGradient: ranking)', () => {
  const cases: [string, 'w1' | 'w2' | 'w3' | 'emb', LossName][] = [
    ['(1) click ranking loss, w1', 'w1', 'lossClick'],
    ['(2) bookmark loss, w2', 'w2', 'lossBookmark'],
    ['(3) reply loss, w3', 'w3', 'lossReply'],
    ['(4) embedding ranking loss, U_u, I_i+, I_i−', 'emb', 'lossEmbedding'],
  ];
  for (const [title, which, loss] of cases) {
    it(`${title}: matches central differences without L2`, () => {
      const s = setup('mtl', NO_L2);
      const r = maxRelativeError(s, params(s, which), [loss]);
      expect(r.nonZero).toBeGreaterThan(3);
      expect(r.worst, r.at).toBeLessThan(1e-5);
    });
    it(`${title}: matches central differences with the L2 term`, () => {
      const s = setup('mtl', L2);
      const r = maxRelativeError(s, params(s, which), [loss]);
      expect(r.worst, r.at).toBeLessThan(1e-5);
    });
  }

  it('bookmark loss with both dyads negative and reply with both positive (the other label branches)', () => {
    const s = setup('mtl', L2, 2, 3); // 102: reply 1, bookmark 0; 103: neither
    for (const [which, loss] of [['w2', 'lossBookmark'], ['w3', 'lossReply'], ['emb', 'lossEmbedding']] as const) {
      const r = maxRelativeError(s, params(s, which), [loss]);
      expect(r.worst, r.at).toBeLessThan(1e-5);
    }
  });

  it('the L2 term adds exactly 2λθ to each gradient (the authors added 2λΣθ)', () => {
    const grad = (opts: Partial<ModelOptions>): Float64Array => {
      const s = setup('mtl', opts);
      const before = s.model.weights.slice();
      s.stepper.stepRows(0, 1, 1);
      return Float64Array.from(before, (v, k) => v - s.model.weights[k]!);
    };
    const with2 = grad(L2);
    const without = grad(NO_L2);
    const theta = setup('mtl', NO_L2).model.weights;
    const W = (theta.length / 3) | 0;
    const lambdas = [L2.l2Click, L2.l2Bookmark, L2.l2Reply];
    for (let k = 0; k < theta.length; k++) {
      const expected = 2 * lambdas[Math.floor(k / W)]! * theta[k]!;
      expect(with2[k]! - without[k]!).toBeCloseTo(expected, 12);
    }
  });

  it("w1's user block gets no gradient and stays 0", () => {
    const s = setup('mtl', L2);
    s.stepper.stepRows(0, 1, 1);
    expect(Array.from(s.model.weights.subarray(32, 36))).toEqual([0, 0, 0, 0]);
  });
});

describe('MTL gradients (embeddingGradient: shared)', () => {
  it('U_u, I_i+, I_i− get the gradient of the total loss', () => {
    const s = setup('mtl', { ...L2, embeddingGradient: 'shared' });
    const r = maxRelativeError(s, params(s, 'emb'), ['lossClick', 'lossBookmark', 'lossReply', 'lossEmbedding']);
    expect(r.nonZero).toBeGreaterThan(6);
    expect(r.worst, r.at).toBeLessThan(1e-5);
  });
  it('the weights still get their own task gradients', () => {
    const s = setup('mtl', { ...L2, embeddingGradient: 'shared' });
    for (const [which, loss] of [['w1', 'lossClick'], ['w2', 'lossBookmark'], ['w3', 'lossReply']] as const) {
      const r = maxRelativeError(s, params(s, which), [loss]);
      expect(r.worst, r.at).toBeLessThan(1e-5);
    }
  });
});

describe('STL gradients', () => {
  const cases: [ModelKind, 'w' | 'emb', LossName][] = [
    ['stl-click', 'w', 'lossClick'],
    ['stl-bookmark', 'w', 'lossBookmark'],
    ['stl-reply', 'w', 'lossReply'],
    ['stl-embedding', 'emb', 'lossEmbedding'],
  ];
  for (const [kind, which, loss] of cases) {
    for (const [label, l2] of [['without L2', NO_L2], ['with L2', L2]] as const) {
      it(`${kind} ${label}`, () => {
        const s = setup(kind, l2);
        const r = maxRelativeError(s, params(s, which), [loss]);
        expect(r.nonZero).toBeGreaterThan(2);
        expect(r.worst, r.at).toBeLessThan(1e-5);
      });
    }
  }
});
