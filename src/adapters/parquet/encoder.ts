// features.parquet encoded by dyadflow itself, byte for byte as parquetjs-lite 0.8.7 writes it (dependencies.md,
// Parquet row). The library spends its time shredding rows into JS arrays, boxing every value into Sets for
// statistics, growing each row group with one Buffer.concat per column (quadratic in the columns) and building
// thrift objects; at 290k rows that was ~1.5 s of a snapshot's 2 s budget. This encoder does exactly what the
// library does for exactly our schema (REQUIRED INT32 / DOUBLE / UTF8 leaves, PLAIN, data page v1, one page per
// column chunk, statistics on or off, SNAPPY or none) straight from typed arrays into one reused buffer per row
// group, and keeps only the serialized metadata the footer needs (~120 bytes per column chunk).
//
// What the library writes, read from parquetjs-lite 0.8.7 lib/writer.js and the Parquet format (parquet.thrift):
//   file        = "PAR1", row groups, then the page index of every column chunk, then the footer
//   row group   = per column: page header + page body, then the chunk's ColumnMetaData (serialized in the body
//                 as well as in the footer; ColumnChunk.file_offset points at it)
//   page body   = PLAIN values (no levels: REQUIRED leaves have max levels 0), compressed as a whole
//   statistics  = min, max (PLAIN bytes; UTF8 as its bytes), null_count 0, distinct_count; written under both the
//                 deprecated (min/max) and the new (min_value/max_value) field ids; a chunk's equal its one page's
//   page index  = after all row groups, column by column, row group by row group: a ColumnIndex with min_values
//                 and max_values only (when statistics are on), then an OffsetIndex with the one page
//   sizes       = total_uncompressed_size and total_compressed_size are both the compressed pages' length
// The library turns -0 into 0 (parseFloat of the row value, and a Set of statistics never holds -0); so do we.
// Its ColumnIndex lacks the spec's required null_pages and boundary_order; we copy that too (DuckDB and pyarrow read
// the files). SNAPPY pages go through snappy.ts, which writes snappyjs 0.6.1's bytes (the library's compressor).
// test/adapters/parquet/parquet.test.ts holds this encoder to the library's row API byte for byte.
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { InvariantError } from '../../core/errors.js';
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable } from '../../core/features/feature-table.js';
import { SPLIT_NAMES, rowMajorToColumns, type FeatureColumnLayout } from '../snapshot/columns.js';
import { snappyCompress, snappyMaxCompressedLength } from './snappy.js';
import { CT, CompactWriter } from './thrift-compact.js';

/** How features.parquet is laid out (resolved options). */
export interface ParquetLayoutOptions {
  rowGroupRows: number;
  compression: 'none' | 'snappy';
  statistics: boolean;
}

const require = createRequire(import.meta.url);
const parquetjsRequire = createRequire(require.resolve('parquetjs-lite/package.json'));

/** The parquetjs-lite version whose output this encoder reproduces. */
export const PARQUET_ENCODER_LIBRARY_VERSION = '0.8.7';
const libraryVersion = (require('parquetjs-lite/package.json') as { version: string }).version;

/**
 * True when features.parquet is written by this encoder: only with the parquetjs-lite version whose bytes it was
 * checked against, and on a little-endian machine (typed-array views are the PLAIN bytes). Otherwise the writer
 * falls back to the library's own row API.
 */
export const parquetEncoderEnabled: boolean = libraryVersion === PARQUET_ENCODER_LIBRARY_VERSION && endianness() === 'LE';

/** snappyjs as parquetjs-lite itself loads it (the library's dependency, so the same compressor and bytes). */
const snappyjs = parquetjsRequire('snappyjs') as { compress(input: Uint8Array): Uint8Array };
const snappyjsVersion = (parquetjsRequire('snappyjs/package.json') as { version: string }).version;

/** True when pages are compressed by snappy.ts (written to equal snappyjs 0.6.1, the version the library loads). */
export const snappyReplaced: boolean = snappyjsVersion === '0.6.1';

// parquet.thrift enum values.
const TYPE = { int32: 1, double: 5, utf8: 6 } as const; // Type: INT32, DOUBLE, BYTE_ARRAY
const CONVERTED_TYPE_UTF8 = 0;
const REPETITION_REQUIRED = 0;
const ENCODING_PLAIN = 0;
const ENCODING_RLE = 3;
const CODEC = { none: 0, snappy: 1 } as const; // UNCOMPRESSED, SNAPPY
const PAGE_TYPE_DATA_PAGE = 0;
/** FileMetaData.version and created_by as parquetjs-lite writes them. */
const FILE_FORMAT_VERSION = 1;
const CREATED_BY = 'parquet.js';
const MAGIC = new TextEncoder().encode('PAR1');

