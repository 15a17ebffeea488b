import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createImpressionWriter,
  createInteractionWriter,
  createItemWriter,
  createUserWriter,
  type RecsysWriter,
} from '../../../src/adapters/recsys16/index.js';
import { tempDir } from './helpers.js';

async function writeAll<T>(w: RecsysWriter<T>, rows: T[]): Promise<void> {
  for (const r of rows) {
    const p = w.write(r);
    if (p) await p;
  }
  await w.close();
}

describe('writers', () => {
  it('interactions: header, tabs, plain integers, \\n endings, renamed from .tmp on close', async () => {
    const path = join(tempDir(), 'interactions.csv');
    const w = createInteractionWriter(path);
    w.write({ user_id: 0, item_id: 2147483647, interaction_type: 1, created_at: 4102444800 });
    expect(existsSync(path)).toBe(false);
    await writeAll(w, [{ user_id: 10, item_id: 5, interaction_type: 4, created_at: 1440000000 }]);
    expect(existsSync(path + '.tmp')).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(
      'user_id\titem_id\tinteraction_type\tcreated_at\n0\t2147483647\t1\t4102444800\n10\t5\t4\t1440000000\n',
    );
  });

  it('impressions: items comma-separated in order', async () => {
    const path = join(tempDir(), 'impressions.csv');
    await writeAll(createImpressionWriter(path), [
      { user_id: 3, year: 2015, week: 34, items: [9, 1, 9] },
      { user_id: 4, year: 2015, week: 53, items: [100] },
    ]);
    expect(readFileSync(path, 'utf8')).toBe('user_id\tyear\tweek\titems\n3\t2015\t34\t9,1,9\n4\t2015\t53\t100\n');
  });

  it('users and items: every column, coordinates without exponent, null as NULL', async () => {
    const dir = tempDir();
    await writeAll(createUserWriter(join(dir, 'users.csv')), [
      {
        id: 1, jobroles: '4,5', career_level: 3, discipline_id: 8, industry_id: 9, country: 'de', region: 2,
        experience_n_entries_class: 1, experience_years_experience: 4, experience_years_in_current: 2, edu_degree: 1,
        edu_fieldofstudies: '0',
      },
    ]);
    expect(readFileSync(join(dir, 'users.csv'), 'utf8')).toBe(
      'id\tjobroles\tcareer_level\tdiscipline_id\tindustry_id\tcountry\tregion\texperience_n_entries_class\t' +
        'experience_years_experience\texperience_years_in_current\tedu_degree\tedu_fieldofstudies\n' +
        '1\t4,5\t3\t8\t9\tde\t2\t1\t4\t2\t1\t0\n',
    );
    await writeAll(createItemWriter(join(dir, 'items.csv')), [
      {
        id: 2, title: '1,2', career_level: 0, discipline_id: 1, industry_id: 2, country: 'non_dach', region: 0,
        latitude: 50.9, longitude: 1e-7, employment: 1, tags: '', created_at: 1440000000, active_during_test: 1,
      },
      {
        id: 3, title: '', career_level: 0, discipline_id: 0, industry_id: 0, country: '', region: 0,
        latitude: null, longitude: -0.5, employment: 0, tags: '7', created_at: 0, active_during_test: 0,
      },
    ]);
    expect(readFileSync(join(dir, 'items.csv'), 'utf8')).toBe(
      'id\ttitle\tcareer_level\tdiscipline_id\tindustry_id\tcountry\tregion\tlatitude\tlongitude\temployment\ttags\t' +
        'created_at\tactive_during_test\n' +
        '2\t1,2\t0\t1\t2\tnon_dach\t0\t50.9\t0.0000001\t1\t\t1440000000\t1\n' +
        '3\t\t0\t0\t0\t\t0\tNULL\t-0.5\t0\t7\t0\t0\n',
    );
  });

  it('refuses non-integer numbers and strings holding tabs', async () => {
    const dir = tempDir();
    const w = createInteractionWriter(join(dir, 'interactions.csv'));
    expect(() => w.write({ user_id: 1.5, item_id: 1, interaction_type: 1, created_at: 1 })).toThrow(/user_id must be a safe integer/);
    const u = createUserWriter(join(dir, 'users.csv'));
    expect(() =>
      u.write({
        id: 1, jobroles: 'a\tb', career_level: 0, discipline_id: 0, industry_id: 0, country: 'de', region: 0,
        experience_n_entries_class: 0, experience_years_experience: 0, experience_years_in_current: 0, edu_degree: 0,
        edu_fieldofstudies: '',
      }),
    ).toThrow(/jobroles must not contain tabs/);
    // A refused row leaves the writer open: the caller aborts it (left open, its file handles close only on GC).
    await w.abort();
    await u.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes many megabytes through its chunks byte for byte', async () => {
    const path = join(tempDir(), 'impressions.csv');
    const w = createImpressionWriter(path);
    const expected: string[] = ['user_id\tyear\tweek\titems'];
    for (let u = 0; u < 3000; u++) {
      const items = Array.from({ length: 300 }, (_, k) => u * 1000 + k);
      expected.push(`${u}\t2015\t40\t${items.join(',')}`);
      const p = w.write({ user_id: u, year: 2015, week: 40, items });
      if (p) await p;
    }
    await w.close();
    expect(readFileSync(path, 'utf8')).toBe(expected.join('\n') + '\n');
  });

  it('reports a file it cannot create from close()', async () => {
    const path = join(tempDir(), 'no-such-dir', 'interactions.csv');
    const w = createInteractionWriter(path);
    // The one atomic write's error: a DyadflowError naming the file, with the OS error as its cause.
    await expect(w.close()).rejects.toMatchObject({ code: 'DF_ERR_WRITE', message: expect.stringMatching(/interactions\.csv: cannot write \(ENOENT/), cause: { code: 'ENOENT' } });
    expect(existsSync(path)).toBe(false);
  });

  it('abort drops the file being written and leaves an earlier one as it was (issue 9 item 6)', async () => {
    const dir = tempDir();
    const path = join(dir, 'interactions.csv');
    writeFileSync(path, 'earlier\n');
    const w = createInteractionWriter(path);
    for (let i = 0; i < 200_000; i++) {
      const p = w.write({ user_id: i, item_id: i, interaction_type: 1, created_at: 1440000000 });
      if (p) await p;
    }
    expect(existsSync(path + '.tmp')).toBe(true);
    await w.abort();
    expect(readdirSync(dir)).toEqual(['interactions.csv']);
    expect(readFileSync(path, 'utf8')).toBe('earlier\n');
  });
});
