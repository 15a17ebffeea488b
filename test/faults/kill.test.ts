// Issue 9 item 5, the fault test: `kill -9` of a real `features` and `reproduce` process at several points
// while it writes over an earlier complete output. A reader then sees either that earlier output, whole, or a
// directory without its completion marker (incomplete, which README says to ignore), never old and new files
// mixed under a marker; and the next run takes over the dead run's lock, removes its `.tmp` files and completes.
// The kill points: a test-only preload (pause-hook.mjs) stops the process just before a chosen file goes into
// place (its `.tmp` written in full), and one kill lands while features.parquet.tmp is still being written.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestFile } from '../../src/adapters/fs/atomic-file.js';
import { LOCK_FILE } from '../../src/adapters/fs/dir-lock.js';
import { readSnapshotManifest } from '../../src/adapters/snapshot/manifest.js';
import { runCli } from '../helpers/cli.js';
import { compiledCli, startCli, type CliProcess } from '../helpers/cli-process.js';

const HOOK = fileURLToPath(new URL('./pause-hook.mjs', import.meta.url));

let root: string;
/** tiny with one bad row (the complete runs) and with two (the runs that are killed). */
let dataA: string;
let dataB: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-kill-'));
  dataA = join(root, 'data-a');
  expect((await runCli(['generate', '--preset', 'tiny', '--out', dataA])).code).toBe(0);
  dataB = join(root, 'data-b');
  await cp(dataA, dataB, { recursive: true });
  await appendFile(join(dataA, 'interactions.csv'), 'x\t1\t1\t1\n');
  await appendFile(join(dataB, 'interactions.csv'), 'y\t1\t1\t1\n7\t5\t9\t1439769600\n');
  await compiledCli();
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every file under dir except the lock and `.tmp` leftovers (which readers ignore), with its SHA-256. */
async function visibleFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name === LOCK_FILE || e.name.endsWith('.tmp')) continue;
    const path = join(e.parentPath, e.name);
    out[path.slice(dir.length + 1)] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function tmpFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.tmp')).sort();
}

/** Where to kill: just before a file goes into place, or while a `.tmp` file is being written. */
type KillPoint = { pauseBefore: string } | { whileWriting: string };

/** Starts `argv` as a real process and kills it with SIGKILL at `point`. */
async function killAt(argv: string[], out: string, point: KillPoint): Promise<void> {
  let proc: CliProcess;
  if ('pauseBefore' in point) {
    proc = await startCli(argv, { env: { DYADFLOW_TEST_PAUSE_BEFORE_RENAME: point.pauseBefore }, nodeArgs: ['--import', HOOK] });
    await proc.stderrMatches(/dyadflow-test: paused before /);
  } else {
    proc = await startCli(argv);
    const tmp = join(out, point.whileWriting);
    let ended = false;
    void proc.done.then(() => (ended = true));
    while (!existsSync(tmp) && !ended) await new Promise((r) => setImmediate(r));
  }
  proc.child.kill('SIGKILL');
  const r = await proc.done;
  expect(r.signal, `the run ended before it was killed:\n${r.stderr}`).toBe('SIGKILL');
}