/** The split column's values as PLAIN BYTE_ARRAY entries (4-byte length, then the UTF-8 bytes), by SPLIT code. */
const SPLIT_PLAIN = SPLIT_NAMES.map((s) => {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
  return out;
});
const SPLIT_UTF8 = SPLIT_NAMES.map((s) => new TextEncoder().encode(s));

/**
 * Counts distinct numbers with open addressing on typed arrays (a Set of a page's doubles boxes every key;
 * over 819k rows × 38 columns that garbage was the largest cost of the library's write).
 */
class DistinctCounter {
  private keys = new Float64Array(0);
  private stamps = new Uint32Array(0);
  private stamp = 0;
  private mask = 0;
  private readonly bits = new Float64Array(1);
  private readonly words = new Uint32Array(this.bits.buffer);
  count = 0;

  /** Starts a new count for at most `n` values. */
  reset(n: number): void {
    let cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > this.keys.length) {
      this.keys = new Float64Array(cap);
      this.stamps = new Uint32Array(cap);
      this.stamp = 0;
    }
    this.mask = cap - 1;
    if (++this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    this.count = 0;
  }

  /** Adds a value (-0 must already be 0, NaN excluded). */
  add(v: number): void {
    this.bits[0] = v;
    // MurmurHash3 fmix32 of the two words (Appleby): keys are often small integers or k/6 fractions.
    let h = this.words[0]! ^ Math.imul(this.words[1]!, 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const { keys, stamps, stamp, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      if (stamps[i] !== stamp) {
        stamps[i] = stamp;
        keys[i] = v;
        this.count++;
        return;
      }
      if (keys[i] === v) return;
    }
  }
}

/** A growable byte buffer reused across row groups. */
class ByteSink {
  buf = new Uint8Array(1 << 16);
  at = 0;

  ensure(extra: number): void {
    if (this.at + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.at + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  put(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }
}

/** Statistics of one column chunk (= its one page), as PLAIN bytes. */
interface ChunkStatistics {
  min: Uint8Array;
  max: Uint8Array;
  distinct: number;
}

/**
 * What the footer keeps of each column chunk, four numbers in `chunks` (CHUNK_FIELDS per chunk, in file order): the
 * file offset of its ColumnMetaData (ColumnChunk.file_offset) and where its serialized ColumnMetaData, ColumnIndex
 * (-1 when statistics are off) and OffsetIndex start in `arena`, each ending where the next begins. Flat numbers and
 * one byte arena, not objects: a 10⁷-row file has ~93k column chunks.
 */
const CHUNK_FIELDS = 4;

function plainInt32(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, v, true);
  return out;
}

function plainDouble(v: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, v, true);
  return out;
}

function bytesOf(view: Int32Array | Float64Array, from: number, to: number): Uint8Array {
  const width = view.BYTES_PER_ELEMENT;
  return new Uint8Array(view.buffer, view.byteOffset + from * width, (to - from) * width);
}

/**
 * Encodes a feature table as features.parquet, row group by row group: `header()`, then `rowGroup()` for each
 * group in order, then `footer()`; the caller writes the returned bytes in that order. Pure: no I/O.
 */
export class FeatureParquetEncoder {
  private readonly wtl: Float64Array[];
  private readonly context: Int32Array[];
  private readonly ints: Int32Array;
  private readonly splitBytes: Uint8Array;
  private readonly distinct = new DistinctCounter();
  private readonly group = new ByteSink();
  private readonly thrift = new CompactWriter();
  /** Rows and total_byte_size of each row group written. */
  private readonly groupRows: number[] = [];
  private readonly groupBytes: number[] = [];
  private readonly chunks: number[] = [];
  private readonly arena = new ByteSink();
  private snappyOut = new Uint8Array(0);
  private offset = 0;
  private rows = 0;

