// The baselines of Fig. 2 (method.md §7; issue 10): scorers that learn nothing about a user, computed from
// training dyads only, so a reader can tell whether a model beats the obvious.
// - random: a constant score. Every metric is tie-aware (evaluation/ranking.ts), so a constant scores the
//   random scorer's exact expectation (per-user AUC ½, AP@k the mean over all orders); its F1 is the
//   predict-everything-positive F1, the best a label-blind decision reaches in expectation.
// - popularity: the item's count of positive training labels (training clicks for the click and embedding
//   rows, the training label count for bookmark and reply).
// - itemRate: the item's rate of positive training labels, smoothed toward the training base rate p by
//   Cestnik's m-estimate (B. Cestnik, "Estimating probabilities: a crucial task in machine learning", ECAI
//   1990): (k_i + m·p)/(n_i + m) with m = 10, k_i the item's positives and n_i its training dyads, so an
//   item seen in a few dyads stays near p. An item without training dyads scores p.
import type { FeatureTable } from '../features/feature-table.js';
import type { Fig2Task } from '../evaluation/index.js';

/** m of the m-estimate of the item rate: the weight, in dyads, of the training base rate. */
export const ITEM_RATE_PRIOR_DYADS = 10;

/** Per item: training dyads and positives of each label, from the rows of a mask. */
export interface ItemCounts {
  /** Dense slot of each item id seen in the mask. */
  slotOf: Map<number, number>;
  dyads: Int32Array;
  click: Int32Array;
  bookmark: Int32Array;
  reply: Int32Array;
  totals: { dyads: number; click: number; bookmark: number; reply: number };
}

/** Counts the training dyads and positive labels per item over the rows where `rowMask` is 1. */
export function itemCounts(table: FeatureTable, rowMask: Uint8Array): ItemCounts {
  const slotOf = new Map<number, number>();
  for (let r = 0; r < table.length; r++) {
    if (rowMask[r] !== 1) continue;
    const id = table.itemIds[r]!;
    if (!slotOf.has(id)) slotOf.set(id, slotOf.size);
  }
  const n = slotOf.size;
  const counts: ItemCounts = {
    slotOf,
    dyads: new Int32Array(n),
    click: new Int32Array(n),
    bookmark: new Int32Array(n),
    reply: new Int32Array(n),
    totals: { dyads: 0, click: 0, bookmark: 0, reply: 0 },
  };
  for (let r = 0; r < table.length; r++) {
    if (rowMask[r] !== 1) continue;
    const s = slotOf.get(table.itemIds[r]!)!;
    counts.dyads[s]!++;
    counts.click[s]! += table.click[r]!;
    counts.bookmark[s]! += table.bookmark[r]!;
    counts.reply[s]! += table.reply[r]!;
    counts.totals.dyads++;
    counts.totals.click += table.click[r]!;
    counts.totals.bookmark += table.bookmark[r]!;
    counts.totals.reply += table.reply[r]!;
  }
  return counts;
}

/** The label a Fig. 2 row is judged on: clicks for the click and embedding rows. */
export function labelOfTask(task: Fig2Task): 'click' | 'bookmark' | 'reply' {
  return task === 'bookmark' ? 'bookmark' : task === 'reply' ? 'reply' : 'click';
}

/** The baselines a table can always score (the oracle needs the generator's truth: truth.ts). */
export type CountBaseline = 'random' | 'popularity' | 'itemRate';

/** Scores of `rows` for one task by a count baseline fitted on `counts` (see the file comment). */
export function baselineScores(name: CountBaseline, task: Fig2Task, counts: ItemCounts, table: FeatureTable, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  if (name === 'random') return out.fill(1);
  const label = labelOfTask(task);
  const positives = counts[label];
  const base = counts.totals.dyads === 0 ? 0 : counts.totals[label] / counts.totals.dyads;
  for (let k = 0; k < rows.length; k++) {
    const s = counts.slotOf.get(table.itemIds[rows[k]!]!);
    if (name === 'popularity') out[k] = s === undefined ? 0 : positives[s]!;
    else out[k] = s === undefined ? base : (positives[s]! + ITEM_RATE_PRIOR_DYADS * base) / (counts.dyads[s]! + ITEM_RATE_PRIOR_DYADS);
  }
  return out;
}
