// Column lists of the RecSys Challenge 2016 files (reference/wtl-and-recsys16.md §2.1): tab-separated with a
// header line. Readers require these headers exactly; writers write them.

/** Columns of interactions.csv. */
export const INTERACTION_COLUMNS = ['user_id', 'item_id', 'interaction_type', 'created_at'] as const;
/** Columns of impressions.csv (`items` is a comma-separated list of item ids). */
export const IMPRESSION_COLUMNS = ['user_id', 'year', 'week', 'items'] as const;
/** Columns of users.csv. */
export const USER_COLUMNS = [
  'id',
  'jobroles',
  'career_level',
  'discipline_id',
  'industry_id',
  'country',
  'region',
  'experience_n_entries_class',
  'experience_years_experience',
  'experience_years_in_current',
  'edu_degree',
  'edu_fieldofstudies',
] as const;
/** Columns of items.csv. */
export const ITEM_COLUMNS = [
  'id',
  'title',
  'career_level',
  'discipline_id',
  'industry_id',
  'country',
  'region',
  'latitude',
  'longitude',
  'employment',
  'tags',
  'created_at',
  'active_during_test',
] as const;

/** The header line (without line ending) of a file with these columns. */
export function headerLine(columns: readonly string[]): string {
  return columns.join('\t');
}
