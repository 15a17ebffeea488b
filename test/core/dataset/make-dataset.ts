// Builds small literal datasets for the dataset, stats and synth tests.
import { ImpressionTableBuilder, InteractionTableBuilder, type Dataset } from '../../../src/core/events/tables.js';

/** [userId, itemId, type, createdAtS] */
export type InteractionRow = readonly [number, number, number, number];
/** [userId, itemId, year×100+week] */
export type ImpressionRow = readonly [number, number, number];

/** A Dataset holding exactly these rows, no profiles. */
export function makeDataset(interactions: readonly InteractionRow[], impressions: readonly ImpressionRow[] = []): Dataset {
  const ib = new InteractionTableBuilder(4);
  for (const [u, i, t, s] of interactions) ib.push(u, i, t, s);
  const pb = new ImpressionTableBuilder(4);
  for (const [u, i, w] of impressions) pb.push(u, i, w);
  return { interactions: ib.finish(), impressions: pb.finish(), users: null, items: null, droppedDeletes: 0, badRows: 0 };
}

/** The rows of a Dataset as literal tuples, for exact comparisons. */
export function rowsOf(ds: Dataset): { interactions: InteractionRow[]; impressions: ImpressionRow[] } {
  const t = ds.interactions;
  const p = ds.impressions;
  const interactions: InteractionRow[] = [];
  for (let r = 0; r < t.length; r++) interactions.push([t.userIds[r]!, t.itemIds[r]!, t.types[r]!, t.createdAtS[r]!]);
  const impressions: ImpressionRow[] = [];
  for (let r = 0; r < p.length; r++) impressions.push([p.userIds[r]!, p.itemIds[r]!, p.yearWeeks[r]!]);
  return { interactions, impressions };
}
