// Flips the labels (the IM entry) of chosen dyads without moving their first-seen time, for the
// "no dyad's features use its own label" tests.
import type { Dataset } from '../../src/core/events/tables.js';
import { InteractionTableBuilder } from '../../src/core/events/tables.js';
import { isoWeekStartS } from '../../src/core/time/iso-week.js';

/** Key of a dyad by external ids. */
export function dyadKey(userId: number, itemId: number): number {
  return userId * 2 ** 31 + itemId;
}

/**
 * A copy of `ds` where every dyad in `flip` has its interaction types rotated (click → bookmark → reply →
 * click), and impression-only ones get a reply at their first impression's time. IM changes for every
 * flipped dyad except those with all three types; event times, hence weeks and splits, do not move.
 */
export function flipLabels(ds: Dataset, flip: Set<number>): Dataset {
  const it = ds.interactions;
  const b = new InteractionTableBuilder(it.length + flip.size);
  const interacted = new Set<number>();
  for (let i = 0; i < it.length; i++) {
    const key = dyadKey(it.userIds[i]!, it.itemIds[i]!);
    let type = it.types[i]!;
    if (flip.has(key) && type >= 1 && type <= 3) {
      type = (type % 3) + 1;
      interacted.add(key);
    }
    b.push(it.userIds[i]!, it.itemIds[i]!, type, it.createdAtS[i]!);
  }
  const firstShown = new Map<number, number>();
  const im = ds.impressions;
  for (let i = 0; i < im.length; i++) {
    const key = dyadKey(im.userIds[i]!, im.itemIds[i]!);
    if (!flip.has(key) || interacted.has(key)) continue;
    const yw = im.yearWeeks[i]!;
    const t = isoWeekStartS(Math.floor(yw / 100), yw % 100);
    const prev = firstShown.get(key);
    if (prev === undefined || t < prev) firstShown.set(key, t);
  }
  for (const [key, t] of firstShown) b.push(Math.floor(key / 2 ** 31), key % 2 ** 31, 3, t);
  return { ...ds, interactions: b.finish() };
}
