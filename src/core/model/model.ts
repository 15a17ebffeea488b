// The model of method.md §6: weight vectors w1 (click ranking), w2 (bookmark), w3 (reply) over
// x = [15 statistics, 16 context, all standardised, U_u, I_o] plus an intercept (and, for the MTL variants,
// ⟨U_u, I_o⟩ or the click score), and the embeddings U, I, keyed by external id through a model-owned IdIndex.
// What a kind has is its descriptor (kinds.ts); where each weight sits is layout.ts.
import { IdIndex } from '../ids/id-index.js';
import { HASH_TAG, hash32 } from '../random/hash.js';
import { Rng } from '../random/rng.js';
import { MODEL_TASKS, modelKind, type ModelTask } from './kinds.js';
import { weightLayout } from './layout.js';
import { resolveModelOptions, type ModelKind, type ModelOptions, type ModelOptionsInput, type Precision } from './options.js';
import { cloneScaler, emptyScaler, type InputScaler } from './scaler.js';
import { WORK_CHUNK, drain, type Work } from './work.js';

export { BASE_WIDTH } from './layout.js';

/** Parameter storage: Float64Array or Float32Array, by the model's precision. */
export type Params = Float64Array | Float32Array;

/** Loss of one epoch: the mean per iteration of each task's loss (with its L2 term) and of their total. */
export interface EpochLoss {
  /** 1-based epoch count over the model's whole life (warm starts continue the count). */
  epoch: number;
  iterations: number;
  total: number;
  /** Task losses; null for a task the model does not have. */
  click: number | null;
  bookmark: number | null;
  reply: number | null;
  embedding: number | null;
}

/** A trainable model. Dense rows of the embeddings follow the id indexes; nothing outside sees them. */
export interface Model {
  readonly options: ModelOptions;
  /** Width of one weight vector (layout.ts); 0 for stl-embedding. */
  readonly width: number;
  /** The task weight vectors one after another (MTL: w1, w2, w3; STL: one), as layout.ts lays them out. */
  weights: Params;
  users: IdIndex;
  items: IdIndex;
  /** users.size × dim used rows (capacity may be larger). */
  userEmbeddings: Params;
  itemEmbeddings: Params;
  scaler: InputScaler;
  history: EpochLoss[];
}

/** Which of the tasks a kind of model learns (its descriptor's `tasks`, as flags). */
export function modelTasks(kind: ModelKind): Record<ModelTask, boolean> {
  const tasks = modelKind(kind).tasks;
  const out = {} as Record<ModelTask, boolean>;
  for (const t of MODEL_TASKS) out[t] = tasks.includes(t);
  return out;
}

/** Whether the model has embeddings U, I (every MTL kind and the embedding baseline). */
export function hasEmbeddings(kind: ModelKind): boolean {
  return modelKind(kind).embeddings;
}

