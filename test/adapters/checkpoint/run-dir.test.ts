import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppendOnlyFile,
  checkRunConfig,
  jsonDifferences,
  latestRunCheckpoint,
  pruneWindows,
  readLatestModel,
  recoverRunDirectory,
  writeLatestModel,
  writeRunCheckpoint,
} from '../../../src/adapters/checkpoint/run-dir.js';

let root: string;
let n = 0;
const fresh = async (): Promise<string> => {
  const d = join(root, `d${n++}`);
  await mkdir(d, { recursive: true });
  return d;
};
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-rundir-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('run configuration', () => {
  it('lists the paths where two option objects differ', () => {
    expect(jsonDifferences({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } })).toEqual(['b.c[1]']);
    expect(jsonDifferences({ a: 1 }, { a: 1, k: 5 })).toEqual(['k']);
    expect(jsonDifferences({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it('stores the options once and refuses other options naming each difference', async () => {
    const d = await fresh();
    expect(await checkRunConfig(d, { seed: 1, window: 604800, features: { k: 50 } })).toEqual({ existed: false });
    expect(await checkRunConfig(d, { seed: 1, window: 604800, features: { k: 50 } })).toEqual({ existed: true });
    await expect(checkRunConfig(d, { seed: 2, window: 604800, features: { k: 5 } })).rejects.toThrow(
      /features\.k: 50 in the directory, 5 now; seed: 1 in the directory, 2 now/,
    );
  });
});

describe('append-only files', () => {
  it('append, report their length, and truncate back to a checkpointed length on reopen', async () => {
    const d = await fresh();
    const path = join(d, 'metrics.ndjson');
    const f = await AppendOnlyFile.open(path);
    await f.append('{"a":1}\n');
    const mark = f.bytes;
    await f.append('{"a":2}\n');
    await f.close();
    const g = await AppendOnlyFile.open(path, mark);
    expect(g.bytes).toBe(mark);
    await g.append('{"a":3}\n');
    await g.close();
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"a":3}\n');
    await expect(AppendOnlyFile.open(path, 10_000)).rejects.toThrow(/changed outside dyadflow/);
  });
});

describe('checkpoints and recovery', () => {
  it('keeps the newest two and falls back to an older one when the newest is damaged', async () => {
    const d = await fresh();
    for (let seq = 1; seq <= 3; seq++) {
      await writeRunCheckpoint(d, seq, `2015-W3${seq}`, { kind: 'stream', meta: { seq }, arrays: { a: Int32Array.from([seq]) } });
    }
    expect((await readdir(join(d, 'state'))).sort()).toEqual(['00000002-2015-W32.ckpt', '00000003-2015-W33.ckpt']);
    expect((await latestRunCheckpoint(d, 'stream'))?.content.meta).toEqual({ seq: 3 });
    await writeFile(join(d, 'state', '00000003-2015-W33.ckpt'), 'garbage');
    const skipped: string[] = [];
    const found = await latestRunCheckpoint(d, 'stream', (m) => skipped.push(m));
    expect(found?.seq).toBe(2);
    expect(found?.windowId).toBe('2015-W32');
    expect(skipped).toHaveLength(1);
    expect(await latestRunCheckpoint(await fresh(), 'stream')).toBeNull();
  });

  it('recovery removes .tmp files and the windows after the checkpoint, and nothing else', async () => {
    const d = await fresh();
    for (const id of ['2015-W34', '2015-W35', '2015-W36']) {
      await mkdir(join(d, 'snapshots', id), { recursive: true });
      await writeFile(join(d, 'snapshots', id, 'features.parquet'), 'x');
      await mkdir(join(d, 'models', id), { recursive: true });
    }
    await writeFile(join(d, 'snapshots', '2015-W35', 'features.arrow.tmp'), 'half');
    await writeFile(join(d, 'metrics.ndjson.tmp'), 'half');
    await writeFile(join(d, 'notes.txt'), 'mine');
    await writeLatestModel(d, '2015-W35');
    const removed = await recoverRunDirectory(d, (id) => id <= '2015-W35');
    expect(removed.sort()).toEqual(['metrics.ndjson.tmp', 'models/2015-W36/', 'snapshots/2015-W35/features.arrow.tmp', 'snapshots/2015-W36/'].sort());
    expect(await readdir(join(d, 'snapshots'))).toEqual(['2015-W34', '2015-W35']);
    expect(await readFile(join(d, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readLatestModel(d)).toBe('2015-W35');
  });

  it('--keep prunes the oldest windows but never the protected model', async () => {
    const d = await fresh();
    for (const id of ['2015-W34', '2015-W35', '2015-W36']) {
      await mkdir(join(d, 'snapshots', id), { recursive: true });
      await mkdir(join(d, 'models', id), { recursive: true });
    }
    expect(await pruneWindows(d, 1, '2015-W35')).toEqual(['2015-W34', '2015-W35']);
    expect(await readdir(join(d, 'snapshots'))).toEqual(['2015-W36']);
    expect((await readdir(join(d, 'models'))).sort()).toEqual(['2015-W35', '2015-W36']);
  });
});
