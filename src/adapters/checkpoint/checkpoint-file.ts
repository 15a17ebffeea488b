// A checkpoint file (architecture.md, "An output directory of run"): a JSON header and named typed arrays in
// one binary file, written by the one durable atomic write, array by array straight from their memory (no
// concatenated copy), so a checkpoint of a few hundred MB costs its own size in I/O and nothing in RSS.
//
// Layout, format version 1 (little-endian):
//   "DYADCKPT" (8 bytes) · u32 format version · u32 header length H · header (UTF-8 JSON, H bytes)
//   · zero padding to a multiple of 8 · the data part: each array's bytes at the offset the header gives
// The header: { formatVersion, kind, meta, arrays: [{ name, type, length, offset }], bytes } where `offset` is
// from the data part's start (8-aligned) and `bytes` is its size (a shorter file is refused as truncated).
import { open } from 'node:fs/promises';
import { InputError } from '../../core/errors.js';
import { createAtomicFile, type FileDigest } from '../fs/atomic-file.js';

/** The checkpoint container format this build writes and the only one it reads. */
export const CHECKPOINT_FORMAT_VERSION = 1;

const MAGIC = 'DYADCKPT';

/** The typed arrays a checkpoint can hold. */
export type CheckpointArray = Int8Array | Uint8Array | Int32Array | Uint32Array | Float32Array | Float64Array;

type ArrayType = 'i8' | 'u8' | 'i32' | 'u32' | 'f32' | 'f64';

const CONSTRUCTORS: Record<ArrayType, { new (buffer: ArrayBuffer, offset: number, length: number): CheckpointArray; BYTES_PER_ELEMENT: number }> = {
  i8: Int8Array,
  u8: Uint8Array,
  i32: Int32Array,
  u32: Uint32Array,
  f32: Float32Array,
  f64: Float64Array,
};

function typeOf(a: CheckpointArray): ArrayType {
  if (a instanceof Int8Array) return 'i8';
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Float32Array) return 'f32';
  return 'f64';
}

/** What a checkpoint holds: a kind tag, JSON metadata, and named arrays. */
export interface CheckpointContent {
  /** What this file is (e.g. "stream-state"), checked on read. */
  kind: string;
  meta: unknown;
  arrays: Record<string, CheckpointArray>;
}

interface Header {
  formatVersion: number;
  kind: string;
  meta: unknown;
  arrays: { name: string; type: ArrayType; length: number; offset: number }[];
  bytes: number;
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Writes a checkpoint durably and atomically; returns its size and SHA-256. */
export async function writeCheckpointFile(path: string, content: CheckpointContent): Promise<FileDigest> {
  const entries: Header['arrays'] = [];
  let at = 0;
  for (const name of Object.keys(content.arrays).sort()) {
    const a = content.arrays[name]!;
    entries.push({ name, type: typeOf(a), length: a.length, offset: at });
    at = align8(at + a.byteLength);
  }
  const header: Header = { formatVersion: CHECKPOINT_FORMAT_VERSION, kind: content.kind, meta: content.meta, arrays: entries, bytes: at };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const dataStart = align8(16 + json.length);
  const file = await createAtomicFile(path);
  try {
    const prefix = Buffer.alloc(dataStart);
    prefix.write(MAGIC, 0, 'latin1');
    prefix.writeUInt32LE(CHECKPOINT_FORMAT_VERSION, 8);
    prefix.writeUInt32LE(json.length, 12);
    json.copy(prefix, 16);
    await file.write(prefix);
    const zeros = Buffer.alloc(8);
    let pos = 0;
    for (const e of entries) {
      const a = content.arrays[e.name]!;
      if (pos < e.offset) await file.write(zeros.subarray(0, e.offset - pos));
      // Straight from the array's memory, in 64 MiB slices.
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      for (let off = 0; off < bytes.length; off += 1 << 26) await file.write(bytes.subarray(off, Math.min(bytes.length, off + (1 << 26))));
      pos = e.offset + bytes.length;
    }
    if (pos < header.bytes) await file.write(zeros.subarray(0, header.bytes - pos));
    return await file.commit();
  } catch (err) {
    await file.abort();
    throw err;
  }
}

function corrupt(path: string, why: string): InputError {
  return new InputError('DF_ERR_CHECKPOINT', `${path}: not a readable dyadflow checkpoint (${why})`);
}

/** Reads a checkpoint written by writeCheckpointFile; refuses another kind, an unknown version or a truncated file. */
export async function readCheckpointFile(path: string, kind: string): Promise<CheckpointContent> {
  const fh = await open(path, 'r');
  let data: Buffer;
  try {
    const size = (await fh.stat()).size;
    if (size < 16) throw corrupt(path, `${size} bytes`);
    // One ArrayBuffer for the whole file: the arrays are views into it (8-aligned offsets).
    const buffer = new ArrayBuffer(size);
    data = Buffer.from(buffer);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(data, at, Math.min(size - at, 1 << 26), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    if (at !== size) throw corrupt(path, 'short read');
  } finally {
    await fh.close();
  }
  if (data.toString('latin1', 0, 8) !== MAGIC) throw corrupt(path, 'bad magic');
  const version = data.readUInt32LE(8);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new InputError('DF_ERR_CHECKPOINT_VERSION', `${path}: checkpoint format version ${version}; this build reads version ${CHECKPOINT_FORMAT_VERSION}`);
  }
  const headerBytes = data.readUInt32LE(12);
  let header: Header;
  try {
    header = JSON.parse(data.toString('utf8', 16, 16 + headerBytes)) as Header;
  } catch {
    throw corrupt(path, 'bad header');
  }
  if (header.kind !== kind) throw corrupt(path, `holds ${header.kind}, expected ${kind}`);
  const dataStart = align8(16 + headerBytes);
  if (dataStart + header.bytes !== data.length) throw corrupt(path, `truncated: ${data.length} of ${dataStart + header.bytes} bytes`);
  const arrays: Record<string, CheckpointArray> = {};
  for (const e of header.arrays) {
    const C = CONSTRUCTORS[e.type];
    if (!C || e.offset % 8 !== 0 || e.offset + e.length * C.BYTES_PER_ELEMENT > header.bytes) throw corrupt(path, `bad array ${e.name}`);
    arrays[e.name] = new C(data.buffer as ArrayBuffer, data.byteOffset + dataStart + e.offset, e.length);
  }
  return { kind: header.kind, meta: header.meta, arrays };
}

/** Only the kind and metadata of a checkpoint (reads its header, not its arrays): for `dyadflow status`. */
export async function readCheckpointMeta(path: string, kind: string): Promise<unknown> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    if (bytesRead < 16 || head.toString('latin1', 0, 8) !== MAGIC) throw corrupt(path, 'bad magic');
    const version = head.readUInt32LE(8);
    if (version !== CHECKPOINT_FORMAT_VERSION) {
      throw new InputError('DF_ERR_CHECKPOINT_VERSION', `${path}: checkpoint format version ${version}; this build reads version ${CHECKPOINT_FORMAT_VERSION}`);
    }
    const json = Buffer.alloc(head.readUInt32LE(12));
    await fh.read(json, 0, json.length, 16);
    let header: Header;
    try {
      header = JSON.parse(json.toString('utf8')) as Header;
    } catch {
      throw corrupt(path, 'bad header');
    }
    if (header.kind !== kind) throw corrupt(path, `holds ${header.kind}, expected ${kind}`);
    return header.meta;
  } finally {
    await fh.close();
  }
}
