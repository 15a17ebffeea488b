import { access, appendFile, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { renderTable1Markdown } from '../../src/core/report/index.js';
import type { Table1 } from '../../src/core/stats/table1.js';
import type { SubsampleOptions } from '../../src/core/dataset/subsample.js';

let root: string;
let data: string;
let generated: { deletes: number };

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-stats-cli-'));
  data = join(root, 'tiny');
  const gen = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', data, '--json']);
  expect(gen.code).toBe(0);
  generated = JSON.parse(gen.stdout) as { deletes: number };
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const TABLE1_KEYS = ['users', 'offers', 'dyads', 'perUser', 'perOffer', 'sparsity'];
const PER_USER_KEYS = ['displayed', 'clicked', 'bookmarked', 'replied', 'interactionsMean', 'interactionsMedian'];

describe('dyadflow stats', () => {
  it('prints Table 1 before and after 30/30 subsampling as one JSON document', async () => {
    const r = await runCli(['stats', '--data', data, '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const doc = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(doc).sort()).toEqual(['after', 'badRows', 'before', 'droppedDeletes', 'options']);
    for (const part of ['before', 'after']) {
      expect(Object.keys(doc[part]!).sort()).toEqual([...TABLE1_KEYS].sort());
      expect(Object.keys(doc[part]!.perUser as object).sort()).toEqual([...PER_USER_KEYS].sort());
      expect(Object.keys(doc[part]!.perOffer as object).sort()).toEqual(['usersMean', 'usersMedian']);
    }
    expect(doc.options).toEqual({ minItemUsers: 30, minUserItems: 30 });
    expect(doc.droppedDeletes).toBe(generated.deletes);
    expect(doc.badRows).toEqual({ count: 0, deadLetters: null, first: [] });
    expect(doc.after!.users as number).toBeGreaterThanOrEqual(150);
    expect(doc.after!.users as number).toBeLessThan(doc.before!.users as number);
    expect(await exists(join(data, 'dead-letters.ndjson'))).toBe(false);
  });

  it('keeps everything with thresholds 0 and 0', async () => {
    const r = await runCli(['stats', '--data', data, '--json', '--min-item-users', '0', '--min-user-items', '0']);
    const doc = JSON.parse(r.stdout) as { before: unknown; after: unknown };
    expect(doc.after).toEqual(doc.before);
  });

  it('prints Table 1 without --json with the one renderer reproduce and report.md use', async () => {
    const r = await runCli(['stats', '--data', data]);
    expect(r.code).toBe(0);
    const doc = JSON.parse((await runCli(['stats', '--data', data, '--json'])).stdout) as { before: Table1; after: Table1; options: SubsampleOptions };
    expect(r.stdout).toBe(
      'Table 1\n\n' + renderTable1Markdown(doc.before, doc.after, { subsample: doc.options }) + `\ndeletes dropped: ${generated.deletes}, 0 bad rows\n`,
    );
    expect(r.stdout).toContain('| | Before subsampling | After subsampling (items ≥ 30 users, users ≥ 30 items) |');
    expect(r.stdout).toContain('| Displayed per user (mean) |');
  });

  it('tells each phase on stderr when not on a terminal, with --json too', async () => {
    for (const json of [[], ['--json']]) {
      const r = await runCli(['stats', '--data', data, ...json]);
      expect(r.stderr).toMatch(/^stats: load\nstats: table1\nstats: subsample\nstats: done in \d+\.\d s \(load \d+\.\d s, table1 \d+\.\d s, subsample \d+\.\d s\)\nstats: 0 bad rows\n$/);
    }
  });

  it('counts bad rows and writes them to the dead-letter file', async () => {
    const broken = join(root, 'broken');
    await cp(data, broken, { recursive: true });
    await appendFile(join(broken, 'interactions.csv'), 'not-a-number\t5\t1\t1439769600\n');
    const r = await runCli(['stats', '--data', broken, '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { badRows: { count: number } }).badRows.count).toBe(1);
    // Without --dead-letters nothing is written, least of all into the data folder.
    expect(await exists(join(broken, 'dead-letters.ndjson'))).toBe(false);
    const elsewhere = join(root, 'letters', 'bad.ndjson');
    await mkdir(join(root, 'letters'));
    const r2 = await runCli(['stats', '--data', broken, '--json', '--dead-letters', elsewhere]);
    expect(r2.code).toBe(0);
    expect((JSON.parse(r2.stdout) as { badRows: unknown }).badRows).toMatchObject({ count: 1, deadLetters: elsewhere });
    const letters = (await readFile(elsewhere, 'utf8')).trim().split('\n');
    expect(letters).toHaveLength(2);
    expect(JSON.parse(letters[1]!)).toMatchObject({ line: expect.any(Number), reason: 'user_id is not a number: "not-a-number"', raw: 'not-a-number\t5\t1\t1439769600' });
  });

  it('exits with 2 and one line for a missing data directory or interactions file, or a bad threshold', async () => {
    const missing = await runCli(['stats', '--data', join(root, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nope');
    const empty = join(root, 'empty');
    await mkdir(empty);
    const noFile = await runCli(['stats', '--data', empty]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr.trim().split('\n')).toHaveLength(1);
    expect(noFile.stderr).toContain('interactions.csv');
    const bad = await runCli(['stats', '--data', data, '--min-item-users', 'x']);
    expect(bad.code).toBe(2);
  });
});
