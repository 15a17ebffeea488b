import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import parquet from 'parquetjs-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readFeatureTableParquet,
  writeFeatureTableParquet,
  writeFeatureTableParquetRows,
  type ParquetWriteOptions,
} from '../../../src/adapters/parquet/index.js';
import { digestBytes } from '../../../src/adapters/fs/atomic-file.js';
import { featureColumns } from '../../../src/adapters/snapshot/columns.js';
import { randomFeatureTable, tableAsArrays } from '../snapshot/random-table.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dyadflow-parquet-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileNo = 0;
const nextPath = (): string => join(dir, `f${fileNo++}.parquet`);

async function bothWriters(length: number, seed: number, opts: ParquetWriteOptions) {
  const table = randomFeatureTable(length, seed);
  const a = nextPath();
  const b = nextPath();
  const da = await writeFeatureTableParquet(a, table, 'std', opts);
  const db = await writeFeatureTableParquetRows(b, table, 'std', opts);
  return { table, a, b, da, db, bytesA: await readFile(a), bytesB: await readFile(b) };
}

describe('writeFeatureTableParquet (columnar path)', () => {
  it.each<[string, number, ParquetWriteOptions]>([
    ['defaults, one partial group', 50, {}],
    ['groups of 16, last group of 2', 50, { rowGroupRows: 16 }],
    ['groups of 16, last group of 1', 33, { rowGroupRows: 16 }],
    ['groups of 1', 5, { rowGroupRows: 1 }],
    ['uncompressed', 40, { rowGroupRows: 7, compression: 'none' }],
    ['statistics off', 40, { rowGroupRows: 8, statistics: false }],
  ])('equals the appendRow output byte for byte: %s', async (_name, length, opts) => {
    const { bytesA, bytesB, da, db } = await bothWriters(length, 7 + length, opts);
    expect(bytesA.length).toBeGreaterThan(100);
    expect(Buffer.compare(bytesA, bytesB)).toBe(0);
    expect(da).toEqual(db);
    expect(da).toEqual(digestBytes(bytesA));
  });

  it('equals the appendRow output on random tables and group sizes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom<ParquetWriteOptions['compression']>('none', 'snappy'),
        async (length, rowGroupRows, seed, compression) => {
          const { bytesA, bytesB } = await bothWriters(length, seed, { rowGroupRows, compression });
          expect(Buffer.compare(bytesA, bytesB)).toBe(0);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('reads back identically with parquetjs-lite’s own reader', async () => {
    const table = randomFeatureTable(100, 3);
    const path = nextPath();
    await writeFeatureTableParquet(path, table, 'std', { rowGroupRows: 30 });
    const back = await readFeatureTableParquet(path);
    expect(tableAsArrays(back)).toEqual(tableAsArrays(table));
  });

  it('writes the columns of the spread in order, REQUIRED, with Int32 ids and no timestamp in the footer', async () => {
    const table = randomFeatureTable(10, 4);
    const path = nextPath();
    await writeFeatureTableParquet(path, table, 'var', { rowGroupRows: 4 });
    const reader = await parquet.ParquetReader.openFile(path);
    try {
      const fields = reader.getSchema().fieldList;
      expect(fields.map((f) => f.name)).toEqual(featureColumns('var').map((c) => c.name));
      expect(fields.map((f) => f.name)).toContain('win_var');
      expect(fields.every((f) => f.repetitionType === 'REQUIRED')).toBe(true);
      const byName = new Map(fields.map((f) => [f.name, f]));
      expect(byName.get('user_id')!.primitiveType).toBe('INT32');
      expect(byName.get('split')!.originalType).toBe('UTF8');
      expect(byName.get('win_mean')!.primitiveType).toBe('DOUBLE');
      expect(byName.get('click')!.primitiveType).toBe('INT32');
      expect(reader.metadata.created_by).toBe('parquet.js');
      expect(reader.getMetadata()).toEqual({ 'dyadflow.columns': 'schemas/dyad-features.schema.json' });
      expect(reader.metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([4, 4, 2]);
    } finally {
      await reader.close();
    }
    const back = await readFeatureTableParquet(path);
    expect(tableAsArrays(back)).toEqual(tableAsArrays(table));
  });

  it('gives the same bytes for the same table, and leaves no .tmp behind', async () => {
    const table = randomFeatureTable(300, 11);
    const a = nextPath();
    const b = nextPath();
    await writeFeatureTableParquet(a, table, 'std', { rowGroupRows: 64 });
    await writeFeatureTableParquet(b, table, 'std', { rowGroupRows: 64 });
    expect(Buffer.compare(await readFile(a), await readFile(b))).toBe(0);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes and reads an empty table', async () => {
    const table = randomFeatureTable(0, 1);
    const a = nextPath();
    const b = nextPath();
    await writeFeatureTableParquet(a, table, 'std');
    await writeFeatureTableParquetRows(b, table, 'std');
    expect(Buffer.compare(await readFile(a), await readFile(b))).toBe(0);
    expect((await readFeatureTableParquet(a)).length).toBe(0);
  });

  it('turns -0 into 0 exactly as the row API does', async () => {
    const table = randomFeatureTable(6, 5);
    table.wtl[3] = -0;
    table.wtl[20] = -0;
    const { bytesA, bytesB } = await (async () => {
      const a = nextPath();
      const b = nextPath();
      await writeFeatureTableParquet(a, table, 'std', { rowGroupRows: 4 });
      await writeFeatureTableParquetRows(b, table, 'std', { rowGroupRows: 4 });
      return { bytesA: await readFile(a), bytesB: await readFile(b) };
    })();
    expect(Buffer.compare(bytesA, bytesB)).toBe(0);
  });

  it('refuses NaN features, bad split codes and bad options, leaving no file', async () => {
    const table = randomFeatureTable(5, 6);
    table.wtl[7] = Number.NaN;
    const p1 = nextPath();
    await expect(writeFeatureTableParquet(p1, table, 'std')).rejects.toThrow(/loss_max is NaN at row 0/);
    const t2 = randomFeatureTable(5, 6);
    t2.split[2] = 2;
    await expect(writeFeatureTableParquet(nextPath(), t2, 'std')).rejects.toThrow(/split code 2 at row 2/);
    await expect(writeFeatureTableParquet(nextPath(), t2, 'std', { rowGroupRows: 0 })).rejects.toThrow(/rowGroupRows/);
    const files = await readdir(dir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports a write into a missing folder as DF_ERR_WRITE naming the file', async () => {
    const path = join(dir, 'no-such-dir', 'f.parquet');
    await expect(writeFeatureTableParquet(path, randomFeatureTable(3, 1), 'std')).rejects.toMatchObject({
      code: 'DF_ERR_WRITE',
      message: expect.stringMatching(/no-such-dir\/f\.parquet: cannot write \(.*ENOENT/),
    });
  });

  it('reports a missing or foreign file as an input error naming it', async () => {
    await expect(readFeatureTableParquet(join(dir, 'missing.parquet'))).rejects.toThrow(/missing\.parquet: cannot open as Parquet/);
  });
});
