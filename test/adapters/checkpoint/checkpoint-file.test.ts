import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpointFile, writeCheckpointFile } from '../../../src/adapters/checkpoint/checkpoint-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dyadflow-ckpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkpoint file', () => {
  it('round-trips metadata and arrays of every type, odd lengths and empty ones included', async () => {
    const path = join(dir, 'a.ckpt');
    const arrays = {
      ids: Int32Array.from([5, -1, 2147483647]),
      mask: Uint8Array.from([1, 2, 7, 0, 3]),
      times: Float64Array.from([1.5, -0, Number.MAX_VALUE]),
      empty: new Float32Array(0),
      small: Int8Array.from([-128]),
      packed: Uint32Array.from([0xffffffff, 1]),
    };
    const d = await writeCheckpointFile(path, { kind: 'test', meta: { window: '2015-W34', positions: { a: 1 } }, arrays });
    expect(d.bytes).toBe((await readFile(path)).length);
    const back = await readCheckpointFile(path, 'test');
    expect(back.meta).toEqual({ window: '2015-W34', positions: { a: 1 } });
    for (const [name, a] of Object.entries(arrays)) {
      expect(back.arrays[name]!.constructor).toBe(a.constructor);
      expect(Array.from(back.arrays[name]!)).toEqual(Array.from(a));
    }
    expect(Object.is(back.arrays.times![1], -0)).toBe(true);
  });

  it('writes the same bytes for the same content whatever the key order', async () => {
    const a = join(dir, 'o1.ckpt');
    const b = join(dir, 'o2.ckpt');
    await writeCheckpointFile(a, { kind: 'k', meta: null, arrays: { x: Int32Array.from([1]), y: Uint8Array.from([2]) } });
    await writeCheckpointFile(b, { kind: 'k', meta: null, arrays: { y: Uint8Array.from([2]), x: Int32Array.from([1]) } });
    expect(await readFile(a)).toEqual(await readFile(b));
  });

  it('refuses a truncated file, another kind, an unknown version and a file of something else', async () => {
    const path = join(dir, 't.ckpt');
    await writeCheckpointFile(path, { kind: 'k', meta: {}, arrays: { x: new Float64Array(100) } });
    await expect(readCheckpointFile(path, 'other')).rejects.toThrow(/holds k, expected other/);
    const bytes = await readFile(path);
    const v2 = Buffer.from(bytes);
    v2.writeUInt32LE(2, 8);
    await writeFile(join(dir, 'v2.ckpt'), v2);
    await expect(readCheckpointFile(join(dir, 'v2.ckpt'), 'k')).rejects.toThrow(/format version 2; this build reads version 1/);
    await truncate(path, bytes.length - 8);
    await expect(readCheckpointFile(path, 'k')).rejects.toThrow(/truncated/);
    await writeFile(join(dir, 'x.ckpt'), 'user_id\titem_id\n1\t2\n');
    await expect(readCheckpointFile(join(dir, 'x.ckpt'), 'k')).rejects.toThrow(/bad magic/);
  });
});
