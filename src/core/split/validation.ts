// The validation part of the training dyads (method.md §6): the last sixth of each user's training dyads,
// ordered as the time split orders them (first-seen time, ties by hash(seed, user, item): split.ts), with the
// count of dyads whose side (fit or validation) the tie order decided, defined as in split.ts.
import { invariant } from '../errors.js';
import { SPLIT, type FeatureTable } from '../features/feature-table.js';
import { sortChronologically, tiePlacedAt } from './split.js';

/** Number of a user's n training dyads that go to validation: ⌊n/6⌋ (the last sixth). */
export function validationCount(n: number): number {
  return Math.floor(n / 6);
}

/** The validation rows (1) and how many training dyads the tie order placed on one side or the other. */
export interface ValidationPart {
  mask: Uint8Array;
  tiePlaced: number;
}

/**
 * Per user, the last ⌊n/6⌋ of its n training rows by first-seen time, ties by hash(seed, user, item) (the
 * seed of the feature table's split). Rows must be sorted by user id (FeatureTable order) and carry first-seen
 * times (a table built in memory; a snapshot read back has only weeks, too coarse to order a user's dyads as
 * the split did).
 */
export function validationPart(table: FeatureTable, seed: number): ValidationPart {
  const n = table.length;
  const mask = new Uint8Array(n);
  invariant(table.firstSeenS !== undefined, 'the validation part needs the first-seen times of a table built in memory');
  const time = table.firstSeenS;
  let tiePlaced = 0;
  let start = 0;
  const rows: number[] = [];
  while (start < n) {
    const user = table.userIds[start]!;
    let end = start;
    while (end < n && table.userIds[end] === user) end++;
    invariant(end === n || table.userIds[end]! > user, 'feature table rows are not sorted by user id');
    rows.length = 0;
    for (let r = start; r < end; r++) if (table.split[r] === SPLIT.train) rows.push(r);
    sortChronologically(rows, user, table.itemIds, time, seed);
    const k = validationCount(rows.length);
    for (let i = rows.length - k; i < rows.length; i++) mask[rows[i]!] = 1;
    tiePlaced += tiePlacedAt(rows, rows.length - k, time);
    start = end;
  }
  return { mask, tiePlaced };
}

/** The validation rows of `validationPart` (1 = validation). */
export function validationMask(table: FeatureTable, seed: number): Uint8Array {
  return validationPart(table, seed).mask;
}
