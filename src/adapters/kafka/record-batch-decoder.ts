// A faster decoder of uncompressed Kafka record batches for kafkajs 2.2.4's consumer, installed by kafkajs-patch.ts in
// place of protocol/recordBatch/v0/decoder.js. Its output is kafkajs's own, value for value: the same batch fields
// and record objects (`offset` and `timestamp` as decimal strings, `key`/`value` as Buffers viewing the fetch
// response, `headers` as an object), so everything above it in kafkajs runs unchanged. What it leaves out is the way
// there: kafkajs builds a Decoder per record, adds every offset and timestamp in 64-bit Long objects parsed back from
// strings, and copies the batch context per record; in our profile of a bare consumer that and its garbage were about
// half of the CPU. Here offsets and timestamps are plain numbers while they are safe integers.
//
// Anything this path does not cover value for value goes to kafkajs's own decoder with the decoder untouched:
// compressed batches, a batch cut short by the fetch size (kafkajs then throws its partial-message error, which the
// fetch decoder expects), offsets or timestamps beyond 2^52, timestamp deltas beyond 2^48, a record that does not fit
// its batch, a `__proto__` header. Format: Kafka's RecordBatch v2 and Record (KIP-98, "Message format" in the Apache
// Kafka protocol guide); varints are zig-zag base-128, read the way kafkajs's Decoder reads them.

/** The part of kafkajs's Decoder the fetch response decoder hands over: its buffer and read offset. */
export interface KafkajsDecoderLike {
  buffer: Buffer;
  offset: number;
}

/** A record as kafkajs's record decoder returns it. */
export interface KafkajsRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
  isControlRecord: boolean;
  batchContext: Record<string, unknown>;
}

/** A record batch as kafkajs's record batch decoder returns it. */
export interface KafkajsRecordBatch {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
  records: KafkajsRecord[];
}

/** kafkajs's record batch decoder (recordBatch/v0/decoder.js). */
export type RecordBatchDecoderFn = (decoder: KafkajsDecoderLike) => Promise<KafkajsRecordBatch>;

const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_MASK = 0x08;
const TRANSACTIONAL_MASK = 0x10;
const CONTROL_MASK = 0x20;
// kafkajs's TimestampTypes.
const CREATE_TIME = 0;
const LOG_APPEND_TIME = 1;
// Bytes of a batch after its Length field up to the first record (epoch 4, magic 1, CRC 4, attributes 2, last
// offset delta 4, first and max timestamp 8 + 8, producer id 8, producer epoch 2, first sequence 4, record count 4).
const BATCH_HEADER_BYTES = 49;
const TWO_POW_32 = 4294967296;
const SAFE = 2 ** 52;
const MAX_FAST_DELTA = 2 ** 48;

/** Thrown inside the fast path when kafkajs's decoder must take the batch; never escapes this module. */
class NotCovered {}
const NOT_COVERED = new NotCovered();

/** A signed 64-bit big-endian integer as a number, or NaN when it is not a safe integer below 2^52 in magnitude. */
function int64Number(buf: Buffer, at: number): number {
  const hi = buf.readInt32BE(at);
  const lo = buf.readUInt32BE(at + 4);
  const v = hi * TWO_POW_32 + lo;
  return v > -SAFE && v < SAFE ? v : NaN;
}

/** A signed 64-bit big-endian integer in decimal, as kafkajs's BigInt-based readInt64().toString() gives it. */
function int64String(buf: Buffer, at: number): string {
  const v = int64Number(buf, at);
  if (v === v) return String(v);
  return ((BigInt(buf.readInt32BE(at)) << 32n) + BigInt(buf.readUInt32BE(at + 4))).toString();
}

/** Reads from one batch's bytes; `end` bounds every read (a read past it is not covered). */
class Reader {
  constructor(
    readonly buf: Buffer,
    public at: number,
    public end: number,
  ) {}

  /** kafkajs's readVarInt: base-128 groups summed as `(byte & 0x7f) << shift` in 32-bit arithmetic, then zig-zag. */
  varInt(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      if (this.at >= this.end) throw NOT_COVERED;
      b = buf[this.at++]!;
      result += (b & 0x7f) << shift;
      shift += 7;
    } while (b >= 0x80);
    return (result >>> 1) ^ -(result & 1);
  }

  /** kafkajs's readVarLong for values below 2^48 in magnitude (zig-zag of a 64-bit integer). */
  varLong(): number {
    const buf = this.buf;
    let u = 0;
    let scale = 1;
    let b: number;
    do {
      if (this.at >= this.end || scale > 2 ** 42) throw NOT_COVERED;
      b = buf[this.at++]!;
      u += (b & 0x7f) * scale;
      scale *= 128;
    } while (b >= 0x80);
    // u < 2^49: zig-zag without 32-bit operators.
    const v = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    if (v >= MAX_FAST_DELTA || v <= -MAX_FAST_DELTA) throw NOT_COVERED;
    return v;
  }

  /** kafkajs's readVarIntBytes: null for length -1, else a view of the next `length` bytes. */
  bytes(): Buffer | null {
    const length = this.varInt();
    if (length === -1) return null;
    if (length < 0 || this.at + length > this.end) throw NOT_COVERED;
    const b = this.buf.subarray(this.at, this.at + length);
    this.at += length;
    return b;
  }

  /** kafkajs's readVarIntString: null for length -1, else the next `length` bytes as UTF-8. */
  string(): string | null {
    const length = this.varInt();
    if (length === -1) return null;
    if (length < 0 || this.at + length > this.end) throw NOT_COVERED;
    const s = this.buf.toString('utf8', this.at, this.at + length);
    this.at += length;
    return s;
  }
}

