// Scores of a trained model for rows of a feature table (method.md §6–7): the raw click ranking score
// ⟨w1, x̃⟩ (its intercept cancels in the pairwise loss), the probabilities σ(⟨w2, x̃⟩) and σ(⟨w3, x̃⟩), and
// the embedding score ⟨U_u, I_o⟩. Reads never mutate the model: an unknown user or item (cold start) gets
// its hash-seeded initial embedding computed on the fly, not stored.
import { InvariantError } from '../errors.js';
import { CONTEXT_WIDTH, WTL_WIDTH, type FeatureTable } from '../features/feature-table.js';
import { HASH_TAG } from '../random/hash.js';
import { BASE_WIDTH, initialEmbedding, modelTasks, type Model, type Params } from './model.js';
import { scalerTransform } from './scaler.js';

type Task = 'click' | 'bookmark' | 'reply';

/** Row indices 0..length−1 (all rows). */
function allRows(table: FeatureTable): Int32Array {
  const rows = new Int32Array(table.length);
  for (let r = 0; r < rows.length; r++) rows[r] = r;
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

/** ⟨w_task, x̃⟩ per row (the linear score before any σ). */
function linearScores(model: Model, table: FeatureTable, rows: Int32Array, task: Task): Float64Array {
  const kind = model.options.kind;
  if (!modelTasks(kind)[task]) throw new InvariantError(`a ${kind} model has no ${task} task`);
  const w = model.weights;
  const off = kind === 'mtl' ? (task === 'click' ? 0 : task === 'bookmark' ? 1 : 2) * model.width : 0;
  const { mean, invStd } = scalerTransform(model.scaler);
  const out = new Float64Array(rows.length);
  const lookup = kind === 'mtl' ? new EmbeddingLookup(model) : null;
  const dim = model.options.dim;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    let z = w[off]!;
    const s = r * WTL_WIDTH;
    for (let j = 0; j < WTL_WIDTH; j++) z += w[off + 1 + j]! * table.wtl[s + j]!;
    const c = r * CONTEXT_WIDTH;
    for (let j = 0; j < CONTEXT_WIDTH; j++) z += w[off + 1 + WTL_WIDTH + j]! * ((table.context[c + j]! - mean[j]!) * invStd[j]!);
    if (lookup) {
      const [U, uo] = lookup.user(table.userIds[r]!);
      const [I, io] = lookup.item(table.itemIds[r]!);
      const eu = off + 1 + BASE_WIDTH;
      const ei = eu + dim;
      for (let j = 0; j < dim; j++) z += w[eu + j]! * U[uo + j]! + w[ei + j]! * I[io + j]!;
    }
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

/** Click ranking scores ⟨w1, x̃⟩ (MTL or stl-click) for `rows` (default: every row). */
export function scoreClick(model: Model, table: FeatureTable, rows: Int32Array = allRows(table)): Float64Array {
  return linearScores(model, table, rows, 'click');
}

/** Bookmark probabilities σ(⟨w2, x̃⟩) (MTL or stl-bookmark). */
export function scoreBookmark(model: Model, table: FeatureTable, rows: Int32Array = allRows(table)): Float64Array {
  return sigmoidInPlace(linearScores(model, table, rows, 'bookmark'));
}

/** Reply probabilities σ(⟨w3, x̃⟩) (MTL or stl-reply). */
export function scoreReply(model: Model, table: FeatureTable, rows: Int32Array = allRows(table)): Float64Array {
  return sigmoidInPlace(linearScores(model, table, rows, 'reply'));
}

/** Embedding scores ⟨U_u, I_o⟩ (MTL or stl-embedding): the paper's "Embedding" row. */
export function scoreEmbedding(model: Model, table: FeatureTable, rows: Int32Array = allRows(table)): Float64Array {
  const kind = model.options.kind;
  if (!modelTasks(kind).embedding) throw new InvariantError(`a ${kind} model has no embeddings`);
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
