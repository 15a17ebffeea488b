import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeatureTableArrow } from '../../src/adapters/arrow/index.js';
import { readFeatureTableParquet } from '../../src/adapters/parquet/index.js';
import { readSnapshotManifest } from '../../src/adapters/snapshot/manifest.js';
import { featureColumns } from '../../src/adapters/snapshot/columns.js';
import { runCli } from '../helpers/cli.js';
import { tableAsArrays } from '../adapters/snapshot/random-table.js';

let root: string;
let data: string;

// Monday 2015-08-17 00:00 UTC (ISO 2015-W34) and the weeks after it.
const W34 = 1439769600;
const DAY = 86400;

/**
 * Five users, four items. Interactions (user item type day):
 *   1 10 click d0, 1 11 bookmark d1, 2 10 click d0, 2 12 reply d8, 3 10 click d2, 3 11 click d9, 3 13 delete d3,
 *   4 12 click d10, and one bad row; impressions shown in W34/W35 add explicit zeros.
 */
async function writeSmallDataset(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const inter = [
    [1, 10, 1, W34],
    [1, 11, 2, W34 + DAY],
    [2, 10, 1, W34],
    [2, 12, 3, W34 + 8 * DAY],
    [3, 10, 1, W34 + 2 * DAY],
    [3, 11, 1, W34 + 9 * DAY],
    [3, 13, 4, W34 + 3 * DAY],
    [4, 12, 1, W34 + 10 * DAY],
  ];
  await writeFile(
    join(dir, 'interactions.csv'),
    'user_id\titem_id\tinteraction_type\tcreated_at\n' + inter.map((r) => r.join('\t')).join('\n') + '\nx\t1\t1\t1\n',
  );
  await writeFile(
    join(dir, 'impressions.csv'),
    'user_id\tyear\tweek\titems\n1\t2015\t34\t10,12,13\n2\t2015\t34\t10,11\n3\t2015\t35\t12\n4\t2015\t35\t10,11,13\n5\t2015\t35\t10\n',
  );
  await writeFile(
    join(dir, 'users.csv'),
    'id\tjobroles\tcareer_level\tdiscipline_id\tindustry_id\tcountry\tregion\texperience_n_entries_class\texperience_years_experience\texperience_years_in_current\tedu_degree\tedu_fieldofstudies\n' +
      '1\t\t3\t5\t7\tde\t2\t1\t4\t2\t1\t\n2\t\tNULL\t1\t1\tch\t0\t1\t1\t1\t0\t\n',
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-features-cli-'));
  data = join(root, 'data');
  await writeSmallDataset(data);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dyadflow features (small hand-made dataset)', () => {
  it('writes features.parquet, features.arrow and manifest.json and prints one JSON document', async () => {
    const out = join(root, 'out1');
    const r = await runCli(['features', '--data', data, '--out', out, '--min-item-users', '0', '--min-user-items', '0', '--k', '2', '--json']);
    expect(r.stderr).toMatch(/features: 15 dyads in /);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(Object.keys(doc)).toEqual(['options', 'input', 'table1', 'rows', 'report', 'timings', 'files', 'badRows']);
    expect(doc.input).toEqual({ droppedDeletes: 1, badRows: 1 });
    expect(doc.badRows).toEqual({
      count: 1,
      deadLetters: join(out, 'dead-letters.ndjson'),
      first: [{ file: join(data, 'interactions.csv'), line: 10, reason: 'user_id is not a number: "x"' }],
    });
    expect(r.stderr).toContain(`features: 1 bad row → ${join(out, 'dead-letters.ndjson')}\n`);
    // Dyads: (1,10) (1,11) (1,12) (1,13) (2,10) (2,11) (2,12) (3,10) (3,11) (3,12) (4,10) (4,11) (4,12) (4,13) (5,10)
    // minus none: 15 pairs shown or interacted. (3,13) was only deleted, so it is no dyad.
    const rows = doc.rows as { total: number };
    expect(rows.total).toBe(15);
    expect(await readdir(out)).toEqual(['dead-letters.ndjson', 'features.arrow', 'features.parquet', 'manifest.json'].sort());

    const manifest = await readSnapshotManifest(out);
    expect(manifest.options.features).toMatchObject({ k: 2, similarity: 'weighted', neighbourhood: 'item', spread: 'std' });
    expect(manifest.options.subsample).toEqual({ minItemUsers: 0, minUserItems: 0 });
    expect(manifest.rows).toEqual(doc.rows);
    expect(manifest.table1).toEqual(doc.table1);
    expect(manifest.columns).toEqual(featureColumns('std'));
    expect(manifest.files).toEqual({
      'features.parquet': (doc.files as Record<string, unknown>)['features.parquet'],
      'features.arrow': (doc.files as Record<string, unknown>)['features.arrow'],
    });
    const text = await readFile(join(out, 'manifest.json'), 'utf8');
    expect(text).not.toMatch(/timings|elapsed|\/tmp|dyadflow-features-cli/);

    const fromParquet = await readFeatureTableParquet(join(out, 'features.parquet'));
    const fromArrow = readFeatureTableArrow(join(out, 'features.arrow'));
    expect(tableAsArrays(fromParquet)).toEqual(tableAsArrays(fromArrow));
    expect(Array.from(fromArrow.userIds)).toEqual([1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5]);
    expect(Array.from(fromArrow.itemIds)).toEqual([10, 11, 12, 13, 10, 11, 12, 10, 11, 12, 10, 11, 12, 13, 10]);
    // Labels: (1,10) click, (1,11) bookmark, (2,10) click, (2,12) reply, (3,10) click, (3,11) click, (4,12) click.
    expect(Array.from(fromArrow.click)).toEqual([1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0]);
    expect(Array.from(fromArrow.bookmark)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(fromArrow.reply)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    // User 1's profile: career_level 3, ..., country de → 1; user 3 has none → zeros.
    expect(Array.from(fromArrow.context.subarray(0, 9))).toEqual([3, 5, 7, 1, 2, 1, 4, 2, 1]);
    expect(Array.from(fromArrow.context.subarray(7 * 16, 7 * 16 + 9))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('prints a human summary without --json and honours --spread var and --no-leave-one-out', async () => {
    const out = join(root, 'out2');
    const r = await runCli([
      'features', '--data', data, '--out', out, '--min-item-users', '0', '--min-user-items', '0',
      '--spread', 'var', '--no-leave-one-out', '--split', 'random', '--seed', '9', '--compression', 'none',
      '--no-parquet-statistics', '--row-group-rows', '4', '--k', '3', '--similarity', 'binary', '--neighbourhood', 'global',
      '--leakage', 'paper',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote 15 dyads to /);
    expect(r.stdout).toMatch(/without a profile: 3 users, 4 items/);
    const manifest = await readSnapshotManifest(out);
    expect(manifest.options.features).toEqual({
      k: 3, similarity: 'binary', neighbourhood: 'global', spread: 'var', leaveOneOut: false, leakage: 'paper', split: 'random', seed: 9,
    });
    expect(manifest.options.parquet).toEqual({ rowGroupRows: 4, compression: 'none', statistics: false });
    expect(tableAsArrays(await readFeatureTableParquet(join(out, 'features.parquet')))).toEqual(
      tableAsArrays(readFeatureTableArrow(join(out, 'features.arrow'))),
    );
    expect(manifest.columns.map((c) => c.name)).toContain('tie_var');
  });

  it.each([
    [['--similarity', 'cosine'], /--similarity cosine: expected weighted or binary/],
    [['--neighbourhood', 'all'], /--neighbourhood all: expected item or global/],
    [['--spread', 'mad'], /--spread mad: expected std or var/],
    [['--leakage', 'some'], /--leakage some: expected none or paper/],
    [['--split', 'week'], /--split week: expected time or random/],
    [['--k', '0'], /--k 0: expected an integer from 1/],
    [['--k', '2.5'], /--k 2\.5: expected an integer/],
    [['--seed', 'abc'], /--seed abc: expected an integer from 0 to 4294967295/],
    [['--min-item-users', '-1'], /--min-item-users -1: expected an integer from 0 to 2147483647/],
    [['--min-user-items', 'x'], /--min-user-items x: expected an integer from 0/],
    [['--row-group-rows', '0'], /--row-group-rows 0: expected an integer from 1/],
    [['--compression', 'zstd'], /--compression zstd: expected snappy or none/],
  ])('refuses %j with exit 2 and one line', async (flags, message) => {
    const out = join(root, 'bad');
    const r = await runCli(['features', '--data', data, '--out', out, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('fails with one line and leaves no manifest when a snapshot file cannot be written, even over an old snapshot', async () => {
    const out = join(root, 'out4');
    await mkdir(join(out, 'features.arrow'), { recursive: true });
    await writeFile(join(out, 'manifest.json'), '{"formatVersion": 1}');
    const r = await runCli(['features', '--data', data, '--out', out, '--min-item-users', '0', '--min-user-items', '0', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/features\.arrow: cannot write \(.*\) \[DF_ERR_WRITE\]\n$/);
    expect(r.stderr).not.toMatch(/ at /);
    expect(r.stdout).toBe('');
    expect((await readdir(out)).sort()).toEqual(['dead-letters.ndjson', 'features.arrow', 'features.parquet']);
  });

  it('does not leave an earlier run’s dead letters beside a run without bad rows', async () => {
    const out = join(root, 'out5');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'dead-letters.ndjson'), '{"dyadflow":"dead-letters","formatVersion":1}\n{"old": true}\n');
    const clean = join(root, 'clean');
    await mkdir(clean, { recursive: true });
    await writeFile(join(clean, 'interactions.csv'), 'user_id\titem_id\tinteraction_type\tcreated_at\n1\t10\t1\t1439769600\n');
    await writeFile(join(clean, 'impressions.csv'), 'user_id\tyear\tweek\titems\n1\t2015\t34\t10,11\n');
    const r = await runCli(['features', '--data', clean, '--out', out, '--min-item-users', '0', '--min-user-items', '0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['features.arrow', 'features.parquet', 'manifest.json']);
  });

  it('leaves an existing snapshot as it was when --data is wrong', async () => {
    const out = join(root, 'out6');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'manifest.json'), '{"formatVersion": 1}');
    const r = await runCli(['features', '--data', join(root, 'no-such-data'), '--out', out, '--json']);
    expect(r.code).toBe(2);
    expect(await readdir(out)).toEqual(['manifest.json']);
  });

  it('exits 2 with one line when the interactions file is missing', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty, { recursive: true });
    const r = await runCli(['features', '--data', empty, '--out', join(root, 'out3'), '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/csv/);
    expect(r.stdout).toBe('');
  });
});

describe('dyadflow features on the tiny preset', () => {
  let tinyData: string;
  let first: { code: number; stdout: string; stderr: string };
  let second: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    tinyData = join(root, 'tiny');
    const gen = await runCli(['generate', '--preset', 'tiny', '--seed', '3', '--out', tinyData]);
    expect(gen.code, gen.stderr).toBe(0);
    first = await runCli(['features', '--data', tinyData, '--out', join(root, 'tinyA'), '--json']);
    second = await runCli(['features', '--data', tinyData, '--out', join(root, 'tinyB'), '--json']);
  });

  it('runs with the defaults and reports options, Table 1, rows, report, timings and files', () => {
    expect(first.code, first.stderr).toBe(0);
    const doc = JSON.parse(first.stdout) as {
      options: { features: Record<string, unknown>; subsample: Record<string, unknown> };
      table1: { users: number; dyads: number };
      rows: { total: number; train: { rows: number; click: number }; test: { rows: number; click: number } };
      report: { dyads: number; trainRows: number; testRows: number };
      timings: Record<string, number>;
      files: Record<string, { bytes: number; sha256: string }>;
    };
    expect(doc.options.features).toEqual({
      k: 50, similarity: 'weighted', neighbourhood: 'item', spread: 'std', leaveOneOut: true, leakage: 'none', split: 'time', seed: 1,
    });
    expect(doc.options.subsample).toEqual({ minItemUsers: 30, minUserItems: 30 });
    expect(doc.table1.users).toBeGreaterThanOrEqual(150);
    expect(doc.rows.total).toBe(doc.table1.dyads);
    expect(doc.rows.total).toBe(doc.report.dyads);
    expect(doc.rows.train.rows).toBe(doc.report.trainRows);
    expect(doc.rows.test.rows).toBe(doc.report.testRows);
    expect(doc.rows.train.click).toBeGreaterThan(0);
    expect(doc.rows.test.click).toBeGreaterThan(0);
    expect(Object.keys(doc.timings)).toEqual(['load', 'subsample', 'table1', 'features', 'parquet', 'arrow', 'manifest', 'total']);
    expect(Object.keys(doc.files)).toEqual(['features.parquet', 'features.arrow', 'manifest.json']);
  });

  it('writes byte-identical features.parquet, features.arrow and manifest.json when run twice', async () => {
    expect(second.code, second.stderr).toBe(0);
    for (const name of ['features.parquet', 'features.arrow', 'manifest.json']) {
      const a = await readFile(join(root, 'tinyA', name));
      const b = await readFile(join(root, 'tinyB', name));
      expect(a.length, name).toBeGreaterThan(1000);
      expect(Buffer.compare(a, b), name).toBe(0);
    }
    // The two runs' wall-clock timings differ; they are only in --json.
    const files = (JSON.parse(first.stdout) as { files: unknown }).files;
    expect((JSON.parse(second.stdout) as { files: unknown }).files).toEqual(files);
  });
});
