// Issue 9 item 2: two runs on one output directory, as two real processes started together
// (`features --out O --k 50 & features --out O --k 5`). Exactly one exits 0 and the other exits 2 naming the
// holder; the snapshot left is whole: its manifest's checksums match its files and DuckDB reads every row.
// The pause hook holds whichever run wins the lock just before its first file goes into place, until the other
// has ended, so the two always overlap however the machine schedules them.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestFile } from '../../src/adapters/fs/atomic-file.js';
import { LOCK_FILE } from '../../src/adapters/fs/dir-lock.js';
import { readSnapshotManifest } from '../../src/adapters/snapshot/manifest.js';
import { runCli } from '../helpers/cli.js';
import { compiledCli, startCli } from '../helpers/cli-process.js';

const HOOK = fileURLToPath(new URL('./pause-hook.mjs', import.meta.url));

let root: string;
let data: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-concurrent-'));
  data = join(root, 'data');
  expect((await runCli(['generate', '--preset', 'tiny', '--out', data])).code).toBe(0);
  await compiledCli();
}, 120_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A reader's check of a snapshot: the manifest's checksums match the files, and DuckDB reads the rows it counts. */
async function checkSnapshot(out: string): Promise<{ k: number }> {
  const manifest = await readSnapshotManifest(out);
  for (const [name, digest] of Object.entries(manifest.files)) expect(await digestFile(join(out, name)), name).toEqual(digest);
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const reader = await db.runAndReadAll(`select count(*)::INTEGER as n, sum(win_mean) is not null as ok from '${join(out, 'features.parquet')}'`);
    expect(reader.getRowObjects()).toEqual([{ n: manifest.rows.total, ok: true }]);
  } finally {
    db.closeSync();
  }
  return { k: manifest.options.features.k };
}

describe('two features runs on one --out at once', () => {
  it.each([1, 2])('exactly one writes the snapshot, the other exits 2 naming the holder (round %i)', async (round) => {
    const out = join(root, `out-${round}`);
    const resume = join(root, `resume-${round}`);
    const env = { DYADFLOW_TEST_PAUSE_BEFORE_RENAME: 'features.parquet', DYADFLOW_TEST_RESUME_FILE: resume };
    const args = (k: string) => ['features', '--data', data, '--out', out, '--k', k, '--min-item-users', '0', '--min-user-items', '0'];
    const a = await startCli(args('50'), { env, nodeArgs: ['--import', HOOK] });
    const b = await startCli(args('5'), { env, nodeArgs: ['--import', HOOK] });
    // The loser ends at the lock; the winner waits before its first rename until the loser has ended. (Without a
    // lock both would wait there: after 30 s both are let go, and the checks below fail.)
    const loser = await Promise.race([a.done.then(() => a), b.done.then(() => b), new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    await writeFile(resume, '');
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(loser, `neither run ended while the other held ${out}: ${ra.code} ${ra.stderr} / ${rb.code} ${rb.stderr}`).not.toBeNull();
    const lost = loser === a ? ra : rb;
    const won = loser === a ? rb : ra;
    expect(lost.code, lost.stderr).toBe(2);
    expect(lost.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^dyadflow: .*out-\d is in use by features \(pid \d+ on .*\); wait for it to finish or choose another --out$/)]);
    expect(lost.stdout).toBe('');
    expect(won.code, won.stderr).toBe(0);
    const { k } = await checkSnapshot(out);
    expect(k).toBe(loser === a ? 5 : 50);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  }, 120_000);
});
