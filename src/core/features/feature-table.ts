// The DAEMON dyad feature table (issue 4): one row per (user, item) dyad, column order fixed by
// schemas/dyad-features.schema.json. Row-major blocks keep a dyad's inputs contiguous for the trainer.

/** Split codes of the `split` column. */
export const SPLIT = { train: 0, test: 1 } as const;

/** Spread statistic of the win/tie/loss vectors: population standard deviation (paper) or variance (authors' code). */
export type Spread = 'std' | 'var';

/** The 15 win/tie/loss column names, in order WIN, LOSS, TIE × (mean, spread, max, min, nonzero). */
export function wtlColumnNames(spread: Spread): string[] {
  const out: string[] = [];
  for (const v of ['win', 'loss', 'tie']) {
    for (const s of ['mean', spread, 'max', 'min', 'nonzero']) out.push(`${v}_${s}`);
  }
  return out;
}

/** The 16 raw contextual column names (method.md §4). */
export const CONTEXT_COLUMN_NAMES = [
  'user_career_level',
  'user_discipline_id',
  'user_industry_id',
  'user_country',
  'user_region',
  'user_experience_n_entries_class',
  'user_experience_years_experience',
  'user_experience_years_in_current',
  'user_edu_degree',
  'item_career_level',
  'item_discipline_id',
  'item_industry_id',
  'item_country',
  'item_region',
  'item_employment',
  'item_active_during_test',
] as const;

export const WTL_WIDTH = 15;
export const CONTEXT_WIDTH = 16;

/** A dyad feature table. Rows are sorted by (user_id, item_id). */
export interface FeatureTable {
  length: number;
  userIds: Int32Array;
  itemIds: Int32Array;
  /** ISO year × 100 + week of the dyad's first event. */
  weeks: Int32Array;
  /** SPLIT.train or SPLIT.test. */
  split: Uint8Array;
  /** length × 15, row-major, order of wtlColumnNames. */
  wtl: Float64Array;
  /** length × 16 raw contextual values, row-major, order of CONTEXT_COLUMN_NAMES. */
  context: Int32Array;
  click: Uint8Array;
  bookmark: Uint8Array;
  reply: Uint8Array;
  /**
   * Unix seconds of the dyad's first event, when known (in memory after a build; not a snapshot column).
   * It orders a user's dyads for the time split and the validation part (method.md §5, §6).
   */
  firstSeenS?: Float64Array;
}