/** Allocates a parameter array of the given precision. */
export function allocParams(precision: Precision, length: number): Params {
  return precision === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

/**
 * The initial embedding of one user or item, from its own Rng seeded by hash32(seed, tag, id), so it does
 * not depend on the order ids were seen (method.md §6). Normal entries with sd `initScale`.
 */
export function initialEmbedding(seed: number, tag: number, id: number, dim: number, initScale: number, out: Params | Float64Array, offset: number): void {
  const rng = Rng.fromSeed(hash32(seed, tag, id));
  for (let j = 0; j < dim; j++) out[offset + j] = initScale * rng.nextNormal();
}

/** A new untrained model: zero weights, no users or items yet, the given input scaler (copied). */
export function createModel(options: ModelOptionsInput, scaler: InputScaler = emptyScaler()): Model {
  const o = resolveModelOptions(options);
  const layout = weightLayout(o.kind, o.dim);
  return {
    options: o,
    width: layout.width,
    weights: allocParams(o.precision, layout.length),
    users: new IdIndex(),
    items: new IdIndex(),
    userEmbeddings: allocParams(o.precision, hasEmbeddings(o.kind) ? 1024 * o.dim : 0),
    itemEmbeddings: allocParams(o.precision, hasEmbeddings(o.kind) ? 1024 * o.dim : 0),
    scaler: cloneScaler(scaler),
    history: [],
  };
}

/** Room for `rows` rows of `dim` (capacity doubles), as a sliceable job: the copy into the larger array in chunks of WORK_CHUNK rows (a recsys16 model's embeddings are ~0.4 GB). */
function* ensureRowsWork(a: Params, rows: number, dim: number): Work<Params> {
  const need = rows * dim;
  if (need <= a.length) return a;
  let cap = Math.max(1024 * dim, a.length);
  while (cap < need) cap *= 2;
  const b = a instanceof Float32Array ? new Float32Array(cap) : new Float64Array(cap);
  const step = WORK_CHUNK * dim;
  for (let at = 0; at < a.length; at += step) {
    b.set(a.subarray(at, Math.min(a.length, at + step)), at);
    yield WORK_CHUNK;
  }
  return b;
}

/**
 * Warm start (method.md §6): adds the users and items not yet in the model with fresh embeddings from
 * hash(seed, id). Existing parameters are not touched, so they stay bit for bit. New ids are added in
 * ascending id order. Returns how many users and items were added. A no-op for models without embeddings.
 */
export function growModel(model: Model, userIds: ArrayLike<number>, itemIds: ArrayLike<number>, seed: number = model.options.seed): { users: number; items: number } {
  return drain(growModelWork(model, userIds, itemIds, seed));
}

/** growModel as a sliceable job (work.ts): yields every WORK_CHUNK ids scanned or initialised. */
export function* growModelWork(model: Model, userIds: ArrayLike<number>, itemIds: ArrayLike<number>, seed: number = model.options.seed): Work<{ users: number; items: number }> {
  if (!hasEmbeddings(model.options.kind)) return { users: 0, items: 0 };
  const { dim, initScale } = model.options;
  function* addAll(index: IdIndex, ids: ArrayLike<number>, tag: number, which: 'userEmbeddings' | 'itemEmbeddings'): Work<number> {
    const fresh: number[] = [];
    const seen = new Set<number>();
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (index.indexOf(id) < 0 && !seen.has(id)) {
        seen.add(id);
        fresh.push(id);
      }
      if (k % WORK_CHUNK === WORK_CHUNK - 1) yield WORK_CHUNK;
    }
    yield ids.length % WORK_CHUNK;
    // A typed array's numeric sort: the comparator sort of a million fresh ids took ~0.3 s in one call.
    const sorted = Float64Array.from(fresh).sort();
    yield fresh.length % WORK_CHUNK;
    model[which] = yield* ensureRowsWork(model[which], index.size + fresh.length, dim);
    const emb = model[which];
    for (let k = 0; k < sorted.length; k++) {
      const id = sorted[k]!;
      const ix = index.intern(id);
      initialEmbedding(seed, tag, id, dim, initScale, emb, ix * dim);
      if (k % WORK_CHUNK === WORK_CHUNK - 1) yield WORK_CHUNK;
    }
    yield fresh.length % WORK_CHUNK;
    return fresh.length;
  }
  const users = yield* addAll(model.users, userIds, HASH_TAG.userEmbedding, 'userEmbeddings');
  const items = yield* addAll(model.items, itemIds, HASH_TAG.itemEmbedding, 'itemEmbeddings');
  return { users, items };
}

/** A deep copy of a model (parameters, indexes, scaler, history). */
export function cloneModel(model: Model): Model {
  return {
    options: { ...model.options },
    width: model.width,
    weights: model.weights.slice(),
    users: IdIndex.fromIds(model.users.ids()),
    items: IdIndex.fromIds(model.items.ids()),
    userEmbeddings: model.userEmbeddings.slice(),
    itemEmbeddings: model.itemEmbeddings.slice(),
    scaler: cloneScaler(model.scaler),
    history: model.history.map((h) => ({ ...h })),
  };
}
