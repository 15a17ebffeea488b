// The training set of one training call, packed for the SGD loop (method.md §6). Eligible users are those
// of the chosen rows with both a click-positive and a click-negative dyad, sorted by external id; each
// user's rows follow, positives then negatives, each part by item id, so draws never depend on row order.
// A packed row is 32 Float32 slots: x without embeddings (15 statistics and 16 contextual values, all
// standardised by the model's scaler) and, through an Int32 view of the same memory, the item's dense index
// and the bookmark and reply labels. One random dyad is then two cache lines instead of a dozen scattered ones.
import { InvariantError } from '../errors.js';
import type { FeatureTable } from '../features/feature-table.js';
import { BASE_WIDTH } from './layout.js';
import { hasEmbeddings, type Model } from './model.js';
import { scaleRow, scalerTransform } from './scaler.js';
import { WORK_CHUNK, drain, type Work } from './work.js';

/** Float32 slots per packed row (31 inputs + 1 meta word). */
export const PACKED_WIDTH = 32;
const META = PACKED_WIDTH - 1;

/** The packed rows and sampling ranges of one training call. */
export interface TrainingSet {
  /** External ids of the eligible users, ascending. */
  userIds: Int32Array;
  /** The model's dense index of each eligible user (-1 for models without embeddings). */
  userIxs: Int32Array;
  /** User k's positives are packed rows [start[k], posEnd[k]), its negatives [posEnd[k], start[k+1]). */
  start: Int32Array;
  posEnd: Int32Array;
  /** rows × PACKED_WIDTH: the inputs. */
  xs: Float32Array;
  /** Int32 view of xs' memory: slot META of a row holds itemIx << 2 | bookmark << 1 | reply. */
  meta: Int32Array;
  /** The packed row of each table row (-1 when not packed), for tests and tools. */
  packedRowOf: Int32Array;
  /** Default iterations per epoch: click-positive dyads of eligible users. */
  positives: number;
}

/**
 * Packs the rows of `rowMask` with the model's current scaler and id indexes (grow the model first).
 * Throws on a duplicate (user, item) row: a dyad is one row.
 */
export function buildTrainingSet(model: Model, table: FeatureTable, rowMask: Uint8Array): TrainingSet {
  return drain(packTrainingSet(model, table, rowMask));
}

/**
 * buildTrainingSet as a sliceable job (work.ts): yields every WORK_CHUNK rows packed. The passes before the
 * packing (a few integer operations per row; a sort only for rows not in (user, item) order) run unsliced.
 */
export function* packTrainingSet(model: Model, table: FeatureTable, rowMask: Uint8Array): Work<TrainingSet> {
  const { userIds, itemIds, click } = table;
  let n = 0;
  let sorted = true;
  let prev = -1;
  for (let r = 0; r < table.length; r++) {
    if (rowMask[r] !== 1) continue;
    if (prev >= 0 && (userIds[r]! < userIds[prev]! || (userIds[r] === userIds[prev] && itemIds[r]! <= itemIds[prev]!))) sorted = false;
    prev = r;
    n++;
  }
  const order = new Int32Array(n);
  for (let r = 0, k = 0; r < table.length; r++) if (rowMask[r] === 1) order[k++] = r;
  if (!sorted) order.sort((a, b) => userIds[a]! - userIds[b]! || itemIds[a]! - itemIds[b]!);
  for (let k = 1; k < n; k++) {
    const a = order[k - 1]!;
    const b = order[k]!;
    if (userIds[a] === userIds[b] && itemIds[a] === itemIds[b]) {
      throw new InvariantError(`feature table has two rows for dyad (user ${userIds[a]}, item ${itemIds[a]})`);
    }
  }
  // Pass 1: eligible users and the packed order (positives, then negatives, per user).
  const eligible: number[] = [];
  const start: number[] = [0];
  const posEnd: number[] = [];
  const packedOrder = new Int32Array(n);
  let m = 0;
  for (let k = 0; k < n; ) {
    const user = userIds[order[k]!]!;
    let end = k;
    let nPos = 0;
    while (end < n && userIds[order[end]!] === user) {
      if (click[order[end]!] === 1) nPos++;
      end++;
    }
    if (nPos > 0 && nPos < end - k) {
      eligible.push(user);
      for (let q = k; q < end; q++) if (click[order[q]!] === 1) packedOrder[m++] = order[q]!;
      posEnd.push(m);
      for (let q = k; q < end; q++) if (click[order[q]!] !== 1) packedOrder[m++] = order[q]!;
      start.push(m);
    }
    k = end;
  }
  // Pass 2: pack.
  const embeddings = hasEmbeddings(model.options.kind);
  const xs = new Float32Array(m * PACKED_WIDTH);
  const meta = new Int32Array(xs.buffer);
  const packedRowOf = new Int32Array(table.length).fill(-1);
  const { mean, invStd } = scalerTransform(model.scaler);
  let positives = 0;
  for (let p = 0; p < m; p++) {
    const r = packedOrder[p]!;
    packedRowOf[r] = p;
    const o = p * PACKED_WIDTH;
    scaleRow(table, r, mean, invStd, xs, o);
    let itemIx = 0;
    if (embeddings) {
      itemIx = model.items.indexOf(itemIds[r]!);
      if (itemIx < 0) throw new InvariantError(`item ${itemIds[r]} not in the model: grow it before packing`);
    }
    meta[o + META] = (itemIx << 2) | (table.bookmark[r] === 1 ? 2 : 0) | (table.reply[r] === 1 ? 1 : 0);
    if (click[r] === 1) positives++;
    if (p % WORK_CHUNK === WORK_CHUNK - 1) yield WORK_CHUNK;
  }
  yield m % WORK_CHUNK;
  const userIxs = new Int32Array(eligible.length).fill(-1);
  if (embeddings) {
    for (let k = 0; k < eligible.length; k++) {
      userIxs[k] = model.users.indexOf(eligible[k]!);
      if (userIxs[k]! < 0) throw new InvariantError(`user ${eligible[k]} not in the model: grow it before packing`);
    }
  }
  if (BASE_WIDTH !== META) throw new InvariantError('packed layout out of date');
  return {
    userIds: Int32Array.from(eligible),
    userIxs,
    start: Int32Array.from(start),
    posEnd: Int32Array.from(posEnd),
    xs,
    meta,
    packedRowOf,
    positives,
  };
}
