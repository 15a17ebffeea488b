// Issue 9 item 6: one durable atomic write. Every file a command leaves behind went through
// src/adapters/fs/atomic-file.ts (writeFileAtomic or createAtomicFile): the spies below call the real functions
// and record the paths.
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.js';

const written = vi.hoisted(() => new Set<string>());

vi.mock('../../src/adapters/fs/atomic-file.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/adapters/fs/atomic-file.js')>();
  return {
    ...real,
    writeFileAtomic: async (path: string, data: Uint8Array | string) => {
      const digest = await real.writeFileAtomic(path, data);
      written.add(path);
      return digest;
    },
    createAtomicFile: async (path: string) => {
      const file = await real.createAtomicFile(path);
      const commit = file.commit.bind(file);
      return Object.assign(Object.create(file) as typeof file, {
        write: file.write.bind(file),
        abort: file.abort.bind(file),
        commit: async () => {
          const digest = await commit();
          written.add(path);
          return digest;
        },
      });
    },
    // A library that writes its own `.tmp` commits it through this one (while one does).
    ...('commitTmpFile' in real
      ? {
          commitTmpFile: async (path: string) => {
            await (real as unknown as { commitTmpFile: (p: string) => Promise<void> }).commitTmpFile(path);
            written.add(path);
          },
        }
      : {}),
  };
});

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-atomic-writes-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

describe('every file goes through the one durable atomic write', () => {
  it('generate, stats --dead-letters, features and reproduce --out', async () => {
    const data = join(root, 'data');
    expect((await runCli(['generate', '--preset', 'tiny', '--out', data])).code).toBe(0);
    const dataFiles = await filesUnder(data);
    expect(dataFiles.map((f) => f.slice(data.length + 1))).toEqual(expect.arrayContaining(['impressions.csv', 'interactions.csv', 'items.csv', 'users.csv']));
    await appendFile(join(data, 'interactions.csv'), 'x\t1\t1\t1\n');
    const letters = join(root, 'letters.ndjson');
    expect((await runCli(['stats', '--data', data, '--dead-letters', letters])).code).toBe(0);
    const features = join(root, 'features');
    expect((await runCli(['features', '--data', data, '--out', features])).code).toBe(0);
    const results = join(root, 'results');
    const r = await runCli(['reproduce', '--data', data, '--out', results, '--grid-l2', '0.001', '--max-epochs', '2']);
    expect(r.code, r.stderr).toBe(0);
    const all = [...dataFiles, letters, ...(await filesUnder(features)), ...(await filesUnder(results))];
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((f) => !written.has(f))).toEqual([]);
  }, 120_000);
});