/**
 * Headers as kafkajs folds them: one value per key, repeated keys collected into an array in order. A null key
 * becomes the property "null", as kafkajs's computed key makes it.
 */
function readHeaders(r: Reader): Record<string, unknown> {
  const count = r.varInt();
  const headers: Record<string, unknown> = {};
  if (count === -1 || count === 0) return headers;
  if (count < 0) throw NOT_COVERED;
  for (let i = 0; i < count; i++) {
    const key = String(r.string());
    const value = r.bytes();
    // kafkajs defines the key with an object spread, where "__proto__" is an own property; assignment is not.
    if (key === '__proto__') throw NOT_COVERED;
    const before = headers[key];
    headers[key] = before === undefined ? value : Array.isArray(before) ? before.concat([value]) : [before, value];
  }
  return headers;
}

/** The batch starting at `start` decoded the fast way, and where the next batch starts; throws NOT_COVERED. */
function decodeFast(buf: Buffer, start: number): { batch: KafkajsRecordBatch; next: number } {
  if (start + 12 > buf.length) throw NOT_COVERED;
  const firstOffsetNumber = int64Number(buf, start);
  if (firstOffsetNumber !== firstOffsetNumber || firstOffsetNumber < 0) throw NOT_COVERED;
  const length = buf.readInt32BE(start + 8);
  const b = start + 12;
  const end = b + length;
  // A batch cut short by the fetch size, or too short for its header: kafkajs's decoder says what it is.
  if (length < BATCH_HEADER_BYTES || end > buf.length) throw NOT_COVERED;
  const attributes = buf.readInt16BE(b + 9);
  if ((attributes & COMPRESSION_MASK) !== 0) throw NOT_COVERED;
  const firstTimestampNumber = int64Number(buf, b + 15);
  if (firstTimestampNumber !== firstTimestampNumber) throw NOT_COVERED;
  const magicByte = buf.readInt8(b + 4);
  const timestampType = (attributes & TIMESTAMP_TYPE_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME;
  const isControlBatch = (attributes & CONTROL_MASK) > 0;
  const maxTimestamp = int64String(buf, b + 23);
  // The fields in kafkajs's order (its record context), then its per-batch record context with the magic byte.
  const context = {
    firstOffset: String(firstOffsetNumber),
    firstTimestamp: String(firstTimestampNumber),
    partitionLeaderEpoch: buf.readInt32BE(b),
    inTransaction: (attributes & TRANSACTIONAL_MASK) > 0,
    isControlBatch,
    lastOffsetDelta: buf.readInt32BE(b + 11),
    producerId: int64String(buf, b + 31),
    producerEpoch: buf.readInt16BE(b + 39),
    firstSequence: buf.readInt32BE(b + 41),
    maxTimestamp,
    timestampType,
  };
  const batchContext = { ...context, magicByte };
  const count = buf.readInt32BE(b + 45);
  if (count < -1) throw NOT_COVERED;
  const records: KafkajsRecord[] = new Array<KafkajsRecord>(Math.max(count, 0));
  const r = new Reader(buf, b + BATCH_HEADER_BYTES, end);
  const appendTime = timestampType === LOG_APPEND_TIME && maxTimestamp !== '';
  for (let i = 0; i < count; i++) {
    // Each record is read within its own length, as kafkajs reads it from a slice; trailing bytes are skipped.
    const recordLength = r.varInt();
    if (recordLength < 0 || r.at + recordLength > end) throw NOT_COVERED;
    const recordEnd = r.at + recordLength;
    r.end = recordEnd;
    if (r.at >= recordEnd) throw NOT_COVERED;
    const recordAttributes = buf.readInt8(r.at++);
    const timestampDelta = r.varLong();
    const offsetDelta = r.varInt();
    const key = r.bytes();
    const value = r.bytes();
    const headers = readHeaders(r);
    records[i] = {
      magicByte,
      attributes: recordAttributes,
      timestamp: appendTime ? maxTimestamp : String(firstTimestampNumber + timestampDelta),
      offset: String(firstOffsetNumber + offsetDelta),
      key,
      value,
      headers,
      isControlRecord: isControlBatch,
      batchContext,
    };
    r.at = recordEnd;
    r.end = end;
  }
  return { batch: { ...context, records }, next: end };
}

/**
 * kafkajs's record batch decoder with the fast path in front: the same result for every input, kafkajs's own decoder
 * (`original`) for what the fast path does not cover, called with the decoder as it was given.
 */
export function createFastRecordBatchDecoder(original: RecordBatchDecoderFn): RecordBatchDecoderFn {
  return async function decodeRecordBatch(fetchDecoder) {
    let fast: { batch: KafkajsRecordBatch; next: number };
    try {
      fast = decodeFast(fetchDecoder.buffer, fetchDecoder.offset);
    } catch (err) {
      if (err === NOT_COVERED || err instanceof RangeError) return original(fetchDecoder);
      throw err;
    }
    fetchDecoder.offset = fast.next;
    return fast.batch;
  };
}
