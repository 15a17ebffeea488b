// A byte-identical replacement for kafkajs 2.2.4's uncompressed record-batch encoding (protocol/recordBatch/v0 and
// recordBatch/record/v0), installed by kafkajs-patch.ts. kafkajs encodes each record into its own 512-byte
// zero-filled Encoder, writes every varint through a fresh `Buffer.from([...])` and the timestamp delta through
// 64-bit Long objects: in our profile that and the garbage it makes were most of the producer's CPU. Here a batch is
// sized once and written into one buffer. Formats: Kafka's RecordBatch v2 / Record (KIP-98, "Message format" in the
// Apache Kafka protocol guide); varints are zig-zag then base-128, as kafkajs's Encoder writes them.
//
// Anything the fast path does not cover byte for byte (a header, a key or value that is not a string/Buffer/null,
// a timestamp delta outside ±2^30) is encoded by kafkajs's own Record function, so the output always equals kafkajs's.
import { crc32c } from './crc32c.js';

/** The arguments kafkajs's produce request passes to Record: a message spread plus its deltas. */
export interface RecordArgs {
  key?: unknown;
  value?: unknown;
  headers?: unknown;
  offsetDelta?: number;
  timestampDelta?: number;
}

/** The part of kafkajs's Encoder this module uses. */
export interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  writeInt8(v: number): KafkajsEncoder;
  writeInt16(v: number): KafkajsEncoder;
  writeInt32(v: number): KafkajsEncoder;
  writeUInt32(v: number): KafkajsEncoder;
  writeInt64(v: unknown): KafkajsEncoder;
  writeBytes(v: Buffer): KafkajsEncoder;
  writeEncoder(v: KafkajsEncoder): KafkajsEncoder;
}

/** kafkajs's Encoder class. */
export type EncoderClass = new (initialSize?: number) => KafkajsEncoder;
/** kafkajs's Record function (recordBatch/record/v0). */
export type RecordFn = (args: RecordArgs) => unknown;
/** kafkajs's RecordBatch function (recordBatch/v0). */
export type RecordBatchFn = (args: Record<string, unknown>) => Promise<KafkajsEncoder>;

/** A record whose encoding is deferred to the batch, which writes all records into one buffer. */
export class PendingRecord {
  /** Holds kafkajs's record arguments until the batch encodes them. */
  constructor(readonly args: RecordArgs) {}
}

const NONE = 0; // kafkajs CompressionTypes.None
const TRANSACTIONAL_MASK = 16;
const MAGIC_BYTE = 2;
const MAX_FAST_DELTA = 2 ** 30;

