// The lifecycle of a `dyadflow run` directory (issue 11 item 5, architecture.md "An output directory of run"), in
// process on a small hand-made input of four weekly windows: a finished directory rerun does nothing; a resume with
// another option or seed is refused naming the difference; a format version this build does not know (run.json, a
// checkpoint's container or metadata, a model, a window manifest) is refused with a clear message; --keep 2 keeps
// the newest two snapshots and models (LATEST's among them) and nothing else changes; `status` on a run directory
// and on folders that are not one. (A directory held by a live run: test/faults/stream-lifecycle.test.ts.)
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWindowManifest } from '../../src/adapters/snapshot/window-manifest.js';
import { runCli } from '../helpers/cli.js';

let root: string;
let data: string;
let finished: string;
const WINDOWS = ['2015-W34', '2015-W35', '2015-W36', '2015-W37'];

/** Four weeks of a small world: 8 users, 12 items, impressions every week and clicks, bookmarks and replies. */
function smallInput(): { interactions: string; impressions: string } {
  const interactions = ['user_id\titem_id\tinteraction_type\tcreated_at'];
  const impressions = ['user_id\tyear\tweek\titems'];
  for (let w = 0; w < 4; w++) {
    const weekS = 1439769600 + w * 7 * 86400; // 2015-W34 + w
    for (let u = 1; u <= 8; u++) {
      const shown = [0, 1, 2, 3, 4].map((k) => 100 + ((u * 3 + w * 5 + k * 2) % 12));
      impressions.push(`${u}\t2015\t${34 + w}\t${[...new Set(shown)].join(',')}`);
    }
    let t = weekS + 3600;
    for (let u = 1; u <= 8; u++) {
      for (let k = 0; k < 3; k++) {
        const item = 100 + ((u * 3 + w * 5 + k * 2) % 12);
        const type = 1 + ((u + k + w) % 3 === 0 ? 1 : 0) + ((u * k) % 5 === 1 ? 1 : 0);
        interactions.push(`${u}\t${item}\t${type}\t${(t += 977)}`);
      }
    }
  }
  return { interactions: interactions.join('\n') + '\n', impressions: impressions.join('\n') + '\n' };
}

/** Every file of a directory (but run.log and the lock) and its bytes. */
async function contents(dir: string): Promise<Record<string, string>> {
  const all: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name === 'run.log' || e.name === '.dyadflow.lock') continue;
    const p = join(e.parentPath, e.name);
    all[p.slice(dir.length + 1)] = await readFile(p, 'latin1');
  }
  return all;
}

const run = (out: string, ...more: string[]): ReturnType<typeof runCli> => runCli(['run', '--source', `file:${data}`, '--out', out, ...more]);

