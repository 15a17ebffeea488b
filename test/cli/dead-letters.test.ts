// Issue 9, dead letters across commands: a dead-letter file never replaces or deletes a file it did not write
// (item 1); every command reports its bad rows (item 3); dead letters never go into the input folder and their
// location is checked before any work (items 4 and 8).
import { appendFile, cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let root: string;
/** tiny, untouched (no bad row). */
let clean: string;
/** tiny plus two bad interaction rows. */
let broken: string;
const BAD_ROWS = 'not-a-number\t5\t1\t1439769600\n7\t5\t9\t1439769600\n';

// The format's first line, byte for byte.
const HEADER_LINE = '{"dyadflow":"dead-letters","formatVersion":1}';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-dead-letters-cli-'));
  clean = join(root, 'clean');
  const g = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', clean]);
  expect(g.code, g.stderr).toBe(0);
  broken = join(root, 'broken');
  await cp(clean, broken, { recursive: true });
  await appendFile(join(broken, 'interactions.csv'), BAD_ROWS);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh copy of tiny (with the two bad rows when `bad`), so no test sees another's leftovers. */
async function copyOf(name: string, bad: boolean): Promise<string> {
  const dir = join(root, name);
  await cp(clean, dir, { recursive: true });
  if (bad) await appendFile(join(dir, 'interactions.csv'), BAD_ROWS);
  return dir;
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('item 1: a run replaces only a dead-letter file', () => {
  it('stats --dead-letters pointing at a user file: exit 2 before any work, the file untouched', async () => {
    const data = await copyOf('notes', false);
    const notes = join(data, 'notes.txt');
    await writeFile(notes, 'my notes\n');
    const r = await runCli(['stats', '--data', data, '--dead-letters', notes, '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/notes\.txt.*not a dyadflow dead-letter file/)]);
    expect(await readFile(notes, 'utf8')).toBe('my notes\n');
  });

  it('stats --dead-letters pointing at the input itself: exit 2, the input untouched', async () => {
    const data = await copyOf('input-itself', false);
    const before = await readFile(join(data, 'interactions.csv'));
    const r = await runCli(['stats', '--data', data, '--dead-letters', join(data, 'interactions.csv')]);
    expect(r.code).toBe(2);
    expect((await readFile(join(data, 'interactions.csv'))).equals(before)).toBe(true);
  });

  it('a dead-letter file starts with its header record; a later run replaces it, a clean run removes it', async () => {
    const file = join(root, 'letters-1.ndjson');
    const r1 = await runCli(['stats', '--data', broken, '--dead-letters', file, '--json']);
    expect(r1.code, r1.stderr).toBe(0);
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe(HEADER_LINE);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1]!)).toMatchObject({ file: join(broken, 'interactions.csv'), reason: expect.stringMatching(/user_id is not a number/) });
    const r2 = await runCli(['stats', '--data', broken, '--dead-letters', file, '--json']);
    expect(r2.code, r2.stderr).toBe(0);
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toEqual(lines);
    const r3 = await runCli(['stats', '--data', clean, '--dead-letters', file, '--json']);
    expect(r3.code, r3.stderr).toBe(0);
    expect(await listing(root)).not.toContain('letters-1.ndjson');
  });

  it('features refuses an OUT/dead-letters.ndjson it did not write, before touching the snapshot', async () => {
    const out = join(root, 'features-foreign');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'dead-letters.ndjson'), '{"mine": true}\n');
    await writeFile(join(out, 'manifest.json'), '{"formatVersion": 1}');
    const r = await runCli(['features', '--data', clean, '--out', out, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dead-letters\.ndjson.*not a dyadflow dead-letter file/);
    expect(await readFile(join(out, 'dead-letters.ndjson'), 'utf8')).toBe('{"mine": true}\n');
    expect(await listing(out)).toEqual(['dead-letters.ndjson', 'manifest.json']);
  });
});

