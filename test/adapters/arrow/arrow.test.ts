import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dictionary, Int8, Int32, Float64, RecordBatch, Struct, Table, Utf8, makeData, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ARROW_BATCH_ROWS,
  decodeFeatureTableArrow,
  encodeFeatureTableArrow,
  featureArrowSchema,
  openFeatureTableArrowWriter,
  readFeatureTableArrow,
  writeFeatureTableArrow,
} from '../../../src/adapters/arrow/index.js';
import { featureColumnLayout, featureColumns, numericValue } from '../../../src/adapters/snapshot/columns.js';
import { WTL_WIDTH, type FeatureTable } from '../../../src/core/features/feature-table.js';
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

  it('writes a multi-batch file of fixed-size batches that reads back exactly, -0 included', async () => {
    const table = randomFeatureTable(250, 24);
    table.wtl[200 * WTL_WIDTH + 4] = -0;
    const path = join(dir, 'multi.arrow');
    const digest = await writeFeatureTableArrow(path, table, 'std', { batchRows: 64 });
    const bytes = await readFile(path);
    expect(digest).toEqual(digestBytes(bytes));
    expect(tableFromIPC(bytes).batches.map((b) => b.numRows)).toEqual([64, 64, 64, 58]);
    const back = readFeatureTableArrow(path);
    expect(tableAsArrays(back)).toEqual(tableAsArrays(table));
    expect(Object.is(back.wtl[200 * WTL_WIDTH + 4], -0)).toBe(true);
  });

  it('equals apache-arrow’s own whole-table IPC file of the same batches, byte for byte', () => {
    for (const [length, batchRows] of [
      [250, 64],
      [64, 64],
      [1, 64],
      [0, 64],
      [300, DEFAULT_ARROW_BATCH_ROWS],
    ] as const) {
      const table = randomFeatureTable(length, 25 + length);
      const ours = encodeFeatureTableArrow(table, 'var', { batchRows });
      const reference = tableToIPC(referenceTable(table, batchRows), 'file');
      expect(Buffer.compare(Buffer.from(ours), Buffer.from(reference)), `${length} rows`).toBe(0);
    }
  });

  it('gives the same bytes however the rows are cut into appends, and the file writer equals the encoder (property)', async () => {
    const table = randomFeatureTable(90, 26);
    const expected = Buffer.from(encodeFeatureTableArrow(table, 'std', { batchRows: 20 }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 8 }), async (cuts) => {
        const bounds = [0, ...cuts.sort((x, y) => x - y), 90];
        const path = join(dir, 'cuts.arrow');
        const writer = await openFeatureTableArrowWriter(path, 'std', { batchRows: 20 });
        for (let i = 1; i < bounds.length; i++) await writer.append(table, bounds[i - 1], bounds[i]);
        const digest = await writer.commit();
        expect(Buffer.compare(await readFile(path), expected)).toBe(0);
        expect(digest).toEqual(digestBytes(expected));
      }),
      { numRuns: 20 },
    );
  });

  it('writes the same bytes to the file as in memory when column buffers are larger than the write staging (≥ 256 KiB)', async () => {
    // 40,000 rows: each Float64 column of a batch is 320,000 bytes, written around the staging buffer.
    const table = randomFeatureTable(40_000, 28);
    const path = join(dir, 'large.arrow');
    const digest = await writeFeatureTableArrow(path, table, 'std', { batchRows: 35_000 });
    const expected = encodeFeatureTableArrow(table, 'std', { batchRows: 35_000 });
    expect(Buffer.compare(await readFile(path), Buffer.from(expected))).toBe(0);
    expect(digest).toEqual(digestBytes(expected));
    expect(tableAsArrays(readFeatureTableArrow(path))).toEqual(tableAsArrays(table));
  });

  it('a bad split code in a later batch removes the .tmp and leaves the previous file as it was', async () => {
    const path = join(dir, 'bad.arrow');
    await writeFile(path, 'previous snapshot');
    const table = randomFeatureTable(100, 27);
    table.split[77] = 2;
    await expect(writeFeatureTableArrow(path, table, 'std', { batchRows: 16 })).rejects.toThrow(/split code 2 at row 77/);
    expect(await readFile(path, 'utf8')).toBe('previous snapshot');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports a full disk while writing as one retriable DF_ERR_WRITE naming the file, and removes the .tmp', async () => {
    const sub = join(dir, 'full');
    await mkdir(sub);
    const path = join(sub, 'features.arrow');
    // The .tmp is a link to /dev/full: opening works, every write fails with ENOSPC.
    await symlink('/dev/full', `${path}.tmp`);
    await expect(writeFeatureTableArrow(path, randomFeatureTable(50, 3), 'std', { batchRows: 16 })).rejects.toMatchObject({
      code: 'DF_ERR_WRITE',
      retriable: true,
      message: expect.stringMatching(/full\/features\.arrow: cannot write \(.*ENOSPC/),
    });
    expect(await readdir(sub)).toEqual([]);
  });
});

/**
 * The reference: the table's batches built column by column from plain arrays with apache-arrow's public API (one
 * shared dictionary), for the library's own tableToIPC.
 */
function referenceTable(table: FeatureTable, batchRows: number): Table {
  const schema = featureArrowSchema('var');
  const layout = featureColumnLayout('var');
  const dictionary = vectorFromArray(['train', 'test'], new Utf8());
  const batches: RecordBatch[] = [];
  for (let start = 0; start === 0 || start < table.length; start += batchRows) {
    const end = Math.min(table.length, start + batchRows);
    const rows = Array.from({ length: end - start }, (_, i) => start + i);
    const children = layout.map((c) => {
      if (c.type === 'utf8') {
        const indices = Int8Array.from(rows, (r) => table.split[r]!);
        return makeData({ type: new Dictionary(new Utf8(), new Int8(), 0, false), length: rows.length, nullCount: 0, data: indices, dictionary });
      }
      const values = rows.map((r) => numericValue(table, c.source, r));
      return c.type === 'double'
        ? makeData({ type: new Float64(), length: rows.length, nullCount: 0, data: Float64Array.from(values) })
        : makeData({ type: new Int32(), length: rows.length, nullCount: 0, data: Int32Array.from(values) });
    });
    batches.push(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children })));
  }
  return new Table(schema, batches);
}