/** A copy of the finished directory to damage. */
async function copyOfFinished(name: string): Promise<string> {
  const dir = join(root, name);
  await cp(finished, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-run-lifecycle-'));
  data = join(root, 'data');
  await mkdir(data);
  const input = smallInput();
  await writeFile(join(data, 'interactions.csv'), input.interactions);
  await writeFile(join(data, 'impressions.csv'), input.impressions);
  finished = join(root, 'finished');
  const r = await run(finished);
  expect(r.code, r.stderr).toBe(0);
  expect(await readdir(join(finished, 'snapshots'))).toEqual(WINDOWS);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dyadflow run directory lifecycle', () => {
  it('a rerun on a finished directory does nothing and exits 0', async () => {
    const before = await contents(finished);
    const log = await readFile(join(finished, 'run.log'), 'utf8');
    const r = await run(finished);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\n2015-W37 .* –\n\ninput ended: 0 windows in [\d.]+ s \(4 in .* in all\), resumed after 2015-W37; latest model 2015-W37\n/);
    expect(await contents(finished)).toEqual(before);
    expect((await readFile(join(finished, 'run.log'), 'utf8')).slice(log.length)).toMatch(/run resumes after 2015-W37 \(checkpoint 4\)[^]*input ended: 0 window\(s\) here, 4 in all/);
  });

  it('a resume with another option or seed exits 2 naming each difference, and touches nothing', async () => {
    const before = await contents(finished);
    const log = await readFile(join(finished, 'run.log'), 'utf8');
    const seed = await run(finished, '--seed', '2');
    expect(seed.code).toBe(2);
    expect(seed.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^dyadflow: .*finished was started with other options; resume with the same ones or choose another --out \(model\.seed: 1 in the directory, 2 now; seed: 1 in the directory, 2 now\)$/),
    ]);
    const k = await run(finished, '--k', '5', '--window', '1d');
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(/\(features\.k: 50 in the directory, 5 now; windowS: 604800 in the directory, 86400 now\)\n$/);
    const epochs = await run(finished, '--epochs-per-window', '3');
    expect(epochs.code).toBe(2);
    expect(epochs.stderr).toMatch(/epochsPerWindow: 5 in the directory, 3 now; model\.maxEpochs: 5 in the directory, 3 now/);
    expect(await contents(finished)).toEqual(before);
    expect(await readFile(join(finished, 'run.log'), 'utf8')).toBe(log);
  });

  it('refuses a run.json format version it does not know', async () => {
    const dir = await copyOfFinished('config-version');
    const path = join(dir, 'run.json');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"formatVersion": 1', '"formatVersion": 7'));
    const r = await run(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`dyadflow: ${path}: run configuration format version 7; this build reads version 1\n`);
  });

  it("refuses a checkpoint whose container or metadata version it does not know (run and status)", async () => {
    const container = await copyOfFinished('checkpoint-version');
    const name = (await readdir(join(container, 'state'))).sort().at(-1)!;
    const path = join(container, 'state', name);
    const bytes = await readFile(path);
    bytes.writeUInt32LE(3, 8); // the container's version, after the magic
    await writeFile(path, bytes);
    for (const argv of [['run', '--source', `file:${data}`, '--out', container], ['status', '--out', container]]) {
      const r = await runCli(argv);
      expect(r.code, argv[0]).toBe(2);
      expect(r.stderr).toBe(`dyadflow: ${path}: checkpoint format version 3; this build reads version 1\n`);
    }

    const meta = await copyOfFinished('checkpoint-meta-version');
    const metaPath = join(meta, 'state', name);
    const text = (await readFile(metaPath)).toString('latin1');
    expect(text).toContain('"meta":{"formatVersion":1,');
    await writeFile(metaPath, Buffer.from(text.replace('"meta":{"formatVersion":1,', '"meta":{"formatVersion":4,'), 'latin1'));
    for (const argv of [['run', '--source', `file:${data}`, '--out', meta], ['status', '--out', meta]]) {
      const r = await runCli(argv);
      expect(r.code, argv[0]).toBe(2);
      expect(r.stderr).toBe(`dyadflow: ${metaPath}: checkpoint metadata version 4; this build reads version 1\n`);
    }
  });

  it("refuses a model whose format version it does not know (the checkpoint's model, loaded on resume)", async () => {
    // Resume after 2015-W36 (its checkpoint kept, the newest removed), so the run must load the 2015-W36 model.
    const dir = await copyOfFinished('model-version');
    const newest = (await readdir(join(dir, 'state'))).sort().at(-1)!;
    await rm(join(dir, 'state', newest));
    const manifest = join(dir, 'models', '2015-W36', 'manifest.json');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace(/"formatVersion": \d+/, '"formatVersion": 9'));
    const fds = (await readdir('/proc/self/fd')).length;
    const r = await run(dir);
    // A refused resume closes what it opened (run.log, metrics.ndjson, dead-letters.ndjson) before it ends.
    expect((await readdir('/proc/self/fd')).length).toBe(fds);
    // Exit 2, as for the run's own files' unknown versions: retrying will not help.
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\ndyadflow: model .*models\/2015-W36: format version 9 is not supported; this dyadflow reads version \d+\n$/);
  });

  it("a window manifest's reader refuses a format version it does not know", async () => {
    const dir = await copyOfFinished('manifest-version');
    const snap = join(dir, 'snapshots', '2015-W35');
    expect((await readWindowManifest(snap)).window.id).toBe('2015-W35');
    const path = join(snap, 'manifest.json');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"formatVersion": 1', '"formatVersion": 2'));
    await expect(readWindowManifest(snap)).rejects.toThrow(`${path}: window manifest format version 2 is not supported (this dyadflow reads version 1)`);
  });

  it('--keep 2 keeps the newest two snapshots and models (LATEST names the newest); everything else is as without it', async () => {
    const out = join(root, 'keep');
    const r = await run(out, '--keep', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(join(out, 'snapshots'))).toEqual(WINDOWS.slice(2));
    expect((await readdir(join(out, 'models'))).sort()).toEqual(['2015-W36', '2015-W37', 'LATEST']);
    expect((await readFile(join(out, 'models', 'LATEST'), 'utf8')).trim()).toBe('2015-W37');
    expect(await readFile(join(out, 'run.log'), 'utf8')).toMatch(/--keep 2: pruned 2015-W34\n[^]*--keep 2: pruned 2015-W35\n/);
    // The kept files, metrics.ndjson, report.md, the charts and the dead letters are the run without --keep's.
    const all = await contents(finished);
    const kept = Object.fromEntries(Object.entries(all).filter(([p]) => !/^(snapshots|models)\/2015-W3[45]\//.test(p)));
    expect(await contents(out)).toEqual(kept);
  });

  it('status: a run directory, a folder that is not one, a missing folder', async () => {
    const text = await runCli(['status', '--out', finished]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^last checkpointed window: 2015-W37 \[2015-09-07T00:00:00Z, 2015-09-14T00:00:00Z\) \(checkpoint 4, 4 window\(s\) in all, input ended\)\n/);
    expect(text.stdout).toMatch(/\nmodel published: 2015-W37 \(mtl, parent 2015-W36, \d+ epochs in all, 8 users, 12 items\)\n$/);
    const json = await runCli(['status', '--out', finished, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      checkpoint: { seq: 4, window: { id: '2015-W37' }, windowsTotal: 4, ended: true, modelId: '2015-W37', position: { source: 'recsys16-files' } },
      latestModel: { id: '2015-W37', kind: 'mtl', parent: '2015-W36' },
      lag: null,
    });
    for (const dir of [data, join(root, 'nowhere')]) {
      const r = await runCli(['status', '--out', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`dyadflow: ${dir}: not a dyadflow run directory (no run.json)\n`);
      expect(r.stdout).toBe('');
    }
    // A run directory before its first checkpoint.
    const young = join(root, 'young');
    await mkdir(young);
    await cp(join(finished, 'run.json'), join(young, 'run.json'));
    const y = await runCli(['status', '--out', young]);
    expect(y.code, y.stderr).toBe(0);
    expect(y.stdout).toBe('no window checkpointed yet\nno model published yet\n');
  });
});
