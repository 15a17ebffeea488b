// The validation part of the training dyads (method.md §6): the last sixth of each user's training dyads,
// ordered as the time split orders them (first-seen time, ties by item id).
import { invariant } from '../errors.js';
import { SPLIT, type FeatureTable } from '../features/feature-table.js';

/** Number of a user's n training dyads that go to validation: ⌊n/6⌋ (the last sixth). */
export function validationCount(n: number): number {
  return Math.floor(n / 6);
}

/**
 * 1 for the validation rows: per user, the last ⌊n/6⌋ of its n training rows by (first-seen time, item id).
 * Rows must be sorted by user id (FeatureTable order) and carry first-seen times (a table built in memory;
 * a snapshot read back has only weeks, too coarse to order a user's dyads as the split did).
 */
export function validationMask(table: FeatureTable): Uint8Array {
  const n = table.length;
  const mask = new Uint8Array(n);
  invariant(table.firstSeenS !== undefined, 'the validation part needs the first-seen times of a table built in memory');
  const time = table.firstSeenS;
  let start = 0;
  const rows: number[] = [];
  while (start < n) {
    const user = table.userIds[start]!;
    let end = start;
    while (end < n && table.userIds[end] === user) end++;
    invariant(end === n || table.userIds[end]! > user, 'feature table rows are not sorted by user id');
    rows.length = 0;
    for (let r = start; r < end; r++) if (table.split[r] === SPLIT.train) rows.push(r);
    rows.sort((a, b) => time[a]! - time[b]! || table.itemIds[a]! - table.itemIds[b]!);
    const k = validationCount(rows.length);
    for (let i = rows.length - k; i < rows.length; i++) mask[rows[i]!] = 1;
    start = end;
  }
  return mask;
}
