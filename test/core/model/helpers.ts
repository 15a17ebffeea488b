// Small feature tables and metrics for the trainer's tests.
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { syntheticFeatureTable, type SyntheticTableOptions } from '../../../src/core/model/synthetic-table.js';
import { Rng } from '../../../src/core/random/rng.js';

/** A synthetic table with a learnable truth (see src/core/model/synthetic-table.ts). */
export function learnableTable(seed: number, opts: Partial<SyntheticTableOptions> = {}): FeatureTable {
  return syntheticFeatureTable({ users: 200, items: 400, rowsPerUser: 40, ...opts }, Rng.fromSeed(seed));
}

/** One row of a literal table. */
export interface LiteralRow {
  user: number;
  item: number;
  click: 0 | 1;
  bookmark?: 0 | 1;
  reply?: 0 | 1;
  split?: 'train' | 'test';
}

/**
 * A table from literal rows (in the given order) with random statistics in [0, 1) and random contextual
 * integers in [0, 6] drawn from `seed`.
 */
export function literalTable(rows: LiteralRow[], seed = 7): FeatureTable {
  const rng = Rng.fromSeed(seed);
  const n = rows.length;
  const t: FeatureTable = {
    length: n,
    userIds: Int32Array.from(rows.map((r) => r.user)),
    itemIds: Int32Array.from(rows.map((r) => r.item)),
    weeks: new Int32Array(n).fill(201540),
    split: Uint8Array.from(rows.map((r) => (r.split === 'test' ? SPLIT.test : SPLIT.train))),
    wtl: new Float64Array(n * WTL_WIDTH),
    context: new Int32Array(n * CONTEXT_WIDTH),
    click: Uint8Array.from(rows.map((r) => r.click)),
    bookmark: Uint8Array.from(rows.map((r) => r.bookmark ?? 0)),
    reply: Uint8Array.from(rows.map((r) => r.reply ?? 0)),
  };
  for (let k = 0; k < t.wtl.length; k++) t.wtl[k] = rng.nextFloat();
  for (let k = 0; k < t.context.length; k++) t.context[k] = rng.nextInt(7);
  return t;
}

/** Pooled AUC of scores against 0/1 labels: the fraction of (positive, negative) pairs ordered right, ties one half. */
export function pooledAuc(scores: Float64Array, labels: ArrayLike<number>): number {
  let pairs = 0;
  let good = 0;
  const pos: number[] = [];
  const neg: number[] = [];
  for (let k = 0; k < scores.length; k++) (labels[k] === 1 ? pos : neg).push(scores[k]!);
  pos.sort((a, b) => a - b);
  neg.sort((a, b) => a - b);
  // Merge count: for each positive, negatives below it (and half of equal ones).
  let lo = 0;
  let eqEnd = 0;
  for (const p of pos) {
    while (lo < neg.length && neg[lo]! < p) lo++;
    eqEnd = Math.max(eqEnd, lo);
    while (eqEnd < neg.length && neg[eqEnd] === p) eqEnd++;
    good += lo + (eqEnd - lo) / 2;
    pairs += neg.length;
  }
  return pairs === 0 ? Number.NaN : good / pairs;
}

/** Rows of a split as row indices. */
export function rowsOf(table: FeatureTable, split: number): Int32Array {
  const out: number[] = [];
  for (let r = 0; r < table.length; r++) if (table.split[r] === split) out.push(r);
  return Int32Array.from(out);
}

/** Labels of the given rows. */
export function labelsAt(labels: Uint8Array, rows: Int32Array): Uint8Array {
  return Uint8Array.from(rows, (r) => labels[r]!);
}
