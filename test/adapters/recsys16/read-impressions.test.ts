import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeadLetterMemory, readImpressionBatches } from '../../../src/adapters/recsys16/index.js';
import { drain, tempDir } from './helpers.js';

const HEADER = 'user_id\tyear\tweek\titems';

async function readText(text: string, batchRows?: number) {
  const path = join(tempDir(), 'impressions.csv');
  writeFileSync(path, text);
  const dead = createDeadLetterMemory();
  const { items, result } = await drain(readImpressionBatches(path, { deadLetters: dead, batchRows }));
  return { batches: items, records: items.flatMap((b) => b.records), lines: items.flatMap((b) => b.lines), result, dead };
}

describe('readImpressionBatches', () => {
  it('reads a line with hundreds of ids, in order, repeats kept', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 700; i++) ids.push((i * 7919) % 1_400_000);
    ids.push(ids[3]!, 0, 2147483647);
    const text = `${HEADER}\n42\t2015\t45\t${ids.join(',')}\n7\t2015\t46\t5\n`;
    const { records, lines, result, dead } = await readText(text);
    expect(dead.count).toBe(0);
    expect(records).toEqual([
      { user_id: 42, year: 2015, week: 45, items: ids },
      { user_id: 7, year: 2015, week: 46, items: [5] },
    ]);
    expect(lines).toEqual([2, 3]);
    expect(result).toEqual({ rows: 2, kept: 2, triples: 704, badRows: 0 });
  });

  it('reads a line longer than its read buffer', async () => {
    // 300k ids ≈ 2.3 MB on one line: the buffer has to grow.
    const ids = Array.from({ length: 300_000 }, (_, i) => 1_000_000 + i);
    const text = `${HEADER}\r\n1\t2015\t40\t${ids.join(',')}\r\n2\t2015\t41\t9`;
    const { records, result } = await readText(text);
    expect(records).toHaveLength(2);
    expect(records[0]!.items).toEqual(ids);
    expect(records[1]).toEqual({ user_id: 2, year: 2015, week: 41, items: [9] });
    expect(result.triples).toBe(300_001);
  });

  it('reports a bad item in a long line by its position and keeps reading', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => String(i));
    ids[250] = '12a';
    const text = `${HEADER}\n1\t2015\t40\t${ids.join(',')}\n2\t2015\t41\t9\n`;
    const { records, dead } = await readText(text);
    expect(dead.rows.map((b) => [b.line, b.reason])).toEqual([[2, 'items.250 is not a number: "12a"']]);
    expect(records).toEqual([{ user_id: 2, year: 2015, week: 41, items: [9] }]);
  });

  it('yields batches of batchRows records', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 5; i++) lines.push(`${i}\t2015\t${34 + i}\t${i},${i + 1}`);
    const { batches, lines: lineNos } = await readText(lines.join('\n'), 2);
    expect(batches.map((b) => b.records.length)).toEqual([2, 2, 1]);
    expect(lineNos).toEqual([2, 3, 4, 5, 6]);
  });
});
