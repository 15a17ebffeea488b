// A RecSys 2016 data directory → Dataset in memory (issue 2). interactions.csv and impressions.csv are required;
// users.csv and items.csv are optional reference data (missing → a warning and zero context features).
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset, ProfileTable } from '../../core/events/tables.js';
import { ImpressionTableBuilder, InteractionTableBuilder } from '../../core/events/tables.js';
import type { DeadLetterSink } from './bad-row.js';
import { readImpressionBatches } from './read-impressions.js';
import { readInteractionBatches, type InteractionReadSummary } from './read-interactions.js';
import { IMPRESSION_COLUMNS, INTERACTION_COLUMNS } from './format.js';
import { openInput, scanLines } from './lines.js';
import { readProfiles } from './read-profiles.js';

/** Where bad rows go, and how to tell the user that an optional file is missing. */
export interface LoadOptions {
  deadLetters: DeadLetterSink;
  warn: (message: string) => void;
}

/**
 * Checks that DIR's required files (interactions.csv, impressions.csv) can be read and start with their header:
 * a wrong --data is one InputError before a run does anything else, not minutes later.
 */
export async function checkDatasetFiles(dir: string): Promise<void> {
  for (const [name, columns] of [['interactions.csv', INTERACTION_COLUMNS], ['impressions.csv', IMPRESSION_COLUMNS]] as const) {
    // The first chunk is enough: scanLines checks the header before it yields anything.
    const lines = scanLines(join(dir, name), columns, { onLongLine: () => {} });
    try {
      await lines.next();
    } finally {
      await lines.return();
    }
  }
}

/** Reads DIR/{interactions,impressions,users,items}.csv into a Dataset (deletes dropped and counted). */
export async function loadDataset(dir: string, opts: LoadOptions): Promise<Dataset> {
  const { deadLetters } = opts;
  const badBefore = deadLetters.count;
  // Both required files must exist before minutes go into reading the first one.
  for (const name of ['interactions.csv', 'impressions.csv']) await (await openInput(join(dir, name))).close();

  const interactions = new InteractionTableBuilder(1 << 16);
  const inter = readInteractionBatches(join(dir, 'interactions.csv'), { deadLetters });
  let interSummary: InteractionReadSummary;
  for (;;) {
    const r = await inter.next();
    if (r.done) {
      interSummary = r.value;
      break;
    }
    const b = r.value;
    for (let i = 0; i < b.length; i++) interactions.push(b.userIds[i]!, b.itemIds[i]!, b.types[i]!, b.createdAtS[i]!);
  }

  const impressions = new ImpressionTableBuilder(1 << 16);
  for await (const batch of readImpressionBatches(join(dir, 'impressions.csv'), { deadLetters })) {
    for (const rec of batch.records) {
      const yearWeek = rec.year * 100 + rec.week;
      for (const itemId of rec.items) impressions.push(rec.user_id, itemId, yearWeek);
    }
  }

  const users = await optionalProfiles(join(dir, 'users.csv'), 'users', opts);
  const items = await optionalProfiles(join(dir, 'items.csv'), 'items', opts);

  return {
    interactions: interactions.finish(),
    impressions: impressions.finish(),
    users,
    items,
    droppedDeletes: interSummary.droppedDeletes,
    badRows: deadLetters.count - badBefore,
  };
}

async function optionalProfiles(path: string, kind: 'users' | 'items', opts: LoadOptions): Promise<ProfileTable | null> {
  try {
    await access(path);
  } catch {
    opts.warn(`${path}: no such file; ${kind === 'users' ? 'user' : 'item'} context features will be 0`);
    return null;
  }
  return readProfiles(path, kind, { deadLetters: opts.deadLetters });
}