  constructor(
    private readonly layout: readonly FeatureColumnLayout[],
    private readonly options: ParquetLayoutOptions,
    private readonly keyValueMetadata: Readonly<Record<string, string>>,
  ) {
    const n = options.rowGroupRows;
    this.wtl = Array.from({ length: WTL_WIDTH }, () => new Float64Array(n));
    this.context = Array.from({ length: CONTEXT_WIDTH }, () => new Int32Array(n));
    this.ints = new Int32Array(n);
    this.splitBytes = new Uint8Array(n * Math.max(...SPLIT_PLAIN.map((b) => b.length)));
  }

  /** The file's first bytes. */
  header(): Uint8Array {
    this.offset += MAGIC.length;
    return MAGIC;
  }

  /**
   * Encodes rows [start, end) of `table` as the next row group (at most rowGroupRows rows). Returns a view of
   * the group's bytes, valid until the next call.
   */
  rowGroup(table: FeatureTable, start: number, end: number): Uint8Array {
    const n = end - start;
    if (n < 1 || n > this.options.rowGroupRows) throw new InvariantError(`a row group of ${n} rows (at most ${this.options.rowGroupRows})`);
    rowMajorToColumns(table.wtl.subarray(start * WTL_WIDTH, end * WTL_WIDTH), WTL_WIDTH, n, this.wtl);
    rowMajorToColumns(table.context.subarray(start * CONTEXT_WIDTH, end * CONTEXT_WIDTH), CONTEXT_WIDTH, n, this.context);
    const groupOffset = this.offset;
    const sink = this.group;
    sink.at = 0;
    for (const c of this.layout) {
      const { values, stats } = this.columnValues(table, c, start, end);
      const body = this.options.compression === 'snappy' ? this.compress(values) : values;
      const chunkOffset = groupOffset + sink.at;
      this.pageHeader(n, values.length, body.length, stats);
      const pagesLength = this.thrift.length + body.length;
      sink.put(this.thrift.bytes());
      sink.put(body);
      this.chunks.push(chunkOffset + pagesLength, this.arena.at);
      this.columnMetaData(c, n, pagesLength, chunkOffset, stats);
      sink.put(this.thrift.bytes());
      this.arena.put(this.thrift.bytes());
      if (stats !== null) {
        this.chunks.push(this.arena.at);
        this.arena.put(this.columnIndex(stats));
      } else {
        this.chunks.push(-1);
      }
      this.chunks.push(this.arena.at);
      this.arena.put(this.offsetIndex(chunkOffset, pagesLength));
    }
    this.groupRows.push(n);
    this.groupBytes.push(sink.at);
    this.rows += n;
    this.offset += sink.at;
    return sink.buf.subarray(0, sink.at);
  }

