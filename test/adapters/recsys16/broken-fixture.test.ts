import { describe, it, expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createDeadLetterMemory, readImpressionBatches, readInteractionBatches } from '../../../src/adapters/recsys16/index.js';
import { drain } from './helpers.js';

const dir = fileURLToPath(new URL('../../fixtures/recsys16/broken/', import.meta.url));
const interactionsPath = dir + 'interactions.csv';
const impressionsPath = dir + 'impressions.csv';

describe('broken fixture: interactions.csv', () => {
  it('sends exactly the broken rows to the dead letters, with line and reason, and keeps every good row', async () => {
    const dead = createDeadLetterMemory();
    const { items, result } = await drain(readInteractionBatches(interactionsPath, { deadLetters: dead }));
    expect(result).toEqual({ rows: 19, kept: 5, droppedDeletes: 1, badRows: 13 });
    expect(dead.count).toBe(13);
    expect(dead.rows.map((b) => [b.line, b.reason])).toEqual([
      [3, 'expected 4 tab-separated columns, found 3'],
      [5, 'expected 4 tab-separated columns, found 5'],
      [6, 'user_id is not a number: "abc"'],
      [7, 'item_id must be >= 0'],
      [9, 'user_id must be integer'],
      [10, 'unknown interaction_type'],
      [11, 'empty line'],
      [12, 'created_at must be >= 0'],
      [14, 'created_at must be <= 4102444800'],
      [15, 'user_id must be <= 2147483647'],
      [16, 'user_id is not a number: ""'],
      [17, 'expected 4 tab-separated columns, found 1'],
      [19, 'interaction_type is not a number: "click"'],
    ]);
    expect(dead.rows.every((b) => b.file === interactionsPath)).toBe(true);
    expect(dead.rows[0]!.raw).toBe('2\t20\t1');
    expect(dead.rows[6]!.raw).toBe('');
    expect(dead.rows[11]!.raw).toBe('12 140 1 1440001100');

    expect(items).toHaveLength(1);
    const b = items[0]!;
    expect(b.length).toBe(5);
    expect([...b.userIds]).toEqual([1, 3, 6, 13, 15]);
    expect([...b.itemIds]).toEqual([10, 30, 60, 150, 170]);
    expect([...b.types]).toEqual([1, 2, 3, 2, 1]);
    expect([...b.createdAtS]).toEqual([1440000000, 1440000100, 1440000500, 1440001200, 1440001400]);
    expect([...b.lines]).toEqual([2, 4, 8, 18, 20]);
  });
});

describe('broken fixture: impressions.csv', () => {
  it('sends exactly the broken rows to the dead letters, with line and reason, and keeps every good row', async () => {
    const dead = createDeadLetterMemory();
    const { items, result } = await drain(readImpressionBatches(impressionsPath, { deadLetters: dead }));
    expect(result).toEqual({ rows: 16, kept: 4, triples: 8, badRows: 12 });
    expect(dead.rows.map((b) => [b.line, b.reason])).toEqual([
      [3, 'items must NOT have fewer than 1 items'],
      [4, 'items.1 is not a number: "x"'],
      [5, 'week must be <= 53'],
      [6, 'week 53 does not exist in ISO year 2016'],
      [8, 'week must be >= 1'],
      [9, 'expected 4 tab-separated columns, found 3'],
      [10, 'items.2 is not a number: ""'],
      [11, 'items.1 must be >= 0'],
      [12, 'year is not a number: "twenty"'],
      [13, 'empty line'],
      [15, 'year must be >= 1970'],
      [16, 'items.0 must be integer'],
    ]);
    expect(dead.rows.every((b) => b.file === impressionsPath)).toBe(true);
    expect(dead.rows[1]!.raw).toBe('3\t2015\t36\t1,x,3');

    expect(items).toHaveLength(1);
    expect(items[0]!.records).toEqual([
      { user_id: 1, year: 2015, week: 34, items: [10, 20, 30] },
      { user_id: 6, year: 2015, week: 37, items: [7, 7, 8] },
      { user_id: 12, year: 2015, week: 53, items: [4] },
      { user_id: 15, year: 2015, week: 43, items: [99] },
    ]);
    expect(items[0]!.lines).toEqual([2, 7, 14, 17]);
  });
});
