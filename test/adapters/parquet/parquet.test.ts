import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import parquet from 'parquetjs-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openFeatureTableParquetWriter,
  parquetEncoderEnabled,
  readFeatureTableParquet,
  writeFeatureTableParquet,
  writeFeatureTableParquetRows,
  type ParquetWriteOptions,
} from '../../../src/adapters/parquet/index.js';
import { snappyReplaced } from '../../../src/adapters/parquet/encoder.js';
import { WTL_WIDTH, CONTEXT_WIDTH } from '../../../src/core/features/feature-table.js';
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
    ['statistics off, uncompressed', 40, { rowGroupRows: 16, compression: 'none', statistics: false }],
    ['one row', 1, {}],
    ['one row, statistics off', 1, { statistics: false, compression: 'none' }],
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
        fc.boolean(),
        async (length, rowGroupRows, seed, compression, statistics) => {
          const { bytesA, bytesB } = await bothWriters(length, seed, { rowGroupRows, compression, statistics });
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

  it.each<[string, ParquetWriteOptions]>([
    ['statistics on', { rowGroupRows: 4 }],
    ['statistics off', { rowGroupRows: 4, statistics: false }],
  ])('turns -0 into 0 exactly as the row API does (%s)', async (_name, opts) => {
    const table = randomFeatureTable(6, 5);
    table.wtl[3] = -0;
    table.wtl[20] = -0;
    // A column whose only values are -0 and 0: its minimum and maximum are +0 in the library's statistics.
    for (let r = 0; r < 4; r++) table.wtl[r * WTL_WIDTH + 9] = r % 2 === 0 ? -0 : 0;
    const a = nextPath();
    const b = nextPath();
    await writeFeatureTableParquet(a, table, 'std', opts);
    await writeFeatureTableParquetRows(b, table, 'std', opts);
    expect(Buffer.compare(await readFile(a), await readFile(b))).toBe(0);
  });

  it('equals the row API on extreme values: Int32 bounds, negative, huge and subnormal doubles', async () => {
    const table = randomFeatureTable(9, 8);
    const ints = [-2147483648, 2147483647, -1, 0, 1, -2147483647, 65535, -65536, 123456789];
    const doubles = [-1.5, 1e300, -1e300, 5e-324, -5e-324, Number.MAX_VALUE, -0.1, 1 / 3, 2 ** 53];
    for (let r = 0; r < 9; r++) {
      table.userIds[r] = ints[r]!;
      table.context[r * CONTEXT_WIDTH + 2] = ints[(r + 4) % 9]!;
      table.wtl[r * WTL_WIDTH + 1] = doubles[r]!;
      table.wtl[r * WTL_WIDTH + 14] = doubles[(r + 3) % 9]!;
    }
    for (const opts of [{ rowGroupRows: 4 }, { rowGroupRows: 9, compression: 'none' as const }]) {
      const a = nextPath();
      const b = nextPath();
      await writeFeatureTableParquet(a, table, 'std', opts);
      await writeFeatureTableParquetRows(b, table, 'std', opts);
      expect(Buffer.compare(await readFile(a), await readFile(b))).toBe(0);
      expect(tableAsArrays(await readFeatureTableParquet(a))).toEqual(tableAsArrays(table));
    }
  });

  it('uses dyadflow’s encoder and snappy with the pinned parquetjs-lite 0.8.7 and its snappyjs 0.6.1', () => {
    expect(parquetEncoderEnabled).toBe(true);
    expect(snappyReplaced).toBe(true);
  });

  it('gives the same bytes however the rows are cut into appends (property)', async () => {
    const table = randomFeatureTable(70, 31);
    const whole = nextPath();
    await writeFeatureTableParquet(whole, table, 'std', { rowGroupRows: 16 });
    const expected = await readFile(whole);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 70 }), { maxLength: 8 }), async (cuts) => {
        const bounds = [0, ...cuts.sort((x, y) => x - y), 70];
        const path = nextPath();
        const writer = await openFeatureTableParquetWriter(path, 'std', { rowGroupRows: 16 });
        for (let i = 1; i < bounds.length; i++) await writer.append(table, bounds[i - 1], bounds[i]);
        expect(writer.rows).toBe(70);
        await writer.commit();
        expect(Buffer.compare(await readFile(path), expected)).toBe(0);
      }),
      { numRuns: 20 },
    );
  });

  it('refuses to append after commit', async () => {
    const writer = await openFeatureTableParquetWriter(nextPath(), 'std');
    await writer.append(randomFeatureTable(3, 2));
    await writer.commit();
    await expect(writer.append(randomFeatureTable(3, 2))).rejects.toMatchObject({ code: 'DF_ERR_WRITE', message: /append after the writer committed/ });
  });

  it('a failure in a later row group removes the .tmp and leaves the previous file as it was', async () => {
    const path = nextPath();
    await writeFile(path, 'previous snapshot');
    const table = randomFeatureTable(40, 9);
    table.wtl[33 * WTL_WIDTH + 2] = Number.NaN;
    await expect(writeFeatureTableParquet(path, table, 'std', { rowGroupRows: 8 })).rejects.toThrow(/win_max is NaN at row 33/);
    expect(await readFile(path, 'utf8')).toBe('previous snapshot');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports a full disk while writing as one retriable DF_ERR_WRITE naming the file, and removes the .tmp', async () => {
    const sub = join(dir, 'full');
    await rm(sub, { recursive: true, force: true });
    await mkdir(sub);
    const path = join(sub, 'features.parquet');
    // The .tmp is a link to /dev/full: opening works, every write fails with ENOSPC.
    await symlink('/dev/full', `${path}.tmp`);
    await expect(writeFeatureTableParquet(path, randomFeatureTable(50, 3), 'std', { rowGroupRows: 8 })).rejects.toMatchObject({
      code: 'DF_ERR_WRITE',
      retriable: true,
      message: expect.stringMatching(/full\/features\.parquet: cannot write \(.*ENOSPC/),
    });
    expect(await readdir(sub)).toEqual([]);
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