  /** The page index of every column chunk and the footer: the file's last bytes. */
  footer(): Uint8Array {
    const out = new ByteSink();
    const columns = this.layout.length;
    const groups = this.groupRows.length;
    const arena = this.arena.buf;
    // Where chunk k's pieces end in the arena: the next piece's start (the arena's end for the last chunk).
    const metaDataAt = (k: number) => this.chunks[k * CHUNK_FIELDS + 1]!;
    const columnIndexAt = (k: number) => this.chunks[k * CHUNK_FIELDS + 2]!;
    const offsetIndexAt = (k: number) => this.chunks[k * CHUNK_FIELDS + 3]!;
    const metaDataEnd = (k: number) => (columnIndexAt(k) >= 0 ? columnIndexAt(k) : offsetIndexAt(k));
    const offsetIndexEnd = (k: number) => (k + 1 < groups * columns ? metaDataAt(k + 1) : this.arena.at);
    // Page index, column-major as the library's writeIndex loops; each entry's file offset goes into its ColumnChunk.
    const columnIndexFileAt = new Float64Array(groups * columns);
    const offsetIndexFileAt = new Float64Array(groups * columns);
    for (let c = 0; c < columns; c++) {
      for (let g = 0; g < groups; g++) {
        const k = g * columns + c;
        if (columnIndexAt(k) >= 0) {
          columnIndexFileAt[k] = this.offset + out.at;
          out.put(arena.subarray(columnIndexAt(k), offsetIndexAt(k)));
        }
        offsetIndexFileAt[k] = this.offset + out.at;
        out.put(arena.subarray(offsetIndexAt(k), offsetIndexEnd(k)));
      }
    }
    const w = new CompactWriter(1 << 12).structBegin();
    w.field(CT.i32, 1).i32(FILE_FORMAT_VERSION);
    w.field(CT.list, 2).listBegin(CT.struct, columns + 1);
    w.structBegin().field(CT.binary, 4).string('root').field(CT.i32, 5).i32(columns).structEnd();
    for (const c of this.layout) {
      w.structBegin().field(CT.i32, 1).i32(TYPE[c.type]).field(CT.i32, 3).i32(REPETITION_REQUIRED).field(CT.binary, 4).string(c.name);
      if (c.type === 'utf8') w.field(CT.i32, 6).i32(CONVERTED_TYPE_UTF8);
      w.structEnd();
    }
    w.field(CT.i64, 3).i64(this.rows);
    w.field(CT.list, 4).listBegin(CT.struct, groups);
    for (let g = 0; g < groups; g++) {
      w.structBegin().field(CT.list, 1).listBegin(CT.struct, columns);
      for (let c = 0; c < columns; c++) {
        const k = g * columns + c;
        w.structBegin().field(CT.i64, 2).i64(this.chunks[k * CHUNK_FIELDS]!);
        w.field(CT.struct, 3).raw(arena.subarray(metaDataAt(k), metaDataEnd(k)));
        w.field(CT.i64, 4).i64(offsetIndexFileAt[k]!).field(CT.i32, 5).i32(offsetIndexEnd(k) - offsetIndexAt(k));
        if (columnIndexAt(k) >= 0) w.field(CT.i64, 6).i64(columnIndexFileAt[k]!).field(CT.i32, 7).i32(offsetIndexAt(k) - columnIndexAt(k));
        w.structEnd();
      }
      w.field(CT.i64, 2).i64(this.groupBytes[g]!).field(CT.i64, 3).i64(this.groupRows[g]!).structEnd();
    }
    const kv = Object.entries(this.keyValueMetadata);
    w.field(CT.list, 5).listBegin(CT.struct, kv.length);
    for (const [key, value] of kv) w.structBegin().field(CT.binary, 1).string(key).field(CT.binary, 2).string(value).structEnd();
    w.field(CT.binary, 6).string(CREATED_BY);
    w.structEnd();
    const metadata = w.bytes();
    out.put(metadata);
    const tail = new Uint8Array(8);
    new DataView(tail.buffer).setUint32(0, metadata.length, true);
    tail.set(MAGIC, 4);
    out.put(tail);
    this.offset += out.at;
    return out.buf.subarray(0, out.at);
  }

  /** SNAPPY-compressed bytes (a view into a reused buffer when snappy.ts compresses: valid until the next call). */
  private compress(values: Uint8Array): Uint8Array {
    if (!snappyReplaced) return snappyjs.compress(values);
    const need = snappyMaxCompressedLength(values.length);
    if (this.snappyOut.length < need) this.snappyOut = new Uint8Array(need);
    return this.snappyOut.subarray(0, snappyCompress(values, this.snappyOut));
  }

