import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes, digestFile, writeFileAtomic } from '../../../src/adapters/snapshot/files.js';

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
