import { describe, expect, it } from 'vitest';
import { CONTEXT_WIDTH, WTL_WIDTH } from '../../../src/core/features/feature-table.js';
import { weightLayout } from '../../../src/core/model/layout.js';
import { createModel, growModel, initialEmbedding, type Model } from '../../../src/core/model/model.js';
import { fitScaler, scalerTransform, trainingRowMask } from '../../../src/core/model/scaler.js';
import { prepareTraining } from '../../../src/core/model/sgd.js';
import { rowRange, scoreBookmark, scoreClick, scoreEmbedding, scoreReply } from '../../../src/core/model/score.js';
import { HASH_TAG } from '../../../src/core/random/hash.js';
import { literalTable } from './helpers.js';

const TABLE = literalTable([
  { user: 1, item: 10, click: 1 },
  { user: 1, item: 11, click: 0 },
  { user: 2, item: 10, click: 0 },
]);

/** x̃ of a row written out: every one of the 31 inputs standardised by the scaler (method.md §6). */
function scaled(row: number): number[] {
  const { mean, invStd } = scalerTransform(fitScaler(TABLE));
  const x: number[] = [];
  for (let j = 0; j < WTL_WIDTH; j++) x.push((TABLE.wtl[row * WTL_WIDTH + j]! - mean[j]!) * invStd[j]!);
  for (let j = 0; j < CONTEXT_WIDTH; j++) x.push((TABLE.context[row * CONTEXT_WIDTH + j]! - mean[WTL_WIDTH + j]!) * invStd[WTL_WIDTH + j]!);
  return x;
}

