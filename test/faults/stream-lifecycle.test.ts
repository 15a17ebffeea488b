// Lifecycle cases of a `dyadflow run` directory that need a real second process (issue 11 item 5): a run on a
// directory that a live run holds exits 2 naming the holder (and `status` still reads it); once the holder is
// killed the next run takes its lock over and completes. And --keep after a kill between the last window's
// checkpoint and its pruning: the rerun prunes, so the directory equals an uninterrupted --keep run's.
// (The in-process cases: test/cli/run-lifecycle.test.ts.)
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { compiledCli } from '../helpers/cli-process.js';
import { STOPPED, fileDigests, reproducible, startRun, tail, tmpFiles } from './stream-process.js';

let root: string;
let data: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-stream-lifecycle-'));
  data = join(root, 'data');
  expect((await runCli(['generate', '--preset', 'tiny', '--seed', '2', '--out', data])).code).toBe(0);
  await compiledCli();
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dyadflow run directory held or half pruned', () => {
  it('a second run on a directory a live run holds exits 2 naming the holder; after the holder dies its lock is taken over', async () => {
    const out = join(root, 'held');
    const args = ['run', '--source', `file:${data}`, '--out', out];
    const holder = await startRun(args, { at: 'phase:2015-W35:train' });
    await holder.waitFor(STOPPED);
    const second = await runCli(args);
    expect(second.code).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(
      new RegExp(`^dyadflow: ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is in use by run \\(pid ${holder.child.pid} on [^,]+, since [^)]+\\); wait for it to finish or choose another --out\\n$`),
    );
    // status takes no lock: it reads the holder's last checkpoint.
    const status = await runCli(['status', '--out', out, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ checkpoint: { window: { id: '2015-W34' } }, latestModel: { id: '2015-W34' } });
    await holder.kill();
    const next = await startRun(args);
    const r = await next.done;
    expect(r.code, tail(r.stderr)).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`taking over the lock of run \\(pid ${holder.child.pid} on .*\\), which is no longer running`));
  }, 120_000);

  it('--keep 2: killed after the last checkpoint, before pruning; the rerun prunes and matches an uninterrupted run', async () => {
    const ref = join(root, 'keep-ref');
    const a = await runCli(['run', '--source', `file:${data}`, '--out', ref, '--keep', '2']);
    expect(a.code, a.stderr).toBe(0);
    const out = join(root, 'keep-killed');
    const args = ['run', '--source', `file:${data}`, '--out', out, '--keep', '2'];
    const proc = await startRun(args, { at: 'renamed:-2015-W39.ckpt', window: '2015-W39' });
    await proc.waitFor(STOPPED);
    await proc.kill();
    // As the kill left it: three windows and three checkpoints.
    expect(await readdir(join(out, 'snapshots'))).toEqual(['2015-W37', '2015-W38', '2015-W39']);
    expect(await readdir(join(out, 'state'))).toHaveLength(3);
    const b = await startRun(args);
    const r = await b.done;
    expect(r.code, tail(r.stderr)).toBe(0);
    expect(r.stdout).toMatch(/input ended: 0 windows/);
    expect(await readdir(join(out, 'snapshots'))).toEqual(['2015-W38', '2015-W39']);
    expect((await readdir(join(out, 'models'))).sort()).toEqual(['2015-W38', '2015-W39', 'LATEST']);
    expect(await tmpFiles(out)).toEqual([]);
    expect(await fileDigests(out, (p) => !reproducible(p))).toEqual(await fileDigests(ref, (p) => !reproducible(p)));
  }, 120_000);
});