describe('kill -9 of features while it writes', () => {
  const out = (): string => join(root, 'features');
  const complete = (): string[] => ['features', '--data', dataA, '--out', out(), '--min-item-users', '0', '--min-user-items', '0'];
  const other = (): string[] => ['features', '--data', dataB, '--out', out(), '--min-item-users', '0', '--min-user-items', '0', '--k', '5'];
  let before: Record<string, string>;

  beforeAll(async () => {
    const r = await runCli(complete());
    expect(r.code, r.stderr).toBe(0);
    before = await visibleFiles(out());
    expect(Object.keys(before)).toEqual(['dead-letters.ndjson', 'features.arrow', 'features.parquet', 'manifest.json']);
  }, 120_000);

  /** A reader's view: with a manifest, its checksums must hold and everything must be the earlier run's. */
  async function readerSees(): Promise<'previous' | 'incomplete'> {
    const now = await visibleFiles(out());
    if (!('manifest.json' in now)) return 'incomplete';
    const manifest = await readSnapshotManifest(out());
    for (const [name, digest] of Object.entries(manifest.files)) expect(await digestFile(join(out(), name)), name).toEqual(digest);
    expect(now).toEqual(before);
    return 'previous';
  }

  // Until the run has read and computed everything, the earlier snapshot stays whole; from its first write on,
  // the directory has no manifest.
  it.each<[string, KillPoint, 'previous' | 'incomplete']>([
    ['while reading, dead letters going to their .tmp', { whileWriting: 'dead-letters.ndjson.tmp' }, 'previous'],
    ['before the dead letters go into place', { pauseBefore: 'dead-letters.ndjson' }, 'incomplete'],
    ['while features.parquet.tmp is being written', { whileWriting: 'features.parquet.tmp' }, 'incomplete'],
    ['before features.parquet goes into place', { pauseBefore: 'features.parquet' }, 'incomplete'],
    ['before features.arrow goes into place', { pauseBefore: 'features.arrow' }, 'incomplete'],
    ['before manifest.json goes into place', { pauseBefore: 'manifest.json' }, 'incomplete'],
  ])('%s: the earlier snapshot or none; the next run completes', async (_name, point, seen) => {
    await killAt(other(), out(), point);
    expect(await readerSees()).toBe(seen);
    // The dead run still "holds" the lock: its file names a pid that no longer runs.
    expect(existsSync(join(out(), LOCK_FILE))).toBe(true);
    const next = await runCli(complete());
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/taking over the lock of features \(pid \d+/);
    expect(await tmpFiles(out())).toEqual([]);
    expect(await visibleFiles(out())).toEqual(before);
  }, 120_000);
});

describe('kill -9 of reproduce while it writes', () => {
  const out = (): string => join(root, 'reproduce');
  const common = ['--grid-l2', '0.001', '--max-epochs', '3'];
  const complete = (): string[] => ['reproduce', '--data', dataA, '--out', out(), ...common];
  const other = (): string[] => ['reproduce', '--data', dataB, '--out', out(), ...common, '--seed', '2'];
  let before: Record<string, string>;

  beforeAll(async () => {
    const r = await runCli(complete());
    expect(r.code, r.stderr).toBe(0);
    before = await visibleFiles(out());
    expect(Object.keys(before)).toContain('results.json');
    expect(Object.keys(before)).toContain('models/mtl/parameters.bin');
  }, 120_000);

  /** A reader's view: with results.json, every file must be the earlier run's. */
  async function readerSees(): Promise<'previous' | 'incomplete'> {
    const now = await visibleFiles(out());
    if (!('results.json' in now)) return 'incomplete';
    expect(now).toEqual(before);
    return 'previous';
  }

  it.each<[string, KillPoint, 'previous' | 'incomplete']>([
    ['while reading and training, dead letters in their .tmp', { whileWriting: 'dead-letters.ndjson.tmp' }, 'previous'],
    ['before the dead letters go into place', { pauseBefore: 'dead-letters.ndjson' }, 'incomplete'],
    ['after the first loss chart', { pauseBefore: 'loss-embedding.svg' }, 'incomplete'],
    ['in the middle of the models', { pauseBefore: 'parameters.bin#3' }, 'incomplete'],
    ['before report.md goes into place', { pauseBefore: 'report.md' }, 'incomplete'],
    ['before results.json goes into place', { pauseBefore: 'results.json' }, 'incomplete'],
  ])('%s: the earlier results or none; the next run completes', async (_name, point, seen) => {
    await killAt(other(), out(), point);
    expect(await readerSees()).toBe(seen);
    // The dead run still "holds" the lock: its file names a pid that no longer runs.
    expect(existsSync(join(out(), LOCK_FILE))).toBe(true);
    const next = await runCli(complete());
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/taking over the lock of reproduce \(pid \d+/);
    expect(next.stderr).toMatch(/removed .*\.tmp, left by an interrupted run/);
    expect(await tmpFiles(out())).toEqual([]);
    expect(await visibleFiles(out())).toEqual(before);
  }, 120_000);
});