  /** A column's PLAIN bytes for rows [start, end) and its statistics (null when statistics are off). */
  private columnValues(table: FeatureTable, c: FeatureColumnLayout, start: number, end: number): { values: Uint8Array; stats: ChunkStatistics | null } {
    const n = end - start;
    const statistics = this.options.statistics;
    const src = c.source;
    if (src.block === 'split') {
      const seen = [false, false];
      let at = 0;
      for (let r = start; r < end; r++) {
        const code = table.split[r]!;
        if (code > SPLIT.test) throw new InvariantError(`split code ${code} at row ${this.rows + r - start} is neither train nor test`);
        seen[code] = true;
        this.splitBytes.set(SPLIT_PLAIN[code]!, at);
        at += SPLIT_PLAIN[code]!.length;
      }
      const values = this.splitBytes.subarray(0, at);
      if (!statistics) return { values, stats: null };
      // The library compares the distinct strings with < and >: 'test' < 'train'.
      const present = SPLIT_NAMES.map((_, code) => code).filter((code) => seen[code]);
      const byName = present.sort((a, b) => (SPLIT_NAMES[a]! < SPLIT_NAMES[b]! ? -1 : 1));
      return { values, stats: { min: SPLIT_UTF8[byName[0]!]!, max: SPLIT_UTF8[byName[byName.length - 1]!]!, distinct: present.length } };
    }
    if (src.block === 'wtl') {
      const col = this.wtl[src.offset]!;
      let min = Infinity;
      let max = -Infinity;
      if (statistics) this.distinct.reset(n);
      for (let i = 0; i < n; i++) {
        let v = col[i]!;
        if (v !== v) throw new InvariantError(`${c.name} is NaN at row ${this.rows + i}`);
        if (v === 0) col[i] = v = 0; // -0 → 0, as the library stores it
        if (statistics) {
          if (v < min) min = v;
          if (v > max) max = v;
          this.distinct.add(v);
        }
      }
      const values = bytesOf(col, 0, n);
      return { values, stats: statistics ? { min: plainDouble(min), max: plainDouble(max), distinct: this.distinct.count } : null };
    }
    let col: Int32Array;
    let from = 0;
    if (src.block === 'context') {
      col = this.context[src.offset]!;
    } else if (src.block === 'click' || src.block === 'bookmark' || src.block === 'reply') {
      col = this.ints;
      const labels = table[src.block];
      for (let i = 0; i < n; i++) col[i] = labels[start + i]!;
    } else {
      col = table[src.block];
      from = start;
    }
    const values = bytesOf(col, from, from + n);
    if (!statistics) return { values, stats: null };
    let min = Infinity;
    let max = -Infinity;
    this.distinct.reset(n);
    for (let i = from; i < from + n; i++) {
      const v = col[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
      this.distinct.add(v);
    }
    return { values, stats: { min: plainInt32(min), max: plainInt32(max), distinct: this.distinct.count } };
  }

  private statistics(w: CompactWriter, s: ChunkStatistics): void {
    w.structBegin();
    w.field(CT.binary, 1).binary(s.max).field(CT.binary, 2).binary(s.min);
    w.field(CT.i64, 3).i64(0).field(CT.i64, 4).i64(s.distinct);
    w.field(CT.binary, 5).binary(s.max).field(CT.binary, 6).binary(s.min);
    w.structEnd();
  }

  /** PageHeader of a data page v1, left in `this.thrift`. */
  private pageHeader(rows: number, uncompressed: number, compressed: number, stats: ChunkStatistics | null): void {
    const w = this.thrift.reset().structBegin();
    w.field(CT.i32, 1).i32(PAGE_TYPE_DATA_PAGE).field(CT.i32, 2).i32(uncompressed).field(CT.i32, 3).i32(compressed);
    w.field(CT.struct, 5).structBegin();
    w.field(CT.i32, 1).i32(rows).field(CT.i32, 2).i32(ENCODING_PLAIN).field(CT.i32, 3).i32(ENCODING_RLE).field(CT.i32, 4).i32(ENCODING_RLE);
    if (stats !== null) {
      w.field(CT.struct, 5);
      this.statistics(w, stats);
    }
    w.structEnd().structEnd();
  }

  /** A column chunk's ColumnMetaData, left in `this.thrift`. */
  private columnMetaData(c: FeatureColumnLayout, rows: number, pagesLength: number, chunkOffset: number, stats: ChunkStatistics | null): void {
    const w = this.thrift.reset().structBegin();
    w.field(CT.i32, 1).i32(TYPE[c.type]);
    w.field(CT.list, 2).listBegin(CT.i32, 2).i32(ENCODING_RLE).i32(ENCODING_PLAIN);
    w.field(CT.list, 3).listBegin(CT.binary, 1).string(c.name);
    w.field(CT.i32, 4).i32(CODEC[this.options.compression]);
    w.field(CT.i64, 5).i64(rows).field(CT.i64, 6).i64(pagesLength).field(CT.i64, 7).i64(pagesLength);
    w.field(CT.i64, 9).i64(chunkOffset);
    if (stats !== null) {
      w.field(CT.struct, 12);
      this.statistics(w, stats);
    }
    w.structEnd();
  }

  private columnIndex(s: ChunkStatistics): Uint8Array {
    const w = this.thrift.reset().structBegin();
    w.field(CT.list, 2).listBegin(CT.binary, 1).binary(s.min);
    w.field(CT.list, 3).listBegin(CT.binary, 1).binary(s.max);
    return w.structEnd().bytes();
  }

  private offsetIndex(chunkOffset: number, pageLength: number): Uint8Array {
    const w = this.thrift.reset().structBegin();
    w.field(CT.list, 1).listBegin(CT.struct, 1);
    w.structBegin().field(CT.i64, 1).i64(chunkOffset).field(CT.i32, 2).i32(pageLength).field(CT.i64, 3).i64(0).structEnd();
    return w.structEnd().bytes();
  }
}
