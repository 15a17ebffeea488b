// The events of the open window (method.md §5a), kept until the window closes: its dyads and labels come from them,
// and they are folded into the state only after the window's snapshot is cut from the state before it. Memory is
// one window's events, whatever the input's length (the source is pulled on demand).
import type { EventBatch } from '../events/source.js';
import { ImpressionTableBuilder, InteractionTableBuilder, type ImpressionTable, type InteractionTable } from '../events/tables.js';
import { isoYearWeek } from '../time/iso-week.js';

/** What a window received, counted (bad events and deletes never reach the tables). */
export interface WindowEventCounts {
  interactions: number;
  impressionPairs: number;
  droppedDeletes: number;
  badEvents: number;
  /** Events older than the window's start: folded into the state at once, in no window's dyads. */
  lateEvents: number;
}

/** A growable buffer of one window's on-time events, as the tables the fold and the feature code read. */
export class WindowEvents {
  private interactions = new InteractionTableBuilder(1 << 12);
  private impressions = new ImpressionTableBuilder(1 << 12);
  readonly counts: WindowEventCounts = { interactions: 0, impressionPairs: 0, droppedDeletes: 0, badEvents: 0, lateEvents: 0 };

  /** Appends the on-time events of a batch (rows whose `late` flag is 0), counting the rest. */
  add(batch: EventBatch, lateInteraction: Uint8Array | null, lateImpression: Uint8Array | null): void {
    const it = batch.interactions;
    for (let i = 0; i < it.length; i++) {
      if (lateInteraction !== null && lateInteraction[i] === 1) continue;
      this.interactions.push(it.userIds[i]!, it.itemIds[i]!, it.types[i]!, it.createdAtS[i]!);
      this.counts.interactions++;
    }
    const im = batch.impressions;
    let lastT = NaN;
    let lastWeek = 0;
    for (let i = 0; i < im.length; i++) {
      if (lateImpression !== null && lateImpression[i] === 1) continue;
      const t = im.eventTimeS[i]!;
      if (t !== lastT) {
        lastT = t;
        lastWeek = isoYearWeek(t);
      }
      this.impressions.push(im.userIds[i]!, im.itemIds[i]!, lastWeek);
      this.counts.impressionPairs++;
    }
    this.counts.droppedDeletes += batch.droppedDeletes;
    this.counts.badEvents += batch.badEvents;
  }

  /** Counts late events (folded elsewhere). */
  addLate(n: number): void {
    this.counts.lateEvents += n;
  }

  /** Number of on-time events held. */
  get size(): number {
    return this.counts.interactions + this.counts.impressionPairs;
  }

  /** The window's events as tables (the buffer must not be used afterwards). */
  finish(): { interactions: InteractionTable; impressions: ImpressionTable; counts: WindowEventCounts } {
    return { interactions: this.interactions.finish(), impressions: this.impressions.finish(), counts: { ...this.counts } };
  }
}

/** Late flags of a batch's rows: 1 where the event time is before `openStartS` (method.md §5a). */
export function lateFlags(batch: EventBatch, openStartS: number): { interactions: Uint8Array | null; impressions: Uint8Array | null; late: number } {
  let late = 0;
  let interactions: Uint8Array | null = null;
  const it = batch.interactions;
  for (let i = 0; i < it.length; i++) {
    if (it.createdAtS[i]! < openStartS) {
      interactions ??= new Uint8Array(it.length);
      interactions[i] = 1;
      late++;
    }
  }
  let impressions: Uint8Array | null = null;
  const im = batch.impressions;
  for (let i = 0; i < im.length; i++) {
    if (im.eventTimeS[i]! < openStartS) {
      impressions ??= new Uint8Array(im.length);
      impressions[i] = 1;
      late++;
    }
  }
  return { interactions, impressions, late };
}

/** The late rows of a batch as tables, to fold into the state at once (method.md §5a). */
export function lateTables(
  batch: EventBatch,
  flags: { interactions: Uint8Array | null; impressions: Uint8Array | null },
): { interactions: InteractionTable; impressions: ImpressionTable } {
  const inter = new InteractionTableBuilder(16);
  const it = batch.interactions;
  if (flags.interactions !== null) {
    for (let i = 0; i < it.length; i++) if (flags.interactions[i] === 1) inter.push(it.userIds[i]!, it.itemIds[i]!, it.types[i]!, it.createdAtS[i]!);
  }
  const impr = new ImpressionTableBuilder(16);
  const im = batch.impressions;
  if (flags.impressions !== null) {
    for (let i = 0; i < im.length; i++) if (flags.impressions[i] === 1) impr.push(im.userIds[i]!, im.itemIds[i]!, isoYearWeek(im.eventTimeS[i]!));
  }
  return { interactions: inter.finish(), impressions: impr.finish() };
}
