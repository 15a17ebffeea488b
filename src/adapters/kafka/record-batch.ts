// A byte-identical replacement for kafkajs 2.2.4's uncompressed Produce request (protocol/requests/produce/v3, which
// v4-v7 reuse), installed by kafkajs-patch.ts. kafkajs copies each message into a new object (`{...message,
// offsetDelta, timestampDelta}`, which V8 makes slow to build and to read), encodes it into its own 512-byte
// zero-filled Encoder, writes every varint through a fresh `Buffer.from([...])` and the timestamp delta through
// 64-bit Long objects: in our profile that and its garbage were most of the producer's CPU. Here a partition's
// batch is sized once and written into one buffer from the messages themselves. Formats: Kafka's RecordBatch v2 and
// Record (KIP-98; "Message format" in the Apache Kafka protocol guide); varints are zig-zag then base-128, as
// kafkajs's Encoder writes them.
//
// A record the fast path does not cover byte for byte (a header, a key or value that is not a string/Buffer/null,
// a timestamp delta outside ±2^30) is encoded by kafkajs's own Record function with kafkajs's own arguments;
// compressed requests go to kafkajs's request unchanged. So the bytes always equal kafkajs's.
import { crc32c } from './crc32c.js';

/** A message as kafkajs's producer hands it to the Produce request. */
export interface KafkajsMessage {
  key?: unknown;
  value?: unknown;
  headers?: unknown;
  timestamp?: unknown;
  partition?: number;
}

/** The part of kafkajs's Encoder this module uses. */
export interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  size(): number;
  writeInt8(v: number): KafkajsEncoder;
  writeInt16(v: number): KafkajsEncoder;
  writeInt32(v: number): KafkajsEncoder;
  writeInt64(v: unknown): KafkajsEncoder;
  writeString(v: string | null): KafkajsEncoder;
  writeEncoder(v: KafkajsEncoder): KafkajsEncoder;
  writeArray(v: unknown[]): KafkajsEncoder;
}

/** kafkajs's Encoder class. */
export type EncoderClass = new (initialSize?: number) => KafkajsEncoder;
/** kafkajs's Record function (recordBatch/record/v0): one record's Encoder. */
export type RecordFn = (args: Record<string, unknown>) => KafkajsEncoder;

/** Arguments of kafkajs's Produce request v3 (requests/produce/v3/request.js). */
export interface ProduceRequestArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: { topic: string; partitions: { partition: number; messages: KafkajsMessage[]; firstSequence?: number }[] }[];
}

/** What kafkajs's request functions return. */
export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse: () => boolean;
  encode: () => Promise<KafkajsEncoder>;
}

/** kafkajs's Produce request v3 function. */
export type ProduceRequestFn = (args: ProduceRequestArgs) => ProduceRequest;

/** kafkajs's pieces the fast request is built from. */
export interface KafkajsParts {
  Encoder: EncoderClass;
  Record: RecordFn;
  /** The original Produce request v3. */
  request: ProduceRequestFn;
  /** Long.fromInt, for the request's default producer id (-1). */
  longFromInt: (v: number) => unknown;
  /** apiKeys.Produce. */
  apiKey: number;
}

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

/** Byte length of a key or value the fast path covers (string, Buffer, null/undefined = -1); NaN for others. */
function fieldBytes(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (v === null || v === undefined) return -1;
  return Buffer.isBuffer(v) ? v.length : NaN;
}

