// Snappy compression of Parquet pages, byte for byte as snappyjs 0.6.1 (parquetjs-lite's compressor) writes them,
// and about twice as fast (bench/parquet.ts). Format: Google's Snappy "format_description.txt" (a varint of the
// uncompressed length, then literal and copy elements); the match finding is the reference compressor's, as
// snappyjs follows it: input in 64 KiB fragments, each with its own hash table of 2^⌈log2⌉ ≤ 16,384 entries over
// 4-byte keys, hashed as (key × 0x1e35a7bd) >>> (32 − bits), probing with a step that grows by one every 32 misses,
// copies emitted in pieces of at most 64 bytes. snappyjs computes the hash product in floating point (the product
// of two 32-bit numbers rounded to 53 bits) and the key as a signed 32-bit little-endian read: done the same way
// here, or the hash slots and so the bytes would differ. What is faster: 4-byte loads and compares through one
// DataView read instead of four byte reads, match extension four bytes at a time, literal copies with
// TypedArray.set, the hash table cleared with fill, and no allocation (the caller's output buffer is reused).
// test/adapters/parquet/snappy.test.ts holds it to snappyjs on varied inputs.

/** Fragment size: each is compressed independently. */
const FRAGMENT_BYTES = 1 << 16;
const MAX_HASH_BITS = 14;
/** Inputs shorter than this (per fragment) are one literal; the scan stops this far from a fragment's end. */
const INPUT_MARGIN = 15;
const HASH_MULTIPLIER = 0x1e35a7bd;

const hashTables: Uint16Array[] = [];

/**
 * The hash slot of a 4-byte key (a signed 32-bit little-endian read) for a table of 2^(32 − shift) entries. The
 * product is a floating-point one, as in snappyjs: a 32-bit integer product (Math.imul) differs in the kept bits
 * for some keys (e.g. -1818979771), which would move matches and change the bytes.
 */
export function snappyHash(key: number, shift: number): number {
  return (key * HASH_MULTIPLIER) >>> shift;
}

/** The largest compressed size of `n` bytes (what the output buffer must hold). */
export function snappyMaxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

function literal(input: Uint8Array, from: number, length: number, out: Uint8Array, op: number): number {
  const n = length - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (length < 256) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  }
  if (length > 16) {
    out.set(input.subarray(from, from + length), op);
  } else {
    for (let i = 0; i < length; i++) out[op + i] = input[from + i]!;
  }
  return op + length;
}

/** One copy element of 1..64 bytes (a 1-byte-offset form when it fits, else the 2-byte-offset form). */
function copyElement(out: Uint8Array, op: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    out[op] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op + 1] = offset & 0xff;
    return op + 2;
  }
  out[op] = 2 | ((length - 1) << 2);
  out[op + 1] = offset & 0xff;
  out[op + 2] = offset >>> 8;
  return op + 3;
}

function copy(out: Uint8Array, op: number, offset: number, length: number): number {
  // Pieces of 64; a remainder of 65..67 is cut 60 + 5..7 so that no piece is shorter than 4.
  while (length >= 68) {
    op = copyElement(out, op, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    op = copyElement(out, op, offset, 60);
    length -= 60;
  }
  return copyElement(out, op, offset, length);
}

function compressFragment(input: Uint8Array, view: DataView, base: number, size: number, out: Uint8Array, op: number): number {
  let bits = 1;
  while (1 << bits <= size && bits <= MAX_HASH_BITS) bits++;
  bits--;
  const shift = 32 - bits;
  const table = (hashTables[bits] ??= new Uint16Array(1 << bits));
  table.fill(0);
  const end = base + size;
  let emitFrom = base;
  if (size >= INPUT_MARGIN) {
    const limit = end - INPUT_MARGIN;
    let ip = base + 1;
    let nextHash = snappyHash(view.getInt32(ip, true), shift);
    scan: for (;;) {
      // Probe for a 4-byte match, stepping further the longer nothing matches.
      let skip = 32;
      let next = ip;
      let candidate: number;
      for (;;) {
        ip = next;
        const hash = nextHash;
        next = ip + (skip >>> 5);
        skip++;
        if (ip > limit) break scan;
        // A probe past the limit ends the scan before its hash is used (and may lie past the input's end).
        if (next <= limit) nextHash = snappyHash(view.getInt32(next, true), shift);
        candidate = base + table[hash]!;
        table[hash] = ip - base;
        if (view.getInt32(ip, true) === view.getInt32(candidate, true)) break;
      }
      op = literal(input, emitFrom, ip - emitFrom, out, op);
      // Emit copies while the position after one starts another match.
      for (;;) {
        const start = ip;
        let matched = 4;
        while (ip + matched + 4 <= end && view.getInt32(ip + matched, true) === view.getInt32(candidate + matched, true)) matched += 4;
        while (ip + matched < end && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = copy(out, op, start - candidate, matched);
        emitFrom = ip;
        if (ip >= limit) break scan;
        table[snappyHash(view.getInt32(ip - 1, true), shift)] = ip - 1 - base;
        const hash = snappyHash(view.getInt32(ip, true), shift);
        candidate = base + table[hash]!;
        table[hash] = ip - base;
        if (view.getInt32(ip, true) !== view.getInt32(candidate, true)) break;
      }
      ip++;
      nextHash = snappyHash(view.getInt32(ip, true), shift);
    }
  }
  if (emitFrom < end) op = literal(input, emitFrom, end - emitFrom, out, op);
  return op;
}

/** Compresses `input` into `out` (at least snappyMaxCompressedLength(input.length) bytes); returns the length. */
export function snappyCompress(input: Uint8Array, out: Uint8Array): number {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  let op = 0;
  // The uncompressed length as a varint.
  for (let n = input.length; ; ) {
    if (n < 0x80) {
      out[op++] = n;
      break;
    }
    out[op++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  for (let at = 0; at < input.length; at += FRAGMENT_BYTES) {
    op = compressFragment(input, view, at, Math.min(FRAGMENT_BYTES, input.length - at), out, op);
  }
  return op;
}