/** ⟨w, [1, x̃, extra…]⟩ for the head starting at `off`. */
function manual(w: ArrayLike<number>, off: number, row: number, extra: number[] = []): number {
  const x = [...scaled(row), ...extra];
  let z = w[off]!;
  for (let j = 0; j < x.length; j++) z += w[off + 1 + j]! * x[j]!;
  return z;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** A model with deterministic non-zero weights (structural zeros kept 0) and every table id grown. */
function filled(kind: 'mtl' | 'mtl-bilinear' | 'mtl-stacking', dim: number): Model {
  const m = createModel({ kind, dim, seed: 5 }, fitScaler(TABLE));
  growModel(m, [1, 2], [10, 11]);
  for (let k = 0; k < m.weights.length; k++) m.weights[k] = ((k * 5) % 13) / 13 - 0.5;
  for (const [from, to] of weightLayout(kind, dim).zeros) m.weights.fill(0, from, to);
  return m;
}

function emb(m: Model, which: 'u' | 'i', id: number): number[] {
  const dim = m.options.dim;
  const ix = which === 'u' ? m.users.indexOf(id) : m.items.indexOf(id);
  return Array.from((which === 'u' ? m.userEmbeddings : m.itemEmbeddings).subarray(ix * dim, ix * dim + dim));
}

describe('scores', () => {
  it('STL models score ⟨w, x̃⟩ (click) and σ(⟨w, x̃⟩) (bookmark, reply), the win/tie/loss inputs standardised too', () => {
    for (const kind of ['stl-click', 'stl-bookmark', 'stl-reply'] as const) {
      const m = createModel({ kind }, fitScaler(TABLE));
      for (let k = 0; k < m.weights.length; k++) m.weights[k] = ((k * 7) % 11) / 10 - 0.5;
      const score = kind === 'stl-click' ? scoreClick : kind === 'stl-bookmark' ? scoreBookmark : scoreReply;
      const got = score(m, TABLE);
      for (let r = 0; r < TABLE.length; r++) {
        const z = manual(m.weights, 0, r);
        expect(got[r]).toBeCloseTo(kind === 'stl-click' ? z : sigmoid(z), 12);
      }
      expect(() => scoreEmbedding(m, TABLE)).toThrow(/no embeddings/);
    }
    expect(() => scoreBookmark(createModel({ kind: 'stl-click' }), TABLE)).toThrow(/no bookmark task/);
  });

  it('MTL scores use w1, w2, w3 over 91 inputs with U_u and I_o; the embedding score is ⟨U_u, I_o⟩', () => {
    const m = filled('mtl', 3);
    const rows = Int32Array.from([2, 0]);
    const click = scoreClick(m, TABLE, rows);
    const bookmark = scoreBookmark(m, TABLE, rows);
    const reply = scoreReply(m, TABLE, rows);
    const embedding = scoreEmbedding(m, TABLE, rows);
    rows.forEach((r, k) => {
      const u = emb(m, 'u', TABLE.userIds[r]!);
      const i = emb(m, 'i', TABLE.itemIds[r]!);
      expect(click[k]).toBeCloseTo(manual(m.weights, 0, r, [...u, ...i]), 12);
      expect(bookmark[k]).toBeCloseTo(sigmoid(manual(m.weights, m.width, r, [...u, ...i])), 12);
      expect(reply[k]).toBeCloseTo(sigmoid(manual(m.weights, 2 * m.width, r, [...u, ...i])), 12);
      expect(embedding[k]).toBeCloseTo(u[0]! * i[0]! + u[1]! * i[1]! + u[2]! * i[2]!, 14);
    });
  });

  it('mtl-bilinear: every head also reads ⟨U_u, I_o⟩ through its own weight', () => {
    const m = filled('mtl-bilinear', 3);
    expect(m.width).toBe(1 + 31 + 6 + 1);
    const rows = Int32Array.from([0, 1, 2]);
    const got = [scoreClick(m, TABLE, rows), scoreBookmark(m, TABLE, rows), scoreReply(m, TABLE, rows)];
    rows.forEach((r, k) => {
      const u = emb(m, 'u', TABLE.userIds[r]!);
      const i = emb(m, 'i', TABLE.itemIds[r]!);
      const b = u[0]! * i[0]! + u[1]! * i[1]! + u[2]! * i[2]!;
      const z = [0, 1, 2].map((h) => manual(m.weights, h * m.width, r, [...u, ...i, b]));
      expect(got[0]![k]).toBeCloseTo(z[0]!, 12);
      expect(got[1]![k]).toBeCloseTo(sigmoid(z[1]!), 12);
      expect(got[2]![k]).toBeCloseTo(sigmoid(z[2]!), 12);
    });
  });

  it("mtl-stacking: the bookmark and reply heads also read the click head's score of the same dyad", () => {
    const m = filled('mtl-stacking', 3);
    const rows = Int32Array.from([0, 1, 2]);
    const click = scoreClick(m, TABLE, rows);
    const got = [scoreBookmark(m, TABLE, rows), scoreReply(m, TABLE, rows)];
    rows.forEach((r, k) => {
      const u = emb(m, 'u', TABLE.userIds[r]!);
      const i = emb(m, 'i', TABLE.itemIds[r]!);
      const s = manual(m.weights, 0, r, [...u, ...i, 0]);
      expect(click[k]).toBeCloseTo(s, 12);
      for (const h of [1, 2]) expect(got[h - 1]![k]).toBeCloseTo(sigmoid(manual(m.weights, h * m.width, r, [...u, ...i, s])), 12);
    });
  });

  it('the scorer reads the layout as the kernels do: its scores give the losses a step evaluates', () => {
    const softplus = (t: number): number => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
    for (const kind of ['mtl', 'mtl-bilinear', 'mtl-stacking'] as const) {
      const m = createModel({ kind, dim: 3, seed: 5, l2Click: 0, l2Bookmark: 0, l2Reply: 0, l2Embedding: 0, bookmarkWeight: 3, replyWeight: 2 }, fitScaler(TABLE));
      const { stepper } = prepareTraining(m, TABLE, trainingRowMask(TABLE));
      for (let k = 0; k < m.weights.length; k++) m.weights[k] = ((k * 5) % 13) / 13 - 0.5;
      for (const [from, to] of weightLayout(kind, 3).zeros) m.weights.fill(0, from, to);
      // Rows 0 (user 1, clicked, no bookmark or reply) and 1 (user 1, not clicked).
      stepper.stepRows(0, 1, 0, 0);
      const rows = Int32Array.from([0, 1]);
      const click = scoreClick(m, TABLE, rows);
      const bookmark = scoreBookmark(m, TABLE, rows);
      const reply = scoreReply(m, TABLE, rows);
      const embedding = scoreEmbedding(m, TABLE, rows);
      const logit = (p: number): number => Math.log(p / (1 - p));
      // Training packs x̃ in Float32, the scorer computes it in Float64: agreement to ~1e-6.
      expect(stepper.lossClick).toBeCloseTo(softplus(-(click[0]! - click[1]!)), 5);
      expect(stepper.lossBookmark).toBeCloseTo(0.5 * softplus(logit(bookmark[0]!)) + 0.5 * softplus(logit(bookmark[1]!)), 5);
      expect(stepper.lossReply).toBeCloseTo(0.5 * softplus(logit(reply[0]!)) + 0.5 * softplus(logit(reply[1]!)), 5);
      expect(stepper.lossEmbedding).toBeCloseTo(softplus(-(embedding[0]! - embedding[1]!)), 12);
    }
  });

  it('scoring in row ranges gives the scores of one call', () => {
    const m = filled('mtl-stacking', 3);
    const whole = scoreBookmark(m, TABLE);
    const parts = [...scoreBookmark(m, TABLE, rowRange(0, 2)), ...scoreBookmark(m, TABLE, rowRange(2, 3))];
    expect(parts).toEqual(Array.from(whole));
    expect(Array.from(rowRange(3, 3))).toEqual([]);
  });

  it('an unknown user or item scores with its hash-seeded initial embedding and is not added', () => {
    const m = createModel({ kind: 'stl-embedding', dim: 4, seed: 77, precision: 'float32' }, fitScaler(TABLE));
    const got = scoreEmbedding(m, TABLE, Int32Array.from([0]))[0]!;
    // Float32 parameters: the cold embedding is rounded as a grown one would be.
    const u = new Float32Array(4);
    const i = new Float32Array(4);
    initialEmbedding(77, HASH_TAG.userEmbedding, 1, 4, m.options.initScale, u, 0);
    initialEmbedding(77, HASH_TAG.itemEmbedding, 10, 4, m.options.initScale, i, 0);
    expect(got).toBeCloseTo(u[0]! * i[0]! + u[1]! * i[1]! + u[2]! * i[2]! + u[3]! * i[3]!, 15);
    expect(m.users.size).toBe(0);
    expect(m.items.size).toBe(0);
  });
});