/** Headers the fast path leaves to kafkajs: any but none (undefined, which kafkajs defaults to `{}`, or `{}`). */
function hasHeaders(h: unknown): boolean {
  if (h === undefined) return false;
  return h === null || typeof h !== 'object' || Object.keys(h).length > 0;
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

/** Batch-level fields of a RecordBatch, as kafkajs's partition encoder passes them. */
interface BatchFields {
  firstTimestamp: unknown;
  maxTimestamp: unknown;
  producerId: unknown;
  producerEpoch: number;
  firstSequence: number;
  transactional: boolean;
}

/**
 * The RecordBatch v2 of one partition's messages, byte for byte what kafkajs writes (recordBatch/v0 with
 * record/v0), as a kafkajs Encoder: FirstOffset 0, Length, PartitionLeaderEpoch 0, Magic 2, CRC-32C, then the body.
 */
function encodeRecordBatch(
  parts: KafkajsParts,
  messages: KafkajsMessage[],
  fields: BatchFields,
  dateNow: number,
  firstTimestampNumber: number,
): KafkajsEncoder {
  const { Encoder, Record } = parts;
  const n = messages.length;
  const head = new Encoder(64)
    .writeInt16(fields.transactional ? TRANSACTIONAL_MASK : 0) // attributes: no compression, create time
    .writeInt32(n - 1) // lastOffsetDelta
    .writeInt64(fields.firstTimestamp)
    .writeInt64(fields.maxTimestamp)
    .writeInt64(fields.producerId)
    .writeInt16(fields.producerEpoch)
    .writeInt32(fields.firstSequence)
    .writeInt32(n).buffer;

  // Pass 1: sizes (and kafkajs's own bytes for a record the fast path does not cover).
  const bodySizes = new Int32Array(n);
  const keyBytes = new Int32Array(n);
  const valueBytes = new Int32Array(n);
  const deltas = new Float64Array(n);
  let fallback: Map<number, Buffer> | undefined;
  let total = head.length;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    const td = ((m.timestamp || dateNow) as number) - firstTimestampNumber;
    const kb = fieldBytes(m.key);
    const vb = fieldBytes(m.value);
    if (kb !== kb || vb !== vb || hasHeaders(m.headers) || !Number.isInteger(td) || Math.abs(td) > MAX_FAST_DELTA) {
      // kafkajs's own arguments, so its own bytes (or its own error).
      const b = Record({ ...m, offsetDelta: i, timestampDelta: td }).buffer;
      (fallback ??= new Map()).set(i, b);
      bodySizes[i] = -1;
      total += b.length;
      continue;
    }
    keyBytes[i] = kb;
    valueBytes[i] = vb;
    deltas[i] = td;
    const size =
      1 + // attributes
      uvarintSize(zigzag(td)) +
      uvarintSize(2 * i) +
      uvarintSize(zigzag(kb)) +
      Math.max(kb, 0) +
      uvarintSize(zigzag(vb)) +
      Math.max(vb, 0) +
      1; // header count 0
    bodySizes[i] = size;
    total += uvarintSize(2 * size) + size;
  }

  // Pass 2: write; the batch framing goes in front of the body in the same buffer.
  const prefix = new Encoder(16).writeInt64(0).buffer; // FirstOffset
  const frame = prefix.length + 4 + 4 + 1 + 4; // + Length, PartitionLeaderEpoch, Magic, CRC
  const buf = Buffer.allocUnsafe(frame + total);
  const bodyStart = frame;
  head.copy(buf, bodyStart);
  let off = bodyStart + head.length;
  for (let i = 0; i < n; i++) {
    const size = bodySizes[i]!;
    if (size < 0) {
      off += fallback!.get(i)!.copy(buf, off);
      continue;
    }
    const m = messages[i]!;
    off = writeUvarint(buf, off, 2 * size);
    buf[off++] = 0; // attributes
    off = writeUvarint(buf, off, zigzag(deltas[i]!));
    off = writeUvarint(buf, off, 2 * i); // offsetDelta
    off = writeField(buf, off, m.key, keyBytes[i]!);
    off = writeField(buf, off, m.value, valueBytes[i]!);
    buf[off++] = 0; // header count 0
  }
  if (off !== frame + total) throw new Error(`record batch size mismatch: wrote ${off - frame} of ${total} bytes`);
  let o = prefix.copy(buf, 0);
  o = buf.writeInt32BE(4 + 1 + 4 + total, o);
  o = buf.writeInt32BE(0, o); // PartitionLeaderEpoch
  o = buf.writeInt8(MAGIC_BYTE, o);
  buf.writeUInt32BE(crc32c(buf.subarray(bodyStart)), o);

  const out = new Encoder(0);
  out.buf = buf;
  out.offset = buf.length;
  return out;
}

/** kafkajs's timestamps of a partition's batch: first and max of the given ones in its (string) sort order, else now. */
function batchTimestamps(messages: KafkajsMessage[], dateNow: number): [unknown, unknown] {
  let any = false;
  for (const m of messages) {
    if (m.timestamp != null) {
      any = true;
      break;
    }
  }
  if (!any) return [dateNow, dateNow];
  // As kafkajs does it, sort() without a comparator included.
  const sorted = messages
    .map((m) => m.timestamp)
    .filter((t) => t != null)
    .sort();
  return [sorted[0], sorted[sorted.length - 1]];
}

/**
 * kafkajs's Produce request v3 with the uncompressed record batches written by encodeRecordBatch; compressed
 * requests are kafkajs's own.
 */
export function createFastProduceRequest(parts: KafkajsParts): ProduceRequestFn {
  const { Encoder } = parts;
  return (args) => {
    if ((args.compression ?? 0) !== 0) return parts.request(args);
    const { acks, timeout, topicData } = args;
    const transactionalId = args.transactionalId ?? null;
    const producerId = args.producerId ?? parts.longFromInt(-1);
    const producerEpoch = args.producerEpoch ?? 0;
    return {
      apiKey: parts.apiKey,
      apiVersion: 3,
      apiName: 'Produce',
      expectResponse: () => acks !== 0,
      encode: async function encodeOneBufferPerBatch() {
        const topics: KafkajsEncoder[] = [];
        for (const { topic, partitions } of topicData) {
          const encodedPartitions: KafkajsEncoder[] = [];
          for (const { partition, messages, firstSequence } of partitions) {
            const dateNow = Date.now();
            const [firstTimestamp, maxTimestamp] = batchTimestamps(messages, dateNow);
            const batch = encodeRecordBatch(
              parts,
              messages,
              { firstTimestamp, maxTimestamp, producerId, producerEpoch, firstSequence: firstSequence ?? 0, transactional: !!transactionalId },
              dateNow,
              firstTimestamp as number,
            );
            encodedPartitions.push(new Encoder(batch.size() + 8).writeInt32(partition).writeInt32(batch.size()).writeEncoder(batch));
          }
          let size = 4 + 2 + Buffer.byteLength(topic);
          for (const p of encodedPartitions) size += p.size();
          topics.push(new Encoder(size).writeString(topic).writeArray(encodedPartitions));
        }
        return new Encoder().writeString(transactionalId).writeInt16(acks).writeInt32(timeout).writeArray(topics);
      },
    };
  };
}
