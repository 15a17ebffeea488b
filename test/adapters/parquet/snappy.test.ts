import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snappyCompress, snappyHash, snappyMaxCompressedLength } from '../../../src/adapters/parquet/snappy.js';
import { Rng } from '../../../src/core/random/rng.js';

// snappyjs as parquetjs-lite loads it: the reference.
const fromParquetjs = createRequire(createRequire(import.meta.url).resolve('parquetjs-lite/package.json'));
const snappyjs = fromParquetjs('snappyjs') as { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array };

function ours(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(snappyMaxCompressedLength(input.length));
  return out.slice(0, snappyCompress(input, out));
}

function expectSameAsSnappyjs(input: Uint8Array): void {
  const expected = snappyjs.compress(input);
  const got = ours(input);
  expect(Buffer.compare(Buffer.from(got), Buffer.from(expected))).toBe(0);
  expect(Buffer.compare(Buffer.from(snappyjs.uncompress(got)), Buffer.from(input))).toBe(0);
}

/** Bytes of typed-array columns like a page's: doubles with zeros and repeats, small ints, sorted ids. */
function columnLike(kind: number, n: number, seed: number): Uint8Array {
  const rng = Rng.fromSeed(seed);
  if (kind === 0) return new Uint8Array(Float64Array.from({ length: n }, () => (rng.nextInt(8) === 0 ? 0 : rng.nextInt(4) === 0 ? rng.nextInt(7) / 6 : rng.nextFloat())).buffer);
  if (kind === 1) return new Uint8Array(Int32Array.from({ length: n }, () => rng.nextInt(30)).buffer);
  let id = rng.nextInt(1000);
  return new Uint8Array(Int32Array.from({ length: n }, () => (id += rng.nextInt(50) === 0 ? 1 + rng.nextInt(3) : 0)).buffer);
}

describe('snappyCompress', () => {
  it('hashes with snappyjs’s floating-point product, not a 32-bit integer one', () => {
    // snappyjs: (key * 0x1e35a7bd) >>> shift; for this key Math.imul would give slot 3992 of 2^14.
    expect(snappyHash(-1818979771, 18)).toBe(3993);
    expect(Math.imul(-1818979771, 0x1e35a7bd) >>> 18).toBe(3992);
    expect(snappyHash(0x04030201, 18)).toBe((0x04030201 * 0x1e35a7bd) >>> 18);
  });

  it.each<[string, Uint8Array]>([
    ['empty', new Uint8Array(0)],
    ['shorter than the margin', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])],
    ['15 equal bytes', new Uint8Array(15).fill(7)],
    // Distinct bytes have no 4-byte match: one literal of the whole input, at each boundary of its length's form.
    ...[59, 60, 61, 255, 256, 257].map((n) => [`one literal of ${n} bytes`, Uint8Array.from({ length: n }, (_, i) => i)] as [string, Uint8Array]),
    ['one fragment of zeros', new Uint8Array(1 << 16)],
    ['long runs: copies of 64, 65..67, 68', Uint8Array.from({ length: 5000 }, (_, i) => (i % 400 < 131 ? 0 : i & 0xff))],
    ['three fragments and a bit of doubles', columnLike(0, 3 * 8192 + 77, 5)],
    ['small ints', columnLike(1, 4096, 6)],
    ['sorted ids', columnLike(2, 4096, 7)],
  ])('writes snappyjs’s bytes: %s', (_name, input) => {
    expectSameAsSnappyjs(input);
  });

  it('writes snappyjs’s bytes for random inputs (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 8 }), (raw, alphabet) => {
        // A small alphabet makes matches; a large one literals.
        expectSameAsSnappyjs(raw.map((b) => b % (alphabet * 32)));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 20_000 }), fc.integer(), (kind, n, seed) => {
        expectSameAsSnappyjs(columnLike(kind, n, seed));
      }),
      { numRuns: 60 },
    );
  });
});
