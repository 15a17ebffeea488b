import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeadLetterMemory, readProfiles, USER_COLUMNS, ITEM_COLUMNS } from '../../../src/adapters/recsys16/index.js';
import { tempDir } from './helpers.js';

function file(name: string, lines: string[][]): string {
  const path = join(tempDir(), name);
  writeFileSync(path, lines.map((l) => l.join('\t')).join('\n') + '\n');
  return path;
}

describe('readProfiles', () => {
  it('users.csv: NULL and empty fields are 0, country is encoded, ids come out ascending', async () => {
    const path = file('users.csv', [
      [...USER_COLUMNS],
      ['20', '1,2', '3', '4', '5', 'de', '6', '1', '2', '3', '1', '7,8'],
      ['10', 'NULL', 'NULL', '', 'NULL', 'NULL', '', 'NULL', '', 'NULL', '', 'NULL'],
      ['15', '', '1', '2', '3', 'non_dach', '0', '3', '7', '7', '3', ''],
      ['16', '0', '2', '2', '2', 'at', '0', '0', '1', '1', '2', '0'],
      ['17', '0', '2', '2', '2', 'ch', '0', '0', '1', '1', '2', '0'],
      ['18', '0', '2', '2', '2', 'fr', '0', '0', '1', '1', '2', '0'],
    ]);
    const dead = createDeadLetterMemory();
    const t = await readProfiles(path, 'users', { deadLetters: dead });
    expect(dead.count).toBe(0);
    expect(t.fieldCount).toBe(9);
    expect([...t.ids]).toEqual([10, 15, 16, 17, 18, 20]);
    // career_level, discipline_id, industry_id, country, region, n_entries_class, years_experience, years_in_current, edu_degree
    expect([...t.values]).toEqual([
      ...[0, 0, 0, 0, 0, 0, 0, 0, 0],
      ...[1, 2, 3, 4, 0, 3, 7, 7, 3],
      ...[2, 2, 2, 2, 0, 0, 1, 1, 2],
      ...[2, 2, 2, 3, 0, 0, 1, 1, 2],
      ...[2, 2, 2, 0, 0, 0, 1, 1, 2],
      ...[3, 4, 5, 1, 6, 1, 2, 3, 1],
    ]);
  });

  it('items.csv: the seven contextual fields, NULL → 0', async () => {
    const path = file('items.csv', [
      [...ITEM_COLUMNS],
      ['7', '1,2', '3', '4', '5', 'de', '9', '50.9', '6.9', '1', '10,11', '1440000000', '1'],
      ['3', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL', 'NULL'],
      ['5', '', '', '', '', '', '', '', '', '', '', '', ''],
    ]);
    const dead = createDeadLetterMemory();
    const t = await readProfiles(path, 'items', { deadLetters: dead });
    expect(dead.count).toBe(0);
    expect(t.fieldCount).toBe(7);
    expect([...t.ids]).toEqual([3, 5, 7]);
    // career_level, discipline_id, industry_id, country, region, employment, active_during_test
    expect([...t.values]).toEqual([...[0, 0, 0, 0, 0, 0, 0], ...[0, 0, 0, 0, 0, 0, 0], ...[3, 4, 5, 1, 9, 1, 1]]);
  });

  it('bad profile rows go to the dead letters: column count, id, a non-numeric field, a repeated id', async () => {
    const good = ['0', '2', '2', '2', 'de', '1', '0', '1', '1', '2', '0'];
    const path = file('users.csv', [
      [...USER_COLUMNS],
      ['1', ...good],
      ['2', '0', '2'],
      ['x', ...good],
      ['-3', ...good],
      ['4', '0', 'senior', '2', '2', 'de', '1', '0', '1', '1', '2', '0'],
      ['1', ...good],
      ['5', ...good],
    ]);
    const dead = createDeadLetterMemory();
    const t = await readProfiles(path, 'users', { deadLetters: dead });
    expect([...t.ids]).toEqual([1, 5]);
    expect(dead.rows.map((b) => [b.line, b.reason])).toEqual([
      [3, 'expected 12 tab-separated columns, found 3'],
      [4, 'id is not a number: "x"'],
      [5, 'id must be an integer in 0..2147483647'],
      [6, 'career_level is not a number: "senior"'],
      [7, 'duplicate id 1 (first on line 2)'],
    ]);
  });
});

describe('readProfiles duplicates (issue 9 item 8)', () => {
  it('a repeated id is dead-lettered with its own raw line, in line order, the first row kept', async () => {
    const row = (id: string, title: string): string[] => [id, title, '1', '2', '3', 'de', '4', 'NULL', 'NULL', '5', 'x', '9', '1'];
    const path = file('items.csv', [[...ITEM_COLUMNS], row('7', 'first'), row('3', 'a'), row('7', 'second'), row('3', 'b'), row('7', 'third')]);
    const dead = createDeadLetterMemory();
    const t = await readProfiles(path, 'items', { deadLetters: dead });
    expect([...t.ids]).toEqual([3, 7]);
    expect(dead.rows.map((b) => [b.line, b.reason, b.raw])).toEqual([
      [4, 'duplicate id 7 (first on line 2)', row('7', 'second').join('\t')],
      [5, 'duplicate id 3 (first on line 3)', row('3', 'b').join('\t')],
      [6, 'duplicate id 7 (first on line 2)', row('7', 'third').join('\t')],
    ]);
  });
});
