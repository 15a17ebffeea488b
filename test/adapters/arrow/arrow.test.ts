import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeFeatureTableArrow,
  encodeFeatureTableArrow,
  readFeatureTableArrow,
  writeFeatureTableArrow,
} from '../../../src/adapters/arrow/index.js';
import { featureColumns } from '../../../src/adapters/snapshot/columns.js';
import { digestBytes } from '../../../src/adapters/fs/atomic-file.js';
import { randomFeatureTable, tableAsArrays } from '../snapshot/random-table.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dyadflow-arrow-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('features.arrow', () => {
  it('round-trips a table exactly, -0 and extreme ids included', async () => {
    const table = randomFeatureTable(500, 21);
    table.wtl[5] = -0;
    table.userIds[499] = 2147483647;
    const path = join(dir, 'a.arrow');
    const digest = await writeFeatureTableArrow(path, table, 'std');
    const bytes = await readFile(path);
    expect(digest).toEqual(digestBytes(bytes));
    const back = readFeatureTableArrow(path);
    expect(tableAsArrays(back)).toEqual(tableAsArrays(table));
    expect(Object.is(back.wtl[5], -0)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('is an IPC file with the schema columns in order, non-nullable, split as a dictionary column', () => {
    const table = randomFeatureTable(20, 22);
    const bytes = encodeFeatureTableArrow(table, 'var');
    // The IPC file format starts and ends with the ARROW1 magic.
    expect(Buffer.from(bytes.subarray(0, 6)).toString()).toBe('ARROW1');
    expect(Buffer.from(bytes.subarray(bytes.length - 6)).toString()).toBe('ARROW1');
    const t = tableFromIPC(bytes);
    expect(t.schema.fields.map((f) => f.name)).toEqual(featureColumns('var').map((c) => c.name));
    expect(t.schema.fields.every((f) => !f.nullable)).toBe(true);
    const type = (name: string) => t.schema.fields.find((f) => f.name === name)!.type;
    expect(String(type('user_id'))).toBe('Int32');
    expect(String(type('win_var'))).toBe('Float64');
    expect(String(type('item_active_during_test'))).toBe('Int32');
    expect(String(type('reply'))).toBe('Int32');
    expect(String(type('split'))).toBe('Dictionary<Int8, Utf8>');
    expect(t.schema.metadata.get('dyadflow.columns')).toBe('schemas/dyad-features.schema.json');
    expect(t.getChild('split')!.toArray().slice(0, 5)).toEqual(Array.from(table.split.slice(0, 5), (c) => (c ? 'test' : 'train')));
    expect(Array.from(t.getChild('win_var')!.toArray() as Float64Array)).toEqual(
      Array.from({ length: 20 }, (_, i) => table.wtl[i * 15 + 1]),
    );
    expect(decodeFeatureTableArrow(bytes).spread).toBe('var');
  });

  it('gives the same bytes for the same table', () => {
    const a = encodeFeatureTableArrow(randomFeatureTable(300, 23), 'std');
    const b = encodeFeatureTableArrow(randomFeatureTable(300, 23), 'std');
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
  });

  it('writes and reads an empty table', () => {
    const back = decodeFeatureTableArrow(encodeFeatureTableArrow(randomFeatureTable(0, 1), 'std'));
    expect(back.table.length).toBe(0);
  });

  it('refuses files that are not feature snapshots with an input error naming the file', async () => {
    const path = join(dir, 'junk.arrow');
    await writeFile(path, 'not arrow at all');
    expect(() => readFeatureTableArrow(path)).toThrow(/junk\.arrow: not an Arrow IPC file/);
    expect(() => readFeatureTableArrow(join(dir, 'none.arrow'))).toThrow(/none\.arrow: cannot read/);
  });
});
