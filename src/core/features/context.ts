// The 16 raw contextual features of a dyad (method.md §4): 9 user profile fields then 7 item profile fields,
// looked up by id in ProfileTables (ids ascending). A missing table or id gives zeros and is counted.

import { invariant } from '../errors.js';
import type { ProfileTable } from '../events/tables.js';
import { ITEM_PROFILE_FIELDS, USER_PROFILE_FIELDS } from '../events/records.js';
import { CONTEXT_WIDTH } from './feature-table.js';

/** How many distinct users and items of the dyads had no profile row. */
export interface ProfileMisses {
  usersWithoutProfile: number;
  itemsWithoutProfile: number;
}

/** Row of `id` in a profile table (binary search over ascending ids), or -1. */
export function profileRow(table: ProfileTable | null, id: number): number {
  if (table === null) return -1;
  const ids = table.ids;
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = ids[mid]!;
    if (x === id) return mid;
    if (x < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Writes the 16 raw contextual values of each dyad row-major into out[i·16 ..] (out must be zeroed or
 * fresh); returns the number of distinct user and item ids without a profile row.
 */
export function contextFeatures(
  userIds: Int32Array,
  itemIds: Int32Array,
  users: ProfileTable | null,
  items: ProfileTable | null,
  out: Int32Array,
): ProfileMisses {
  const nUser = USER_PROFILE_FIELDS.length;
  const nItem = ITEM_PROFILE_FIELDS.length;
  invariant(users === null || users.fieldCount === nUser, `user profiles need ${nUser} fields, got ${users?.fieldCount}`);
  invariant(items === null || items.fieldCount === nItem, `item profiles need ${nItem} fields, got ${items?.fieldCount}`);
  const missingUsers = new Set<number>();
  const missingItems = new Set<number>();
  let lastUser = -1;
  let lastUserRow = -1;
  for (let i = 0; i < userIds.length; i++) {
    const userId = userIds[i]!;
    if (userId !== lastUser || i === 0) {
      lastUser = userId;
      lastUserRow = profileRow(users, userId);
      if (lastUserRow < 0) missingUsers.add(userId);
    }
    const base = i * CONTEXT_WIDTH;
    if (lastUserRow >= 0) {
      const src = lastUserRow * nUser;
      for (let j = 0; j < nUser; j++) out[base + j] = users!.values[src + j]!;
    } else {
      for (let j = 0; j < nUser; j++) out[base + j] = 0;
    }
    const itemRow = profileRow(items, itemIds[i]!);
    if (itemRow >= 0) {
      const src = itemRow * nItem;
      for (let j = 0; j < nItem; j++) out[base + nUser + j] = items!.values[src + j]!;
    } else {
      missingItems.add(itemIds[i]!);
      for (let j = 0; j < nItem; j++) out[base + nUser + j] = 0;
    }
  }
  return { usersWithoutProfile: missingUsers.size, itemsWithoutProfile: missingItems.size };
}
