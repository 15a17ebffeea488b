import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import type { ImpressionRecord, InteractionRecord } from '../../../src/core/events/records.js';
import { encodeCountry } from '../../../src/core/events/records.js';
import {
  createDeadLetterMemory,
  createImpressionWriter,
  createInteractionWriter,
  createItemWriter,
  createUserWriter,
  readImpressionBatches,
  readInteractionBatches,
  readProfiles,
  type ItemProfileRow,
  type RecsysWriter,
  type UserProfileRow,
} from '../../../src/adapters/recsys16/index.js';
import { drain, tempDir } from './helpers.js';

async function writeAll<T>(w: RecsysWriter<T>, rows: T[]): Promise<void> {
  for (const r of rows) {
    const p = w.write(r);
    if (p) await p;
  }
  await w.close();
}

const id = fc.integer({ min: 0, max: 2147483647 });
const interaction: fc.Arbitrary<InteractionRecord> = fc.record({
  user_id: id,
  item_id: id,
  interaction_type: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
  created_at: fc.integer({ min: 0, max: 4102444800 }),
});
// Years 2015/2016 with weeks 1..52 always exist; 53 exists in 2015 only.
const impression: fc.Arbitrary<ImpressionRecord> = fc.record({
  user_id: id,
  year: fc.constantFrom(2015, 2016),
  week: fc.integer({ min: 1, max: 52 }),
  items: fc.array(id, { minLength: 1, maxLength: 400 }),
});
const country = fc.constantFrom('de', 'at', 'ch', 'non_dach', '', 'NULL', 'xx');
const small = fc.integer({ min: 0, max: 100000 });
const idList = fc.array(fc.integer({ min: 0, max: 99999 }), { maxLength: 5 }).map((a) => a.join(','));

describe('round trip: writers then readers', () => {
  it('interactions come back identical, deletes included when kept', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(interaction, { maxLength: 200 }), async (records) => {
        const path = join(tempDir(), 'interactions.csv');
        await writeAll(createInteractionWriter(path), records);
        const dead = createDeadLetterMemory();
        const { items, result } = await drain(readInteractionBatches(path, { deadLetters: dead, keepDeletes: true, batchRows: 64 }));
        const back: InteractionRecord[] = [];
        for (const b of items) {
          for (let i = 0; i < b.length; i++) {
            back.push({
              user_id: b.userIds[i]!,
              item_id: b.itemIds[i]!,
              interaction_type: b.types[i]! as InteractionRecord['interaction_type'],
              created_at: b.createdAtS[i]!,
            });
          }
        }
        expect(dead.count).toBe(0);
        expect(back).toEqual(records);
        expect(result.kept).toBe(records.length);
      }),
      { numRuns: 25 },
    );
  });

  it('impressions come back identical', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(impression, { maxLength: 40 }), async (records) => {
        const path = join(tempDir(), 'impressions.csv');
        await writeAll(createImpressionWriter(path), records);
        const dead = createDeadLetterMemory();
        const { items } = await drain(readImpressionBatches(path, { deadLetters: dead, batchRows: 7 }));
        expect(dead.count).toBe(0);
        expect(items.flatMap((b) => b.records)).toEqual(records);
      }),
      { numRuns: 25 },
    );
  });

  it('users and items come back as their contextual fields, sorted by id', async () => {
    const user: fc.Arbitrary<UserProfileRow> = fc.record({
      id, jobroles: idList, career_level: small, discipline_id: small, industry_id: small, country, region: small,
      experience_n_entries_class: small, experience_years_experience: small, experience_years_in_current: small,
      edu_degree: small, edu_fieldofstudies: idList,
    });
    const item: fc.Arbitrary<ItemProfileRow> = fc.record({
      id, title: idList, career_level: small, discipline_id: small, industry_id: small, country, region: small,
      latitude: fc.option(fc.double({ min: -90, max: 90, noNaN: true })),
      longitude: fc.option(fc.double({ min: -180, max: 180, noNaN: true })),
      employment: small, tags: idList, created_at: fc.integer({ min: 0, max: 4102444800 }), active_during_test: fc.constantFrom(0, 1),
    });
    const uniqueById = <T extends { id: number }>(a: fc.Arbitrary<T>) => fc.uniqueArray(a, { selector: (r) => r.id, maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(uniqueById(user), uniqueById(item), async (users, items) => {
        const dir = tempDir();
        await writeAll(createUserWriter(join(dir, 'users.csv')), users);
        await writeAll(createItemWriter(join(dir, 'items.csv')), items);
        const dead = createDeadLetterMemory();
        const u = await readProfiles(join(dir, 'users.csv'), 'users', { deadLetters: dead });
        const i = await readProfiles(join(dir, 'items.csv'), 'items', { deadLetters: dead });
        expect(dead.count).toBe(0);
        const c = (s: string) => encodeCountry(s);
        const us = [...users].sort((a, b) => a.id - b.id);
        expect([...u.ids]).toEqual(us.map((r) => r.id));
        expect([...u.values]).toEqual(
          us.flatMap((r) => [
            r.career_level, r.discipline_id, r.industry_id, c(r.country), r.region, r.experience_n_entries_class,
            r.experience_years_experience, r.experience_years_in_current, r.edu_degree,
          ]),
        );
        const is = [...items].sort((a, b) => a.id - b.id);
        expect([...i.ids]).toEqual(is.map((r) => r.id));
        expect([...i.values]).toEqual(
          is.flatMap((r) => [r.career_level, r.discipline_id, r.industry_id, c(r.country), r.region, r.employment, r.active_during_test]),
        );
      }),
      { numRuns: 20 },
    );
  });
});
