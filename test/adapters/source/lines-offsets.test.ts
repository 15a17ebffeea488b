// The byte offsets scanLines reports and its start at a line offset: what file-source positions rest on.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTERACTION_COLUMNS, headerLine } from '../../../src/adapters/recsys16/format.js';
import { scanLines, type LineStart } from '../../../src/adapters/recsys16/lines.js';
import { tempDir } from './helpers.js';

async function lines(path: string, from?: LineStart): Promise<[number, number, string][]> {
  const out: [number, number, string][] = [];
  for await (const c of scanLines(path, INTERACTION_COLUMNS, from ? { from } : {})) {
    for (let i = 0; i < c.count; i++) out.push([c.lineNos[i]!, c.offsets[i]!, c.buf.toString('utf8', c.starts[i]!, c.ends[i]!)]);
  }
  return out;
}

describe('scanLines offsets', () => {
  const header = headerLine(INTERACTION_COLUMNS);
  const first = 3 + Buffer.byteLength(header) + 2; // byte-order mark, header, \r\n

  it('reports where each line starts, empty lines and \\r\\n endings included, and resumes at any of them', async () => {
    const path = join(tempDir(), 'interactions.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${header}\r\na\r\n\r\n\nb\nc`)]));
    const all = await lines(path);
    expect(all).toEqual([
      [2, first, 'a'],
      [3, first + 3, ''],
      [4, first + 5, ''],
      [5, first + 6, 'b'],
      [6, first + 8, 'c'],
    ]);
    for (let k = 0; k < all.length; k++) {
      expect(await lines(path, { offset: all[k]![1], line: all[k]![0] })).toEqual(all.slice(k));
    }
    expect(await lines(path, { offset: first + 9, line: 7 })).toEqual([]);
  });

  it('still checks the header when it starts further on', async () => {
    const path = join(tempDir(), 'interactions.csv');
    writeFileSync(path, `user\titem\n1\t2\t1\t3\n`);
    await expect(lines(path, { offset: 10, line: 2 })).rejects.toThrow(/found header "user\\titem", expected the header/);
  });

  it('keeps offsets right across chunks, and empty lines pending across a chunk boundary', async () => {
    const path = join(tempDir(), 'interactions.csv');
    // Lines of ~100 bytes and runs of empty lines, over several 1 MiB chunks.
    const parts: string[] = [header + '\n'];
    for (let i = 0; i < 40000; i++) parts.push(i % 997 === 0 ? '\n\n\n' : `${'x'.repeat(90)}${i}\n`);
    writeFileSync(path, parts.join(''));
    const text = parts.join('');
    const all = await lines(path);
    let expectedOffset = Buffer.byteLength(header) + 1;
    for (const [line, offset, content] of all) {
      expect([line, offset]).toEqual([line, expectedOffset]);
      expect(text.slice(offset, offset + content.length)).toBe(content);
      expectedOffset += content.length + 1;
    }
    const k = all.findIndex(([line, , content]) => line > 20000 && content === '');
    expect(k).toBeGreaterThan(0);
    expect(await lines(path, { offset: all[k]![1], line: all[k]![0] })).toEqual(all.slice(k));
  });
});
