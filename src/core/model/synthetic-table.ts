// A synthetic dyad feature table with a known truth, for the trainer's tests and benchmark (not the
// `generate` command's RecSys files): users and items have latent factors; a dyad's click logit is their
// affinity plus a context match, the win/tie/loss statistics carry a noisy copy of that signal, and
// bookmarks and replies are rarer events among clicks that share it.
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable } from '../features/feature-table.js';
import type { Rng } from '../random/rng.js';

/** Shape of a synthetic table. */
export interface SyntheticTableOptions {
  users: number;
  items: number;
  /** Mean dyads per user (each user gets between half and 1.5 times this). */
  rowsPerUser: number;
  /** Latent factor dimension of the truth. */
  latentDim?: number;
  /** Probability that a row is in the test split (drawn per row). */
  testFraction?: number;
  /** Logit offset of clicks (more negative: fewer clicks). */
  clickBias?: number;
}

/** A table sorted by (user_id, item_id); user ids 1000 + 7k, item ids 50000 + 3k (sparse on purpose). */
export function syntheticFeatureTable(opts: SyntheticTableOptions, rng: Rng): FeatureTable {
  const latent = opts.latentDim ?? 4;
  const testFraction = opts.testFraction ?? 1 / 3;
  const clickBias = opts.clickBias ?? -0.8;
  const nItems = Math.max(2, opts.items);
  const userF = new Float64Array(opts.users * latent);
  const itemF = new Float64Array(nItems * latent);
  for (let k = 0; k < userF.length; k++) userF[k] = rng.nextNormal();
  for (let k = 0; k < itemF.length; k++) itemF[k] = rng.nextNormal();
  const userCtx = new Int32Array(opts.users * 9);
  const itemCtx = new Int32Array(nItems * 7);
  for (let k = 0; k < userCtx.length; k++) userCtx[k] = rng.nextInt(k % 9 === 3 ? 5 : 7);
  for (let k = 0; k < itemCtx.length; k++) itemCtx[k] = rng.nextInt(k % 7 === 3 ? 5 : 7);
  // Item popularity: a few items are shown far more often (Zipf-like via squared uniforms).
  const counts: number[] = [];
  let total = 0;
  for (let u = 0; u < opts.users; u++) {
    const n = Math.min(nItems, Math.max(2, Math.round(opts.rowsPerUser * (0.5 + rng.nextFloat()))));
    counts.push(n);
    total += n;
  }
  const t: FeatureTable = {
    length: total,
    userIds: new Int32Array(total),
    itemIds: new Int32Array(total),
    weeks: new Int32Array(total),
    split: new Uint8Array(total),
    wtl: new Float64Array(total * WTL_WIDTH),
    context: new Int32Array(total * CONTEXT_WIDTH),
    click: new Uint8Array(total),
    bookmark: new Uint8Array(total),
    reply: new Uint8Array(total),
  };
  const scale = 1 / Math.sqrt(latent);
  let r = 0;
  const chosen = new Set<number>();
  for (let u = 0; u < opts.users; u++) {
    const n = counts[u]!;
    chosen.clear();
    while (chosen.size < n) {
      const f = rng.nextFloat();
      chosen.add(Math.min(nItems - 1, Math.floor(f * f * nItems)));
    }
    const items = Int32Array.from(chosen).sort();
    for (let k = 0; k < n; k++, r++) {
      const i = items[k]!;
      let a = 0;
      for (let d = 0; d < latent; d++) a += userF[u * latent + d]! * itemF[i * latent + d]!;
      a *= scale;
      const match = userCtx[u * 9 + 1] === itemCtx[i * 7 + 1] ? 1 : 0;
      const signal = 1.5 * a + 1.2 * match;
      t.userIds[r] = 1000 + 7 * u;
      t.itemIds[r] = 50000 + 3 * i;
      t.weeks[r] = 201533 + Math.floor((k * 8) / n);
      t.split[r] = rng.nextFloat() < testFraction ? SPLIT.test : SPLIT.train;
      const clicked = rng.nextFloat() < 1 / (1 + Math.exp(-(signal + clickBias)));
      t.click[r] = clicked ? 1 : 0;
      t.bookmark[r] = clicked && rng.nextFloat() < 1 / (1 + Math.exp(-(signal - 3.5))) ? 1 : 0;
      t.reply[r] = clicked && rng.nextFloat() < 1 / (1 + Math.exp(-(signal - 2.5))) ? 1 : 0;
      const o = r * WTL_WIDTH;
      const hint = 1 / (1 + Math.exp(-(signal + rng.nextNormal())));
      for (let j = 0; j < WTL_WIDTH; j++) t.wtl[o + j] = 0.5 * rng.nextFloat();
      t.wtl[o] = 0.6 * hint; // win_mean carries the signal
      t.wtl[o + 5] = 0.4 * (1 - hint); // loss_mean against it
      const c = r * CONTEXT_WIDTH;
      for (let j = 0; j < 9; j++) t.context[c + j] = userCtx[u * 9 + j]!;
      for (let j = 0; j < 7; j++) t.context[c + 9 + j] = itemCtx[i * 7 + j]!;
      t.context[c + 15] = 1; // a constant column (std 0) like active_during_test can be
    }
  }
  return t;
}
