// Finite-difference checks (central differences, Float64) of the analytic gradients the SGD step applies:
// the gradient is recovered from one step with η = 1 (weights and embeddings) as θ_before − θ_after, and each
// coordinate is compared with (L(θ + h e_i) − L(θ − h e_i)) / 2h of the loss the step reports.
import { describe, expect, it } from 'vitest';
import { weightLayout } from '../../../src/core/model/layout.js';
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
  // The click head's intercept, U block and stack slot are structurally 0 (layout.ts).
  for (const [from, to] of weightLayout(kind, 4).zeros) w.fill(0, from, to);
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
  s.stepper.stepRows(s.rowP, s.rowN, 0, 0);
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
  s.stepper.stepRows(s.rowP, s.rowN, 1, 1);
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
      s.stepper.stepRows(0, 1, 1, 1);
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
    s.stepper.stepRows(0, 1, 1, 1);
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

describe('MTL variants: gradients', () => {
  const heads: [string, 'w1' | 'w2' | 'w3', LossName][] = [
    ['click head (with its variant weight)', 'w1', 'lossClick'],
    ['bookmark head', 'w2', 'lossBookmark'],
    ['reply head', 'w3', 'lossReply'],
  ];
  for (const kind of ['mtl-bilinear', 'mtl-stacking'] as const) {
    for (const [title, which, loss] of heads) {
      for (const [label, l2] of [['without L2', NO_L2], ['with L2', L2]] as const) {
        it(`${kind}: ${title} matches central differences ${label}`, () => {
          const s = setup(kind, l2);
          const r = maxRelativeError(s, params(s, which), [loss]);
          expect(r.nonZero).toBeGreaterThan(3);
          expect(r.worst, r.at).toBeLessThan(1e-5);
        });
      }
    }
    it(`${kind} (ranking): U_u, I_i+, I_i− learn from the embedding loss alone`, () => {
      const s = setup(kind, L2);
      const r = maxRelativeError(s, params(s, 'emb'), ['lossEmbedding']);
      expect(r.nonZero).toBeGreaterThan(6);
      expect(r.worst, r.at).toBeLessThan(1e-5);
    });
  }

  it('mtl-bilinear: the variant weights a1, a2, a3 get gradients (the heads really read ⟨U_u, I_o⟩)', () => {
    const s = setup('mtl-bilinear', L2);
    const layout = weightLayout('mtl-bilinear', 4);
    const before = s.model.weights.slice();
    s.stepper.stepRows(0, 1, 1, 1);
    for (const h of layout.heads) expect(Math.abs(s.model.weights[h.bilinear]! - before[h.bilinear]!), h.task).toBeGreaterThan(1e-6);
  });

  it('mtl-bilinear (shared): U_u, I_i+, I_i− get the gradient of the total loss, bilinear terms included', () => {
    const s = setup('mtl-bilinear', { ...L2, embeddingGradient: 'shared' });
    const r = maxRelativeError(s, params(s, 'emb'), ['lossClick', 'lossBookmark', 'lossReply', 'lossEmbedding']);
    expect(r.nonZero).toBeGreaterThan(6);
    expect(r.worst, r.at).toBeLessThan(1e-5);
  });

  it('mtl-bilinear with a1 = a2 = a3 = 0 steps exactly as the paper MTL (shared mode too)', () => {
    for (const embeddingGradient of ['ranking', 'shared'] as const) {
      const b = setup('mtl-bilinear', { ...L2, embeddingGradient });
      const m = setup('mtl', { ...L2, embeddingGradient });
      const lb = weightLayout('mtl-bilinear', 4);
      const lm = weightLayout('mtl', 4);
      // Copy the paper model's parameters into the bilinear one, a_t = 0.
      b.model.weights.fill(0);
      lm.heads.forEach((h, k) => b.model.weights.set(m.model.weights.subarray(h.intercept, h.intercept + lm.width), lb.heads[k]!.intercept));
      b.model.userEmbeddings.set(m.model.userEmbeddings);
      b.model.itemEmbeddings.set(m.model.itemEmbeddings);
      b.stepper.stepRows(0, 1, 0.5, 0.5);
      m.stepper.stepRows(0, 1, 0.5, 0.5);
      lm.heads.forEach((h, k) => {
        expect(Array.from(b.model.weights.subarray(lb.heads[k]!.intercept, lb.heads[k]!.intercept + lm.width))).toEqual(Array.from(m.model.weights.subarray(h.intercept, h.intercept + lm.width)));
      });
      expect(Array.from(b.model.userEmbeddings)).toEqual(Array.from(m.model.userEmbeddings));
      expect(Array.from(b.model.itemEmbeddings)).toEqual(Array.from(m.model.itemEmbeddings));
    }
  });

  it('mtl-stacking (shared): with the click head not reading I_o, U_u and I_i± get the gradient of the total loss', () => {
    const s = setup('mtl-stacking', { ...L2, embeddingGradient: 'shared' });
    const click = weightLayout('mtl-stacking', 4).heads[0]!;
    s.model.weights.fill(0, click.item, click.item + 4);
    const r = maxRelativeError(s, params(s, 'emb'), ['lossClick', 'lossBookmark', 'lossReply', 'lossEmbedding']);
    expect(r.nonZero).toBeGreaterThan(6);
    expect(r.worst, r.at).toBeLessThan(1e-5);
  });

  it('mtl-stacking: no gradient flows through the stacked click score (w1 steps as with v2 = v3 = 0; I_o only by the heads that read it)', () => {
    for (const embeddingGradient of ['ranking', 'shared'] as const) {
      const a = setup('mtl-stacking', { ...L2, embeddingGradient });
      const b = setup('mtl-stacking', { ...L2, embeddingGradient });
      const layout = weightLayout('mtl-stacking', 4);
      const [click, bookmark, reply] = layout.heads;
      b.model.weights[bookmark!.stack] = 0;
      b.model.weights[reply!.stack] = 0;
      a.stepper.stepRows(0, 1, 1, 1);
      b.stepper.stepRows(0, 1, 1, 1);
      // The click head's update does not depend on how much the other heads use its score.
      expect(Array.from(a.model.weights.subarray(click!.intercept, click!.intercept + layout.width))).toEqual(
        Array.from(b.model.weights.subarray(click!.intercept, click!.intercept + layout.width)),
      );
      // The analytic stack weights' gradient is Σ g·s: check it against central differences of the head's loss.
      const s = setup('mtl-stacking', { ...L2, embeddingGradient });
      const stackParams: Param[] = [bookmark!, reply!].map((h) => ({ name: `v(${h.task})`, arr: s.model.weights as Float64Array, ix: h.stack }));
      expect(maxRelativeError(s, [stackParams[0]!], ['lossBookmark']).worst).toBeLessThan(1e-5);
      expect(maxRelativeError(s, [stackParams[1]!], ['lossReply']).worst).toBeLessThan(1e-5);
    }
  });
});