/** Bytes of an unsigned base-128 varint. */
function uvarintSize(u: number): number {
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

function writeUvarint(buf: Buffer, off: number, u: number): number {
  while (u >= 0x80) {
    buf[off++] = (u & 0x7f) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[off++] = u;
  return off;
}

/** Zig-zag of a signed integer |v| ≤ 2^30 as a non-negative number (equal to kafkajs's 32- and 64-bit zig-zag there). */
function zigzag(v: number): number {
  return v >= 0 ? 2 * v : -2 * v - 1;
}

function fieldBytes(v: unknown): number {
  if (v === null || v === undefined) return -1;
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  return (v as Buffer).length;
}

function fastField(v: unknown): boolean {
  return v === null || v === undefined || typeof v === 'string' || Buffer.isBuffer(v);
}

/** Headers the fast path leaves to kafkajs: any but none (undefined, as kafkajs defaults it to `{}`, or `{}`). */
function hasHeaders(h: unknown): boolean {
  if (h === undefined) return false;
  return h === null || typeof h !== 'object' || Object.keys(h).length > 0;
}

/**
 * Returns kafkajs-compatible Record and RecordBatch functions: Record defers, RecordBatch writes the whole batch at
 * once. Compressed batches go to kafkajs's own functions unchanged.
 */
export function createFastRecordBatch(
  Encoder: EncoderClass,
  originalRecord: RecordFn,
  originalRecordBatch: RecordBatchFn,
): { Record: (args: RecordArgs) => PendingRecord; RecordBatch: RecordBatchFn } {
  const materialise = (records: unknown[]): unknown[] =>
    records.map((r) => (r instanceof PendingRecord ? originalRecord(r.args) : r));

  const RecordBatch: RecordBatchFn = async (opts) => {
    const records = (opts.records ?? []) as unknown[];
    const compression = (opts.compression ?? NONE) as number;
    if (compression !== NONE || records.length === 0 || !records.every((r) => r instanceof PendingRecord))
      return originalRecordBatch({ ...opts, records: materialise(records) });

    // Defaults as in kafkajs's RecordBatch.
    const now = Date.now();
    const lastOffsetDelta = (opts.lastOffsetDelta ?? 0) as number;
    const transactional = (opts.transactional ?? false) as boolean;
    const attributes = (compression & 0x7) | (transactional ? TRANSACTIONAL_MASK : 0);
    const head = new Encoder()
      .writeInt16(attributes)
      .writeInt32(lastOffsetDelta)
      .writeInt64(opts.firstTimestamp ?? now)
      .writeInt64(opts.maxTimestamp ?? now)
      .writeInt64(opts.producerId ?? -1)
      .writeInt16((opts.producerEpoch ?? 0) as number)
      .writeInt32((opts.firstSequence ?? 0) as number)
      .writeInt32(records.length).buffer;

    // Pass 1: sizes (and kafkajs's own bytes for the records the fast path does not cover).
    const n = records.length;
    const bodySizes = new Int32Array(n);
    const keyBytes = new Int32Array(n);
    const valueBytes = new Int32Array(n);
    const fallback: (Buffer | undefined)[] = [];
    let total = head.length;
    for (let i = 0; i < n; i++) {
      const a = (records[i] as PendingRecord).args;
      const od = a.offsetDelta ?? 0;
      const td = a.timestampDelta ?? 0;
      if (
        !fastField(a.key) ||
        !fastField(a.value) ||
        hasHeaders(a.headers) ||
        !Number.isInteger(td) ||
        Math.abs(td) > MAX_FAST_DELTA ||
        !Number.isInteger(od) ||
        Math.abs(od) > MAX_FAST_DELTA
      ) {
        const b = (originalRecord(a) as KafkajsEncoder).buffer;
        fallback[i] = b;
        bodySizes[i] = -1;
        total += b.length;
        continue;
      }
      const kb = fieldBytes(a.key);
      const vb = fieldBytes(a.value);
      keyBytes[i] = kb;
      valueBytes[i] = vb;
      const size =
        1 + // attributes
        uvarintSize(zigzag(td)) +
        uvarintSize(zigzag(od)) +
        uvarintSize(zigzag(kb)) +
        Math.max(kb, 0) +
        uvarintSize(zigzag(vb)) +
        Math.max(vb, 0) +
        1; // header count 0
      bodySizes[i] = size;
      total += uvarintSize(zigzag(size)) + size;
    }

    // Pass 2: write.
    const body = Buffer.allocUnsafe(total);
    head.copy(body, 0);
    let off = head.length;
    for (let i = 0; i < n; i++) {
      const size = bodySizes[i]!;
      if (size < 0) {
        off += fallback[i]!.copy(body, off);
        continue;
      }
      const a = (records[i] as PendingRecord).args;
      off = writeUvarint(body, off, zigzag(size));
      body[off++] = 0; // attributes
      off = writeUvarint(body, off, zigzag(a.timestampDelta ?? 0));
      off = writeUvarint(body, off, zigzag(a.offsetDelta ?? 0));
      off = writeField(body, off, a.key, keyBytes[i]!);
      off = writeField(body, off, a.value, valueBytes[i]!);
      body[off++] = 0; // header count 0
    }
    if (off !== total) throw new Error(`record batch size mismatch: wrote ${off} of ${total} bytes`);

    // FirstOffset, then the batch as length-prefixed bytes: PartitionLeaderEpoch, Magic, CRC-32C of the rest, the rest.
    const out = new Encoder(0);
    out.writeInt64(opts.firstOffset ?? 0);
    const prefix = out.buffer;
    const batchLen = 4 + 1 + 4 + body.length;
    const buf = Buffer.allocUnsafe(prefix.length + 4 + batchLen);
    prefix.copy(buf, 0);
    let o = prefix.length;
    o = buf.writeInt32BE(batchLen, o);
    o = buf.writeInt32BE((opts.partitionLeaderEpoch ?? 0) as number, o);
    o = buf.writeInt8(MAGIC_BYTE, o);
    o = buf.writeUInt32BE(crc32c(body), o);
    body.copy(buf, o);
    out.buf = buf;
    out.offset = buf.length;
    return out;
  };

  return { Record: (args) => new PendingRecord(args), RecordBatch };
}

function writeField(buf: Buffer, off: number, v: unknown, bytes: number): number {
  if (bytes < 0) {
    buf[off] = 1; // zig-zag(-1): null
    return off + 1;
  }
  off = writeUvarint(buf, off, 2 * bytes);
  if (typeof v === 'string') return off + buf.write(v, off, bytes, 'utf8');
  return off + (v as Buffer).copy(buf, off);
}
