// Scores of a trained model for rows of a feature table (method.md §6–7), read off the weight layout
// (layout.ts): the raw click ranking score z1 (its intercept cancels in the pairwise loss), the
// probabilities σ(z2) and σ(z3), and the embedding score ⟨U_u, I_o⟩. A head's z is its intercept plus its
// weights times the scaled inputs, U_u and I_o, and, for the variants, ⟨U_u, I_o⟩ or the click score of the
// same dyad. Reads never mutate the model: an unknown user or item (cold start) gets its hash-seeded initial
// embedding computed on the fly, not stored. Each call costs O(rows): a caller that must not block for long
// (the stream) scores a large table in row ranges (rowRange).
import { InvariantError } from '../errors.js';
import type { FeatureTable } from '../features/feature-table.js';
import { HASH_TAG } from '../random/hash.js';
import { modelKind, type HeadTask } from './kinds.js';
import { BASE_WIDTH, kernelHead, weightLayout } from './layout.js';
import { initialEmbedding, type Model, type Params } from './model.js';
import { scaleRow, scalerTransform } from './scaler.js';

/** Row indices 0..length−1 (all rows). */
function allRows(table: FeatureTable): Int32Array {
  return rowRange(0, table.length);
}

/** Row indices [start, end): one slice of a table to score. */
export function rowRange(start: number, end: number): Int32Array {
  const rows = new Int32Array(Math.max(0, end - start));
  for (let k = 0; k < rows.length; k++) rows[k] = start + k;
  return rows;
}

/** Embedding rows for the given rows: the model's own, or a cold-start one in `cold` (cached per call). */
class EmbeddingLookup {
  private readonly coldUsers = new Map<number, Float64Array>();
  private readonly coldItems = new Map<number, Float64Array>();

  constructor(private readonly model: Model) {}

  /** [array, offset] of the user's embedding. */
  user(userId: number): [Params | Float64Array, number] {
    const m = this.model;
    const ix = m.users.indexOf(userId);
    if (ix >= 0) return [m.userEmbeddings, ix * m.options.dim];
    return [this.cold(this.coldUsers, HASH_TAG.userEmbedding, userId), 0];
  }

  /** [array, offset] of the item's embedding. */
  item(itemId: number): [Params | Float64Array, number] {
    const m = this.model;
    const ix = m.items.indexOf(itemId);
    if (ix >= 0) return [m.itemEmbeddings, ix * m.options.dim];
    return [this.cold(this.coldItems, HASH_TAG.itemEmbedding, itemId), 0];
  }

  private cold(cache: Map<number, Float64Array>, tag: number, id: number): Float64Array {
    let e = cache.get(id);
    if (!e) {
      const { seed, dim, initScale } = this.model.options;
      // Rounded to the model's precision so a cold row scores as it would once grown.
      const raw = this.model.options.precision === 'float32' ? new Float32Array(dim) : new Float64Array(dim);
      initialEmbedding(seed, tag, id, dim, initScale, raw, 0);
      e = Float64Array.from(raw);
      cache.set(id, e);
    }
    return e;
  }
}

/** z of one head per row (the linear score before any σ). */
function headScores(model: Model, table: FeatureTable, rows: Int32Array, task: HeadTask): Float64Array {
  const { kind, dim } = model.options;
  const layout = weightLayout(kind, dim);
  const head = kernelHead(layout, task);
  if (head.intercept < 0) throw new InvariantError(`a ${kind} model has no ${task} task`);
  const click = head.stack >= 0 ? kernelHead(layout, 'click') : null;
  const w = model.weights;
  const { mean, invStd } = scalerTransform(model.scaler);
  const x = new Float64Array(BASE_WIDTH);
  const lookup = modelKind(kind).embeddings ? new EmbeddingLookup(model) : null;
  const out = new Float64Array(rows.length);
  // ⟨w's blocks from `h`, x̃⟩ for one row: intercept, inputs, U and I blocks, bilinear term.
  const linear = (h: typeof head, U: Params | Float64Array | null, uo: number, I: Params | Float64Array | null, io: number, b: number): number => {
    let z = w[h.intercept]!;
    for (let j = 0; j < BASE_WIDTH; j++) z += w[h.inputs + j]! * x[j]!;
    if (h.user >= 0) for (let j = 0; j < dim; j++) z += w[h.user + j]! * U![uo + j]!;
    if (h.item >= 0) for (let j = 0; j < dim; j++) z += w[h.item + j]! * I![io + j]!;
    if (h.bilinear >= 0) z += w[h.bilinear]! * b;
    return z;
  };
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    scaleRow(table, r, mean, invStd, x, 0);
    let U: Params | Float64Array | null = null;
    let I: Params | Float64Array | null = null;
    let uo = 0;
    let io = 0;
    let b = 0;
    if (lookup) {
      [U, uo] = lookup.user(table.userIds[r]!);
      [I, io] = lookup.item(table.itemIds[r]!);
      if (head.bilinear >= 0) for (let j = 0; j < dim; j++) b += U[uo + j]! * I[io + j]!;
    }
    let z = linear(head, U, uo, I, io, b);
    if (click !== null) z += w[head.stack]! * linear(click, U, uo, I, io, b);
    out[k] = z;
  }
  return out;
}

function sigmoidInPlace(a: Float64Array): Float64Array {
  for (let k = 0; k < a.length; k++) {
    const z = a[k]!;
    a[k] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }
  return a;
}

/** Click ranking scores z1 (every kind with a click head) for `rows` (default: every row). */
export function scoreClick(model: Model, table: FeatureTable, rows: Int32Array = allRows(table)): Float64Array {
  return headScores(model, table, rows, 'click');
}

/** Bookmark probabilities σ(z2) (every kind with a bookmark head). */
export function scoreBookmark(model: Model, table: FeatureTable, rows: Int32Array = allRows(table)): Float64Array {
  return sigmoidInPlace(headScores(model, table, rows, 'bookmark'));
}

/** Reply probabilities σ(z3) (every kind with a reply head). */
export function scoreReply(model: Model, table: FeatureTable, rows: Int32Array = allRows(table)): Float64Array {
  return sigmoidInPlace(headScores(model, table, rows, 'reply'));
}

/** Embedding scores ⟨U_u, I_o⟩ (every kind with embeddings): the paper's "Embedding" row. */
export function scoreEmbedding(model: Model, table: FeatureTable, rows: Int32Array = allRows(table)): Float64Array {
  const kind = model.options.kind;
  if (!modelKind(kind).embeddings) throw new InvariantError(`a ${kind} model has no embeddings`);
  const lookup = new EmbeddingLookup(model);
  const dim = model.options.dim;
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    const [U, uo] = lookup.user(table.userIds[r]!);
    const [I, io] = lookup.item(table.itemIds[r]!);
    let z = 0;
    for (let j = 0; j < dim; j++) z += U[uo + j]! * I[io + j]!;
    out[k] = z;
  }
  return out;
}
