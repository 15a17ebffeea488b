import { describe, expect, it } from 'vitest';
import { CONTEXT_WIDTH, WTL_WIDTH } from '../../../src/core/features/feature-table.js';
import { createModel, growModel, initialEmbedding } from '../../../src/core/model/model.js';
import { fitScaler, scalerTransform } from '../../../src/core/model/scaler.js';
import { scoreBookmark, scoreClick, scoreEmbedding, scoreReply } from '../../../src/core/model/score.js';
import { HASH_TAG } from '../../../src/core/random/hash.js';
import { literalTable } from './helpers.js';

const TABLE = literalTable([
  { user: 1, item: 10, click: 1 },
  { user: 1, item: 11, click: 0 },
  { user: 2, item: 10, click: 0 },
]);

/** ⟨w, x̃⟩ written out for one row, as the definition in method.md §6. */
function manual(w: ArrayLike<number>, off: number, row: number, emb?: { u: ArrayLike<number>; i: ArrayLike<number> }): number {
  const { mean, invStd } = scalerTransform(fitScaler(TABLE));
  const x: number[] = [];
  for (let j = 0; j < WTL_WIDTH; j++) x.push(TABLE.wtl[row * WTL_WIDTH + j]!);
  for (let j = 0; j < CONTEXT_WIDTH; j++) x.push((TABLE.context[row * CONTEXT_WIDTH + j]! - mean[j]!) * invStd[j]!);
  if (emb) x.push(...Array.from(emb.u), ...Array.from(emb.i));
  let z = w[off]!;
  for (let j = 0; j < x.length; j++) z += w[off + 1 + j]! * x[j]!;
  return z;
}

describe('scores', () => {
  it('STL models score ⟨w, x̃⟩ (click) and σ(⟨w, x̃⟩) (bookmark, reply)', () => {
    for (const kind of ['stl-click', 'stl-bookmark', 'stl-reply'] as const) {
      const m = createModel({ kind }, fitScaler(TABLE));
      for (let k = 0; k < m.weights.length; k++) m.weights[k] = ((k * 7) % 11) / 10 - 0.5;
      const score = kind === 'stl-click' ? scoreClick : kind === 'stl-bookmark' ? scoreBookmark : scoreReply;
      const got = score(m, TABLE);
      for (let r = 0; r < TABLE.length; r++) {
        const z = manual(m.weights, 0, r);
        expect(got[r]).toBeCloseTo(kind === 'stl-click' ? z : 1 / (1 + Math.exp(-z)), 12);
      }
      expect(() => scoreEmbedding(m, TABLE)).toThrow(/no embeddings/);
    }
  });

  it('MTL scores use w1, w2, w3 over 91 inputs with U_u and I_o; the embedding score is ⟨U_u, I_o⟩', () => {
    const m = createModel({ kind: 'mtl', dim: 3, seed: 5 }, fitScaler(TABLE));
    growModel(m, [1, 2], [10, 11]);
    for (let k = 0; k < m.weights.length; k++) m.weights[k] = ((k * 5) % 13) / 13 - 0.5;
    const emb = (which: 'u' | 'i', id: number): Float64Array => {
      const ix = which === 'u' ? m.users.indexOf(id) : m.items.indexOf(id);
      return (which === 'u' ? m.userEmbeddings : m.itemEmbeddings).slice(ix * 3, ix * 3 + 3) as Float64Array;
    };
    const rows = Int32Array.from([2, 0]);
    const click = scoreClick(m, TABLE, rows);
    const bookmark = scoreBookmark(m, TABLE, rows);
    const reply = scoreReply(m, TABLE, rows);
    const embedding = scoreEmbedding(m, TABLE, rows);
    rows.forEach((r, k) => {
      const e = { u: emb('u', TABLE.userIds[r]!), i: emb('i', TABLE.itemIds[r]!) };
      expect(click[k]).toBeCloseTo(manual(m.weights, 0, r, e), 12);
      expect(bookmark[k]).toBeCloseTo(1 / (1 + Math.exp(-manual(m.weights, m.width, r, e))), 12);
      expect(reply[k]).toBeCloseTo(1 / (1 + Math.exp(-manual(m.weights, 2 * m.width, r, e))), 12);
      expect(embedding[k]).toBeCloseTo(e.u[0]! * e.i[0]! + e.u[1]! * e.i[1]! + e.u[2]! * e.i[2]!, 14);
    });
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
