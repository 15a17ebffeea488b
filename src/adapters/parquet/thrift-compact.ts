// The part of Thrift's compact protocol that a Parquet writer needs (Apache Thrift, "Thrift Compact protocol
// encoding", doc/specs/thrift-compact-protocol.md): field headers with id deltas, zig-zag varint i32/i64, binary,
// list headers, nested structs. It writes into one growable byte array with no per-value allocation; a struct
// serialized on its own is context-free, so its bytes can be spliced into an enclosing struct later (the
// footer reuses each column chunk's ColumnMetaData bytes that way).
import { InvariantError } from '../../core/errors.js';

/** Compact-protocol type nibbles (the spec's table). */
export const CT = { i32: 5, i64: 6, binary: 8, list: 9, struct: 12 } as const;

/** Compact-protocol type of a field or list element. */
export type CompactType = (typeof CT)[keyof typeof CT];

const utf8 = new TextEncoder();

/** A compact-protocol writer over a growable byte array; `bytes()` views what was written since `reset()`. */
export class CompactWriter {
  private buf: Uint8Array;
  private at = 0;
  private lastFieldId = 0;
  private readonly fieldIdStack: number[] = [];

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.at;
  }

  /** Starts over (keeps the allocation). */
  reset(): this {
    this.at = 0;
    this.lastFieldId = 0;
    this.fieldIdStack.length = 0;
    return this;
  }

  /** A view of the bytes written since the last reset (valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }

  private ensure(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.at + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.at++] = b;
  }

  /** Unsigned varint of a non-negative safe integer (base 128, least significant group first). */
  private varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.at++] = n;
  }

  /** Opens a struct (top-level or nested as a field/list element): field ids restart from 0. */
  structBegin(): this {
    this.fieldIdStack.push(this.lastFieldId);
    this.lastFieldId = 0;
    return this;
  }

  /** Writes the stop byte and closes the struct. */
  structEnd(): this {
    this.byte(0);
    this.lastFieldId = this.fieldIdStack.pop() ?? 0;
    return this;
  }

  /** A field header: the id delta and type in one byte when the delta is 1..15, else type then zig-zag i16 id. */
  field(type: CompactType, id: number): this {
    const delta = id - this.lastFieldId;
    if (delta > 0 && delta <= 15) {
      this.byte((delta << 4) | type);
    } else {
      this.byte(type);
      this.varint(((id << 1) ^ (id >> 31)) >>> 0);
    }
    this.lastFieldId = id;
    return this;
  }

  /** A list header: size and element type in one byte up to 14 elements. */
  listBegin(elementType: CompactType, size: number): this {
    if (size <= 14) {
      this.byte((size << 4) | elementType);
    } else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
    return this;
  }

  /** A zig-zag varint i32. */
  i32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new InvariantError(`thrift i32 out of range: ${v}`);
    this.varint(((v << 1) ^ (v >> 31)) >>> 0);
    return this;
  }

  /** A zig-zag varint i64 of a safe integer. */
  i64(v: number): this {
    const zigzag = v >= 0 ? 2 * v : -2 * v - 1;
    if (!Number.isSafeInteger(zigzag)) throw new InvariantError(`thrift i64 out of the safe range: ${v}`);
    this.varint(zigzag);
    return this;
  }

  /** Length-prefixed bytes (Thrift binary/string). */
  binary(bytes: Uint8Array): this {
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
    return this;
  }

  /** A UTF-8 string. */
  string(s: string): this {
    return this.binary(utf8.encode(s));
  }

  /** Bytes of an already serialized struct, written as they are (a nested struct or list element). */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
    return this;
  }
}