describe('item 3: every command reports its bad rows, whatever the flags', () => {
  it('reproduce without --out: the count and the first reasons on stderr and in --json', async () => {
    const r = await runCli(['reproduce', '--data', broken, '--json', '--grid-l2', '0.001', '--max-epochs', '2']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { badRows: { count: number; deadLetters: string | null; first: { line: number; reason: string }[] } };
    expect(doc.badRows.count).toBe(2);
    expect(doc.badRows.deadLetters).toBeNull();
    expect(doc.badRows.first.map((b) => b.reason)).toEqual([expect.stringMatching(/user_id is not a number/), expect.stringMatching(/interaction_type/)]);
    expect(r.stderr).toMatch(/reproduce: 2 bad rows/);
    expect(r.stderr).toMatch(/interactions\.csv:\d+: user_id is not a number/);
  }, 120_000);

  it('reproduce --dead-letters FILE writes them there', async () => {
    const file = join(root, 'reproduce-letters.ndjson');
    const r = await runCli(['reproduce', '--data', broken, '--json', '--grid-l2', '0.001', '--max-epochs', '2', '--dead-letters', file]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { badRows: unknown }).badRows).toMatchObject({ count: 2, deadLetters: file });
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(3);
  }, 120_000);

  it('stats --json reports { count, deadLetters } and the count goes to stderr with --json too', async () => {
    const r = await runCli(['stats', '--data', broken, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { badRows: unknown }).badRows).toMatchObject({ count: 2, deadLetters: null });
    expect(r.stderr).toMatch(/stats: 2 bad rows/);
    const c = await runCli(['stats', '--data', clean, '--json']);
    expect((JSON.parse(c.stdout) as { badRows: unknown }).badRows).toEqual({ count: 0, deadLetters: null, first: [] });
    expect(c.stderr).toMatch(/stats: 0 bad rows/);
  });

  it('features --json reports them, written under OUT, or to --dead-letters FILE', async () => {
    const out = join(root, 'features-bad');
    const r = await runCli(['features', '--data', broken, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { badRows: unknown }).badRows).toMatchObject({ count: 2, deadLetters: join(out, 'dead-letters.ndjson') });
    expect(r.stderr).toMatch(/features: 2 bad rows/);
    const file = join(root, 'features-letters.ndjson');
    const out2 = join(root, 'features-bad-2');
    const r2 = await runCli(['features', '--data', broken, '--out', out2, '--json', '--dead-letters', file]);
    expect(r2.code, r2.stderr).toBe(0);
    expect((JSON.parse(r2.stdout) as { badRows: unknown }).badRows).toMatchObject({ count: 2, deadLetters: file });
    expect(await listing(out2)).toEqual(['features.arrow', 'features.parquet', 'manifest.json']);
  });

  it('one bad row is "1 bad row"', async () => {
    const one = await copyOf('one-bad', false);
    await appendFile(join(one, 'interactions.csv'), 'x\t1\t1\t1\n');
    const r = await runCli(['stats', '--data', one]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/\b1 bad row\b/);
    expect(r.stderr + r.stdout).not.toMatch(/\b1 bad rows\b/);
  });
});

describe('item 4: dead letters never go into the input folder', () => {
  it('stats and features leave the data folder as it was', async () => {
    const data = await copyOf('input-folder', true);
    const before = await listing(data);
    expect((await runCli(['stats', '--data', data])).code).toBe(0);
    expect((await runCli(['features', '--data', data, '--out', join(root, 'features-4')])).code).toBe(0);
    expect(await listing(data)).toEqual(before);
  });
});

describe('item 8: the dead-letter location is checked at the start', () => {
  it('--dead-letters that is a folder: exit 2, no stray <dir>.tmp', async () => {
    const folder = join(root, 'a-folder');
    await mkdir(folder);
    const r = await runCli(['stats', '--data', clean, '--dead-letters', folder]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/a-folder.*is a folder/)]);
    expect(await listing(root)).not.toContain('a-folder.tmp');
    const r2 = await runCli(['stats', '--data', broken, '--dead-letters', folder]);
    expect(r2.code).toBe(2);
    expect(await listing(root)).not.toContain('a-folder.tmp');
  });

  it('--dead-letters in a missing folder: exit 2 before reading', async () => {
    const r = await runCli(['stats', '--data', clean, '--dead-letters', join(root, 'no-such-folder', 'x.ndjson')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/no-such-folder.*no such folder/)]);
  });
});
