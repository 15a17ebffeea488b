import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes, digestFile, writeFileAtomic } from '../../../src/adapters/fs/atomic-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dyadflow-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('snapshot files', () => {
  it('digest bytes with SHA-256 (FIPS 180-2 test vector "abc")', () => {
    expect(digestBytes(Buffer.from('abc'))).toEqual({
      bytes: 3,
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });

  it('write atomically through a .tmp name that does not remain, and digest the file as written', async () => {
    const path = join(dir, 'x.json');
    const d = await writeFileAtomic(path, '{"a":1}\n');
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n');
    expect(await readdir(dir)).toEqual(['x.json']);
    expect(await digestFile(path)).toEqual(d);
    const d2 = await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(d2.bytes).toBe(3);
    expect(await digestFile(path)).toEqual(d2);
  });

  it('fail on a missing directory', async () => {
    await expect(writeFileAtomic(join(dir, 'no', 'x'), 'a')).rejects.toThrow(/ENOENT/);
  });
});

describe('streamed atomic file', () => {
  it('hashes what it writes, leaves no .tmp, and keeps the old file until commit', async () => {
    const { createAtomicFile } = await import('../../../src/adapters/fs/atomic-file.js');
    const path = join(dir, 'stream.bin');
    await writeFileAtomic(path, 'old');
    const f = await createAtomicFile(path);
    await f.write(Buffer.from('ab'));
    await f.write(Buffer.from('c'));
    expect(await readFile(path, 'utf8')).toBe('old');
    const d = await f.commit();
    expect(d).toEqual(digestBytes(Buffer.from('abc')));
    expect(await readFile(path, 'utf8')).toBe('abc');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('abort removes the .tmp and leaves the old file', async () => {
    const { createAtomicFile } = await import('../../../src/adapters/fs/atomic-file.js');
    const path = join(dir, 'aborted.bin');
    await writeFileAtomic(path, 'old');
    const f = await createAtomicFile(path);
    await f.write(Buffer.from('new'));
    await f.abort();
    await f.abort();
    expect(await readFile(path, 'utf8')).toBe('old');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('removeStrayTmpFiles removes only *.tmp names', async () => {
    const { removeStrayTmpFiles } = await import('../../../src/adapters/fs/atomic-file.js');
    const sub = join(dir, 'stray');
    await (await import('node:fs/promises')).mkdir(sub);
    await writeFileAtomic(join(sub, 'keep.json'), '{}');
    await (await import('node:fs/promises')).writeFile(join(sub, 'half.parquet.tmp'), 'x');
    expect(await removeStrayTmpFiles(sub)).toEqual(['half.parquet.tmp']);
    expect(await readdir(sub)).toEqual(['keep.json']);
    expect(await removeStrayTmpFiles(join(dir, 'missing'))).toEqual([]);
  });
});
