// Issue 9, output directories: a command that writes one holds its lock (item 2, in-process half: the
// two-process race is test/faults/concurrent-runs.test.ts), a failed run leaves an earlier complete output
// untouched (item 5), and the smaller items 8 that concern reading the input.
import { createHash } from 'node:crypto';
import { appendFile, chmod, cp, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockDirectory } from '../../src/adapters/fs/dir-lock.js';
import { runCli, type CliResult } from '../helpers/cli.js';

let root: string;
let tiny: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-outputs-cli-'));
  tiny = join(root, 'tiny');
  const g = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', tiny]);
  expect(g.code, g.stderr).toBe(0);
});
afterAll(async () => {
  await chmod(root, 0o700).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

/**
 * Runs `fn` where permission bits count: as is for a normal user; as root (which ignores them) with nobody's
 * effective uid, which this test file's worker may take and give back.
 */
async function withPermissions<T>(fn: () => Promise<T>): Promise<T> {
  const asRoot = process.geteuid?.() === 0;
  if (!asRoot) return fn();
  await chmod(root, 0o755);
  process.seteuid!(65534);
  try {
    return await fn();
  } finally {
    process.seteuid!(0);
  }
}

/** Every file under dir (relative paths, sorted) with the SHA-256 of its bytes. */
async function snapshotOf(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.set(path.slice(dir.length + 1), createHash('sha256').update(await readFile(path)).digest('hex'));
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('item 2: a command holds the lock of the directory it writes', () => {
  it.each([
    ['features', (out: string) => ['features', '--data', tiny, '--out', out]],
    ['reproduce', (out: string) => ['reproduce', '--data', tiny, '--out', out, '--max-epochs', '1']],
    ['generate', (out: string) => ['generate', '--preset', 'tiny', '--out', out]],
  ])('%s on a directory another run holds: exit 2 naming the holder, nothing written', async (name, argv) => {
    const out = join(root, `locked-${name}`);
    const lock = await lockDirectory(out, 'features');
    let r: CliResult;
    try {
      r = await runCli(argv(out));
    } finally {
      await lock.release();
    }
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/in use by features \(pid \d+/)]);
    expect(await readdir(out)).toEqual([]);
  });
});

describe('item 5: a failed run leaves an earlier complete output untouched', () => {
  it('features with a missing --data keeps the snapshot and its dead letters as they were', async () => {
    const data = join(root, 'bad-data');
    await cp(tiny, data, { recursive: true });
    await appendFile(join(data, 'interactions.csv'), 'x\t1\t1\t1\n');
    const out = join(root, 'features-kept');
    const first = await runCli(['features', '--data', data, '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const before = await snapshotOf(out);
    expect([...before.keys()]).toEqual(['dead-letters.ndjson', 'features.arrow', 'features.parquet', 'manifest.json']);
    for (const argv of [
      ['features', '--data', join(root, 'nope'), '--out', out],
      ['features', '--data', data, '--out', out, '--k', '0'],
      ['features', '--data', join(root, 'empty-data'), '--out', out],
    ]) {
      await mkdir(join(root, 'empty-data'), { recursive: true });
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(await snapshotOf(out)).toEqual(before);
    }
  });

  it('reproduce with a missing --data keeps the results as they were', async () => {
    const out = join(root, 'reproduce-kept');
    const first = await runCli(['reproduce', '--data', tiny, '--out', out, '--grid-l2', '0.001', '--max-epochs', '2']);
    expect(first.code, first.stderr).toBe(0);
    const before = await snapshotOf(out);
    expect(before.has('results.json')).toBe(true);
    const r = await runCli(['reproduce', '--data', join(root, 'nope'), '--out', out]);
    expect(r.code).toBe(2);
    expect(await snapshotOf(out)).toEqual(before);
  }, 120_000);
});

describe('item 8: reading the input', () => {
  it('a data folder without read permission reports the real error', async () => {
    const data = join(root, 'unreadable');
    await cp(tiny, data, { recursive: true });
    await chmod(data, 0o000);
    let r: CliResult;
    try {
      r = await withPermissions(() => runCli(['stats', '--data', data]));
    } finally {
      await chmod(data, 0o755);
    }
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/unreadable\/interactions\.csv: cannot be read \(EACCES\)/)]);
  });

  it('a line over the 64 MiB limit is a bad row, and reading goes on after it', async () => {
    const data = join(root, 'long-line');
    await cp(tiny, data, { recursive: true });
    const huge = Buffer.alloc((64 << 20) + 10, 0x31); // "111…", no newline for 64 MiB
    await appendFile(join(data, 'interactions.csv'), Buffer.concat([huge, Buffer.from('\n7\t5\t9\t1439769600\n')]));
    const r = await runCli(['stats', '--data', data, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { badRows: { count: number; first: { reason: string }[] } };
    expect(doc.badRows.count).toBe(2);
    expect(doc.badRows.first.map((b) => b.reason)).toEqual([expect.stringMatching(/longer than 67108864 bytes/), expect.stringMatching(/interaction_type/)]);
  });

  it('item 4: stats with a bad row in a read-only data folder prints its table', async () => {
    const data = join(root, 'read-only');
    await cp(tiny, data, { recursive: true });
    await appendFile(join(data, 'interactions.csv'), 'x\t1\t1\t1\n');
    const files = (await readdir(data)).sort();
    await chmod(data, 0o555);
    let r: CliResult;
    try {
      r = await withPermissions(() => runCli(['stats', '--data', data, '--json']));
    } finally {
      await chmod(data, 0o755);
    }
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ badRows: { count: 1, deadLetters: null } });
    expect((await readdir(data)).sort()).toEqual(files);
  });
});
