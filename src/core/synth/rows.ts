// What the synthetic generator emits: the four RecSys 2016 record kinds (row types from core/events/records.ts,
// which the recsys16 writers take too).
import type { ImpressionRecord, InteractionRecord, ItemProfileRow, UserProfileRow } from '../events/records.js';

/** A generated users.csv row (the file's own row type). */
export type SynthUserRow = UserProfileRow;

/** A generated items.csv row (the file's own row type). */
export type SynthItemRow = ItemProfileRow;

/**
 * Receives the generated records: all users (ascending id), then all items (ascending id), then the events in
 * event-time order (method.md §5a): each ISO week's impression lines (at its Monday 00:00 UTC, ascending user id)
 * before that week's interactions (ascending `created_at`, ties in generation order: ascending user id).
 */
export interface SynthSink {
  user(row: SynthUserRow): void;
  item(row: SynthItemRow): void;
  interaction(record: InteractionRecord): void;
  impression(record: ImpressionRecord): void;
}

/** One generated record, tagged with its kind (the pull form of SynthSink). */
export type SynthRecord =
  | { kind: 'user'; row: SynthUserRow }
  | { kind: 'item'; row: SynthItemRow }
  | { kind: 'interaction'; record: InteractionRecord }
  | { kind: 'impression'; record: ImpressionRecord };

/** Counts of what a preset generated (deterministic: no timings). */
export interface SynthSummary {
  preset: string;
  seed: number;
  users: number;
  items: number;
  /** Interaction rows, all types, and the rows per type. */
  interactions: number;
  clicks: number;
  bookmarks: number;
  replies: number;
  deletes: number;
  /** Impression lines (user, week) and the (user, item, week) entries they list. */
  impressionLines: number;
  impressionTriples: number;
  /** First and last ISO week of events, e.g. "2015-W34". */
  firstWeek: string;
  lastWeek: string;
  /** Dimension of the latent factors. */
  latentDim: number;
}
