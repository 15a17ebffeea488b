import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeadLetterMemory, readInteractionBatches } from '../../../src/adapters/recsys16/index.js';
import { drain, tempDir } from './helpers.js';

const HEADER = 'user_id\titem_id\tinteraction_type\tcreated_at';

async function readText(text: string, opts: { keepDeletes?: boolean; batchRows?: number } = {}) {
  const path = join(tempDir(), 'interactions.csv');
  writeFileSync(path, text);
  const dead = createDeadLetterMemory();
  const { items, result } = await drain(readInteractionBatches(path, { deadLetters: dead, ...opts }));
  const rows: number[][] = [];
  for (const b of items) {
    for (let i = 0; i < b.length; i++) rows.push([b.userIds[i]!, b.itemIds[i]!, b.types[i]!, b.createdAtS[i]!, b.lines[i]!]);
  }
  return { batches: items, rows, result, dead };
}

describe('readInteractionBatches', () => {
  it('drops deletes and counts them', async () => {
    const text = [HEADER, '1\t2\t1\t100', '1\t2\t4\t101', '3\t4\t4\t102', '3\t4\t2\t103', ''].join('\n');
    const { rows, result, dead } = await readText(text);
    expect(rows).toEqual([
      [1, 2, 1, 100, 2],
      [3, 4, 2, 103, 5],
    ]);
    expect(result).toEqual({ rows: 4, kept: 2, droppedDeletes: 2, badRows: 0 });
    expect(dead.count).toBe(0);
  });

  it('keeps deletes when asked to', async () => {
    const text = [HEADER, '1\t2\t1\t100', '1\t2\t4\t101', ''].join('\n');
    const { rows, result } = await readText(text, { keepDeletes: true });
    expect(rows).toEqual([
      [1, 2, 1, 100, 2],
      [1, 2, 4, 101, 3],
    ]);
    expect(result).toEqual({ rows: 2, kept: 2, droppedDeletes: 0, badRows: 0 });
  });

  it('reads \\r\\n endings, a missing final newline and a byte-order mark alike', async () => {
    const lf = await readText([HEADER, '1\t2\t1\t100', '5\t6\t3\t200'].join('\n') + '\n');
    const crlf = await readText('\uFEFF' + [HEADER, '1\t2\t1\t100', '5\t6\t3\t200'].join('\r\n'));
    expect(lf.rows).toEqual([
      [1, 2, 1, 100, 2],
      [5, 6, 3, 200, 3],
    ]);
    expect(crlf.rows).toEqual(lf.rows);
    expect(crlf.result).toEqual(lf.result);
  });

  it('ignores empty lines at the end of the file but reports one in the middle', async () => {
    const { rows, dead } = await readText([HEADER, '1\t2\t1\t100', '', '\r', '5\t6\t3\t200', '', '\r', ''].join('\n'));
    expect(rows.map((r) => r[4])).toEqual([2, 5]);
    expect(dead.rows.map((b) => [b.line, b.reason])).toEqual([
      [3, 'empty line'],
      [4, 'empty line'],
    ]);
  });

  it('reads a header-only file as no rows', async () => {
    const { batches, result } = await readText(HEADER + '\n');
    expect(batches).toEqual([]);
    expect(result).toEqual({ rows: 0, kept: 0, droppedDeletes: 0, badRows: 0 });
  });

  it('yields batches of batchRows rows in file order', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 10; i++) lines.push(`${i}\t${i + 100}\t1\t${1000 + i}`);
    const { batches, rows } = await readText(lines.join('\n'), { batchRows: 4 });
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(rows.map((r) => r[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batches[2]!.userIds.length).toBe(2);
  });

  it('reads lines that straddle its 1 MiB read chunks', async () => {
    // ~2.4 MB of rows: several chunk boundaries fall inside lines.
    const n = 100_000;
    const lines = [HEADER];
    for (let i = 0; i < n; i++) lines.push(`${i * 7}\t${i * 13}\t${(i % 3) + 1}\t${1440000000 + i}`);
    const { rows, result } = await readText(lines.join('\r\n'));
    expect(result).toEqual({ rows: n, kept: n, droppedDeletes: 0, badRows: 0 });
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (r[0] !== i * 7 || r[1] !== i * 13 || r[2] !== (i % 3) + 1 || r[3] !== 1440000000 + i || r[4] !== i + 2) {
        throw new Error(`row ${i} differs: ${r.join(',')}`);
      }
    }
  });

  it('accepts the largest valid values and decimal notations of integers', async () => {
    const { rows, dead } = await readText([HEADER, '2147483647\t0\t3\t4102444800', '1e2\t20.0\t1\t100', ''].join('\n'));
    expect(rows).toEqual([
      [2147483647, 0, 3, 4102444800, 2],
      [100, 20, 1, 100, 3],
    ]);
    expect(dead.count).toBe(0);
  });

  it('lets a consumer stop early and read the same file again', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 100; i++) lines.push(`${i}\t1\t1\t100`);
    const path = join(tempDir(), 'interactions.csv');
    writeFileSync(path, lines.join('\n'));
    const dead = createDeadLetterMemory();
    for await (const b of readInteractionBatches(path, { deadLetters: dead, batchRows: 10 })) {
      expect(b.userIds[0]).toBe(0);
      break;
    }
    const { result } = await drain(readInteractionBatches(path, { deadLetters: dead, batchRows: 10 }));
    expect(result.kept).toBe(100);
  });
});

describe('a line over the 64 MiB limit (issue 9 item 8)', () => {
  it('is a bad row with its first characters; the empty line before it and the rows after it are read', async () => {
    const long = '9'.repeat((64 << 20) + 5);
    const text = [HEADER, '1\t2\t1\t100', '', long, '3\t4\t2\t103', long, ''].join('\n');
    const { rows, result, dead } = await readText(text);
    expect(rows).toEqual([
      [1, 2, 1, 100, 2],
      [3, 4, 2, 103, 5],
    ]);
    expect(dead.rows.map((b) => [b.line, b.reason, b.raw.length])).toEqual([
      [3, 'empty line', 0],
      [4, 'line longer than 67108864 bytes (skipped)', 201],
      [6, 'line longer than 67108864 bytes (skipped)', 201],
    ]);
    expect(dead.rows[1]!.raw).toBe('9'.repeat(200) + '…');
    expect(result).toEqual({ rows: 5, kept: 2, droppedDeletes: 0, badRows: 3 });
  });
});