describe('step sizes', () => {
  for (const kind of ['mtl', 'mtl-bilinear', 'mtl-stacking', 'stl-click', 'stl-embedding'] as const) {
    it(`${kind}: learningRateWeights moves only the task weights and learningRateEmbeddings only the embedding rows, each by η × the gradient`, () => {
      const delta = (etaW: number, etaE: number): [Float64Array, Float64Array, Float64Array] => {
        const s = setup(kind, { ...L2, embeddingGradient: 'shared' });
        const w = s.model.weights.slice();
        const u = s.model.userEmbeddings.slice();
        const i = s.model.itemEmbeddings.slice();
        s.stepper.stepRows(0, 1, etaW, etaE);
        return [
          Float64Array.from(w, (v, k) => v - s.model.weights[k]!),
          Float64Array.from(u, (v, k) => v - s.model.userEmbeddings[k]!),
          Float64Array.from(i, (v, k) => v - s.model.itemEmbeddings[k]!),
        ];
      };
      const [gw, gu, gi] = delta(1, 1);
      const [dw, du, di] = delta(0.3, 0.7);
      const [ow, ou, oi] = delta(0.3, 0);
      // Largest deviation from the expected scaling, over every parameter (one expect: the arrays are long).
      let moved = 0;
      let worst = 0;
      const check = (g: Float64Array, got: Float64Array, eta: number): void => {
        g.forEach((v, k) => {
          worst = Math.max(worst, Math.abs(got[k]! - eta * v));
          if (v !== 0) moved++;
        });
      };
      check(gw, dw, 0.3);
      check(gw, ow, 0.3);
      check(gu, du, 0.7);
      check(gi, di, 0.7);
      check(gu, ou, 0);
      check(gi, oi, 0);
      expect(worst).toBeLessThan(1e-12);
      expect(moved).toBeGreaterThan(10);
    });
  }
});
