// Hand-made FeatureTables for the snapshot adapter tests: random values from a seeded Rng, rows sorted by
// (user_id, item_id) as the builder emits them.
import { CONTEXT_WIDTH, WTL_WIDTH, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { Rng } from '../../../src/core/random/rng.js';
import { allocateFeatureTable } from '../../../src/adapters/snapshot/columns.js';

/** A table of `length` rows with varied values: some exact zeros, small fractions, repeats, large ids. */
export function randomFeatureTable(length: number, seed: number): FeatureTable {
  const rng = Rng.fromSeed(seed);
  const t = allocateFeatureTable(length);
  let user = rng.nextInt(1000);
  let item = 0;
  for (let i = 0; i < length; i++) {
    if (i === 0 || rng.nextInt(5) === 0) {
      user += 1 + rng.nextInt(3);
      item = rng.nextInt(50);
    } else {
      item += 1 + rng.nextInt(100);
    }
    t.userIds[i] = user;
    t.itemIds[i] = i % 17 === 0 ? 2147483000 + i : item;
    t.weeks[i] = 201530 + rng.nextInt(20);
    t.split[i] = rng.nextInt(3) === 0 ? 1 : 0;
    for (let j = 0; j < WTL_WIDTH; j++) {
      const kind = rng.nextInt(4);
      t.wtl[i * WTL_WIDTH + j] = kind === 0 ? 0 : kind === 1 ? rng.nextInt(7) / 6 : rng.nextFloat();
    }
    for (let j = 0; j < CONTEXT_WIDTH; j++) t.context[i * CONTEXT_WIDTH + j] = rng.nextInt(j === 3 ? 5 : 100);
    t.click[i] = rng.nextInt(3) === 0 ? 1 : 0;
    t.bookmark[i] = rng.nextInt(20) === 0 ? 1 : 0;
    t.reply[i] = rng.nextInt(10) === 0 ? 1 : 0;
  }
  return t;
}

/** The fields of a FeatureTable as plain arrays, for deep equality with readable diffs. */
export function tableAsArrays(t: FeatureTable): Record<string, unknown> {
  return {
    length: t.length,
    userIds: Array.from(t.userIds),
    itemIds: Array.from(t.itemIds),
    weeks: Array.from(t.weeks),
    split: Array.from(t.split),
    wtl: Array.from(t.wtl),
    context: Array.from(t.context),
    click: Array.from(t.click),
    bookmark: Array.from(t.bookmark),
    reply: Array.from(t.reply),
  };
}
