import { describe, it, expect } from 'vitest';
import { copyFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createDeadLetterMemory, loadDataset } from '../../../src/adapters/recsys16/index.js';
import { tempDir } from './helpers.js';

const broken = fileURLToPath(new URL('../../fixtures/recsys16/broken/', import.meta.url));

describe('loadDataset', () => {
  it('reads the four files into tables; deletes and bad rows are counted', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'interactions.csv'),
      'user_id\titem_id\tinteraction_type\tcreated_at\n1\t10\t1\t1440000000\n1\t10\t4\t1440000001\n2\t11\t3\t1440000002\n',
    );
    writeFileSync(join(dir, 'impressions.csv'), 'user_id\tyear\tweek\titems\n1\t2015\t34\t10,12\n2\t2015\t35\t11\nbad\n');
    writeFileSync(
      join(dir, 'users.csv'),
      'id\tjobroles\tcareer_level\tdiscipline_id\tindustry_id\tcountry\tregion\texperience_n_entries_class\t' +
        'experience_years_experience\texperience_years_in_current\tedu_degree\tedu_fieldofstudies\n' +
        '2\t0\t3\t4\t5\tch\t0\t1\t2\t3\tNULL\t0\n',
    );
    writeFileSync(
      join(dir, 'items.csv'),
      'id\ttitle\tcareer_level\tdiscipline_id\tindustry_id\tcountry\tregion\tlatitude\tlongitude\temployment\ttags\t' +
        'created_at\tactive_during_test\n11\t1\t2\t3\t4\tde\t5\tNULL\tNULL\t1\t\t1440000000\t1\n',
    );
    const warnings: string[] = [];
    const ds = await loadDataset(dir, { deadLetters: createDeadLetterMemory(), warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(ds.interactions.length).toBe(2);
    expect([...ds.interactions.userIds]).toEqual([1, 2]);
    expect([...ds.interactions.itemIds]).toEqual([10, 11]);
    expect([...ds.interactions.types]).toEqual([1, 3]);
    expect([...ds.interactions.createdAtS]).toEqual([1440000000, 1440000002]);
    expect([...ds.impressions.userIds]).toEqual([1, 1, 2]);
    expect([...ds.impressions.itemIds]).toEqual([10, 12, 11]);
    expect([...ds.impressions.yearWeeks]).toEqual([201534, 201534, 201535]);
    expect(ds.users).toEqual({ fieldCount: 9, ids: Int32Array.from([2]), values: Int32Array.from([3, 4, 5, 3, 0, 1, 2, 3, 0]) });
    expect(ds.items).toEqual({ fieldCount: 7, ids: Int32Array.from([11]), values: Int32Array.from([2, 3, 4, 1, 5, 1, 1]) });
    expect(ds.droppedDeletes).toBe(1);
    expect(ds.badRows).toBe(1);
  });

  it('missing profile files give a warning each and null profiles; bad rows of both files are counted', async () => {
    const dir = tempDir();
    copyFileSync(join(broken, 'interactions.csv'), join(dir, 'interactions.csv'));
    copyFileSync(join(broken, 'impressions.csv'), join(dir, 'impressions.csv'));
    const warnings: string[] = [];
    const dead = createDeadLetterMemory();
    const ds = await loadDataset(dir, { deadLetters: dead, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      `${join(dir, 'users.csv')}: no such file; user context features will be 0`,
      `${join(dir, 'items.csv')}: no such file; item context features will be 0`,
    ]);
    expect(ds.users).toBeNull();
    expect(ds.items).toBeNull();
    expect(ds.interactions.length).toBe(5);
    expect(ds.impressions.length).toBe(8);
    expect(ds.droppedDeletes).toBe(1);
    expect(ds.badRows).toBe(25);
    expect(dead.count).toBe(25);
  });
});
