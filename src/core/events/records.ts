// The RecSys Challenge 2016 (XING) records (reference/wtl-and-recsys16.md §2.1, method.md §1).
// Field names are the files' and the Kafka messages' (schemas/interaction.schema.json, impression.schema.json).

/** Interaction types of interactions.csv. */
export const INTERACTION_TYPE = { click: 1, bookmark: 2, reply: 3, delete: 4 } as const;
export type InteractionType = 1 | 2 | 3 | 4;

/** One row of interactions.csv / one `dyadflow.interactions` message. `created_at` is unix seconds. */
export interface InteractionRecord {
  user_id: number;
  item_id: number;
  interaction_type: InteractionType;
  created_at: number;
}

/** One row of impressions.csv / one `dyadflow.impressions` message: the items shown to a user in an ISO week. */
export interface ImpressionRecord {
  user_id: number;
  year: number;
  week: number;
  items: number[];
}

/** The profile fields of users.csv that become contextual features, in feature order (method.md §4). */
export const USER_PROFILE_FIELDS = [
  'career_level',
  'discipline_id',
  'industry_id',
  'country',
  'region',
  'experience_n_entries_class',
  'experience_years_experience',
  'experience_years_in_current',
  'edu_degree',
] as const;

/** The profile fields of items.csv that become contextual features, in feature order (method.md §4). */
export const ITEM_PROFILE_FIELDS = [
  'career_level',
  'discipline_id',
  'industry_id',
  'country',
  'region',
  'employment',
  'active_during_test',
] as const;

/** One row of users.csv (reference/wtl-and-recsys16.md §2.1). Lists are comma-separated concept ids. */
export interface UserProfileRow {
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
export interface ItemProfileRow {
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

/** Country code → number (method.md §4): de 1, at 2, ch 3, non_dach 4, anything else 0. */
export function encodeCountry(value: string): number {
  switch (value) {
    case 'de':
      return 1;
    case 'at':
      return 2;
    case 'ch':
      return 3;
    case 'non_dach':
      return 4;
    default:
      return 0;
  }
}

/** Latest plausible `created_at` (2100-01-01): later values are absurd and go to the dead letters. */
export const MAX_CREATED_AT_S = 4102444800;
