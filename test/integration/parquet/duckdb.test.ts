// features.parquet opens in DuckDB, the engine analysts use (issue 4, "Must show"): row count, column names
// and types in order, and column means equal to those of features.arrow; parquetjs-lite reads it back to the
// same table as the Arrow file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeatureTableArrow } from '../../../src/adapters/arrow/index.js';
import { readFeatureTableParquet } from '../../../src/adapters/parquet/index.js';
import { featureColumnLayout, featureColumns, numericValue } from '../../../src/adapters/snapshot/columns.js';
import { readSnapshotManifest, type SnapshotManifest } from '../../../src/adapters/snapshot/manifest.js';
import type { FeatureTable } from '../../../src/core/features/feature-table.js';
import { runCli } from '../../helpers/cli.js';
import { tableAsArrays } from '../../adapters/snapshot/random-table.js';

let root: string;
let parquetPath: string;
let fromArrow: FeatureTable;
let manifest: SnapshotManifest;
let instance: DuckDBInstance;
let db: DuckDBConnection;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-duckdb-'));
  const data = join(root, 'data');
  const out = join(root, 'snapshot');
  const gen = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', data]);
  expect(gen.code, gen.stderr).toBe(0);
  // Small row groups so that the file has several, as a DAEMON-sized one does.
  const feat = await runCli(['features', '--data', data, '--out', out, '--row-group-rows', '2048', '--json']);
  expect(feat.code, feat.stderr).toBe(0);
  parquetPath = join(out, 'features.parquet');
  fromArrow = readFeatureTableArrow(join(out, 'features.arrow'));
  manifest = await readSnapshotManifest(out);
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
});

afterAll(async () => {
  db?.closeSync();
  instance?.closeSync();
  await rm(root, { recursive: true, force: true });
});

const sql = (s: string) => s.replace('$P', `'${parquetPath.replace(/'/g, "''")}'`);

describe('features.parquet in DuckDB', () => {
  it('has the table’s row count', async () => {
    const rows = (await db.runAndReadAll(sql('SELECT count(*)::INTEGER AS n FROM read_parquet($P)'))).getRowObjectsJS();
    expect(fromArrow.length).toBeGreaterThan(10_000);
    expect(rows[0]!.n).toBe(fromArrow.length);
    expect(manifest.rows.total).toBe(fromArrow.length);
  });

  it('has the schema’s column names and types, in order', async () => {
    const described = (await db.runAndReadAll(sql('DESCRIBE SELECT * FROM read_parquet($P)'))).getRowObjectsJS();
    expect(described.map((r) => r.column_name)).toEqual(featureColumns('std').map((c) => c.name));
    const duckType = { int32: 'INTEGER', double: 'DOUBLE', utf8: 'VARCHAR' } as const;
    expect(described.map((r) => r.column_type)).toEqual(featureColumns('std').map((c) => duckType[c.type]));
  });

  it('gives the same column means as the Arrow file, and the manifest’s split counts', async () => {
    const names = ['week', 'win_mean', 'win_std', 'loss_max', 'tie_nonzero', 'user_career_level', 'item_country', 'click', 'bookmark', 'reply'];
    const query = `SELECT ${names.map((n) => `avg(${n}) AS ${n}`).join(', ')} FROM read_parquet($P)`;
    const duck = (await db.runAndReadAll(sql(query))).getRowObjectsJS()[0]!;
    const layout = new Map(featureColumnLayout('std').map((c) => [c.name, c]));
    for (const name of names) {
      let sum = 0;
      for (let r = 0; r < fromArrow.length; r++) sum += numericValue(fromArrow, layout.get(name)!.source, r);
      const mean = sum / fromArrow.length;
      // Same values, summed in another order: equal to rounding.
      expect(Math.abs((duck[name] as number) - mean), name).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(mean)));
    }
    expect(duck.win_mean as number).toBeGreaterThan(0);
    const splits = (
      await db.runAndReadAll(sql('SELECT split, count(*)::INTEGER AS n, sum(click)::INTEGER AS click FROM read_parquet($P) GROUP BY split ORDER BY split'))
    ).getRowObjectsJS();
    expect(splits).toEqual([
      { split: 'test', n: manifest.rows.test.rows, click: manifest.rows.test.click },
      { split: 'train', n: manifest.rows.train.rows, click: manifest.rows.train.click },
    ]);
  });

  it('exposes row groups with min/max statistics DuckDB can read', async () => {
    const meta = (
      await db.runAndReadAll(
        sql("SELECT row_group_id::INTEGER AS g, stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata($P) WHERE path_in_schema = 'user_id' ORDER BY g"),
      )
    ).getRowObjectsJS();
    expect(meta).toHaveLength(Math.ceil(fromArrow.length / 2048));
    const first = fromArrow.userIds.subarray(0, 2048);
    expect(Number(meta[0]!.lo)).toBe(Math.min(...first));
    expect(Number(meta[0]!.hi)).toBe(Math.max(...first));
  });
});

describe('features.parquet in parquetjs-lite', () => {
  it('reads back to exactly the table in features.arrow', async () => {
    const fromParquet = await readFeatureTableParquet(parquetPath);
    expect(tableAsArrays(fromParquet)).toEqual(tableAsArrays(fromArrow));
  });
});
