// What the synthetic generator emits: the four RecSys 2016 record kinds. The profile rows are structurally
// identical to the recsys16 adapter's UserProfileRow / ItemProfileRow (core may not import adapters).
import type { ImpressionRecord, InteractionRecord } from '../events/records.js';

/** One row of users.csv (reference/wtl-and-recsys16.md §2.1). Lists are comma-separated concept ids. */
export interface SynthUserRow {
  id: number;
  jobroles: string;
  career_level: number;
  discipline_id: number;
  industry_id: number;
  country: string;
  region: number;
  experience_n_entries_class: number;
  experience_years_experience: number;
  experience_years_in_current: number;
  edu_degree: number;
  edu_fieldofstudies: string;
}

/** One row of items.csv (reference/wtl-and-recsys16.md §2.1). `latitude`/`longitude` null means NULL. */
export interface SynthItemRow {
  id: number;
  title: string;
  career_level: number;
  discipline_id: number;
  industry_id: number;
  country: string;
  region: number;
  latitude: number | null;
  longitude: number | null;
  employment: number;
  tags: string;
  created_at: number;
  active_during_test: number;
}

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
