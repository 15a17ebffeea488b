// features.arrow: the dyad feature table as an Arrow IPC file (apache-arrow 21), what the trainer reads back. Written
// record batch by record batch through the one atomic write (fs/atomic-file.ts): each batch's columns are built from
// the row-major table for its rows only (ids zero-copy, the wtl and context blocks transposed into reused scratch
// columns), encoded by apache-arrow's own RecordBatchFileWriter and written and hashed at once, so writing adds about
// one batch to memory whatever the table size. `split` is a dictionary column (Int8 indices into ['train', 'test']):
// its indices are the table's SPLIT codes, so it is written and read without conversion, and pyarrow/pandas see it
// as a categorical; every batch shares one dictionary, written once.
import { readFileSync } from 'node:fs';
import {
  Dictionary,
  Field,
  Float64,
  Int8,
  Int32,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  tableFromIPC,
  vectorFromArray,
  type Data,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { InputError, InvariantError } from '../../core/errors.js';
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable, type Spread } from '../../core/features/feature-table.js';
import {
  SPLIT_NAMES,
  allocateFeatureTable,
  chunkedFeatureFileWriter,
  columnsToRowMajor,
  featureColumnLayout,
  rowMajorToColumns,
  spreadOfColumnNames,
  type FeatureColumnLayout,
  type FeatureTableFileWriter,
} from '../snapshot/columns.js';
import { createAtomicFile, type AtomicFile, type FileDigest } from '../fs/atomic-file.js';

/** Schema metadata of features.arrow: constant, so the bytes depend only on the table. */
const SCHEMA_METADATA = new Map([['dyadflow.columns', 'schemas/dyad-features.schema.json']]);

/** Dictionary id of the `split` column in the IPC stream. */
const SPLIT_DICTIONARY_ID = 0;

function splitType(): Dictionary<Utf8, Int8> {
  return new Dictionary(new Utf8(), new Int8(), SPLIT_DICTIONARY_ID, false);
}

function arrowType(c: FeatureColumnLayout): DataType {
  return c.type === 'int32' ? new Int32() : c.type === 'double' ? new Float64() : splitType();
}

/** The Arrow schema of features.arrow for a spread, derived from the snapshot column list. */
export function featureArrowSchema(spread: Spread): Schema {
  return new Schema(
    featureColumnLayout(spread).map((c) => new Field(c.name, arrowType(c), false)),
    SCHEMA_METADATA,
  );
}

/** How features.arrow is cut into record batches. */
export interface ArrowWriteOptions {
  /** Rows per record batch (the last one shorter). */
  batchRows?: number;
}

/**
 * 65,536 rows per record batch: ~13 MB of column data (the writer's memory beyond the table, about twice that with
 * its scratch columns), a per-batch overhead (one flatbuffer message, 8-byte padding per buffer) below 0.1% of the
 * batch, and few enough batches (13 at the paper's 819k rows, ~150 at 10⁷) for readers that stream them. A
 * constant, so the same table always gives the same bytes.
 */
export const DEFAULT_ARROW_BATCH_ROWS = 65_536;

function resolveBatchRows(options: ArrowWriteOptions): number {
  const rows = options.batchRows ?? DEFAULT_ARROW_BATCH_ROWS;
  if (!Number.isInteger(rows) || rows < 1) throw new InputError('DF_ERR_ARROW_OPTIONS', `batchRows must be a positive integer, got ${rows}`);
  return rows;
}

function int32Data(values: Int32Array): Data {
  return makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values });
}

function float64Data(values: Float64Array): Data {
  return makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
}

/**
 * apache-arrow's IPC file writer with its output taken chunk by chunk: the library queues every chunk it encodes in
 * an internal byte queue that is only read whole (`toUint8Array`) or asynchronously; `_write` (its one output
 * method, protected for subclasses) is overridden to hand each record batch's bytes to the caller right after the
 * synchronous `write(batch)`. The bytes are the library's own: the same as `tableToIPC(table, 'file')` of a table
 * with the same batches.
 */
class TakeableFileWriter extends RecordBatchFileWriter {
  private pending: Uint8Array[] = [];

  protected override _write(chunk: unknown): this {
    if (!this._started) return this;
    if (!ArrayBuffer.isView(chunk)) throw new InvariantError('apache-arrow wrote a chunk that is not bytes: its writer changed (pin 21)');
    if (chunk.byteLength > 0) {
      this.pending.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this._position += chunk.byteLength;
    }
    return this;
  }

  /** The chunks written since the last call, in order. */
  take(): Uint8Array[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

/**
 * Encodes a feature table as an Arrow IPC file, batch by batch: `batch()` for each record batch in order, then
 * `finish()`; each returns the bytes to append (views into the batch's columns and scratch: write them before the
 * next call). Pure: no I/O.
 */
class ArrowBatchEncoder {
  private readonly schema: Schema;
  private readonly layout: FeatureColumnLayout[];
  private readonly writer = new TakeableFileWriter();
  private readonly dictionary: Vector;
  private readonly wtl: Float64Array[];
  private readonly context: Int32Array[];
  private readonly labels: Record<'click' | 'bookmark' | 'reply', Int32Array>;
  private batches = 0;

  constructor(spread: Spread, batchRows: number) {
    this.schema = featureArrowSchema(spread);
    this.layout = featureColumnLayout(spread);
    this.dictionary = vectorFromArray([...SPLIT_NAMES], new Utf8());
    this.wtl = Array.from({ length: WTL_WIDTH }, () => new Float64Array(batchRows));
    this.context = Array.from({ length: CONTEXT_WIDTH }, () => new Int32Array(batchRows));
    this.labels = { click: new Int32Array(batchRows), bookmark: new Int32Array(batchRows), reply: new Int32Array(batchRows) };
  }

  /** Encodes rows [start, end) of `table` (the `firstRow`-th row of the file first) as the next record batch. */
  batch(table: FeatureTable, start: number, end: number, firstRow: number): Uint8Array[] {
    const n = end - start;
    rowMajorToColumns(table.wtl.subarray(start * WTL_WIDTH, end * WTL_WIDTH), WTL_WIDTH, n, this.wtl);
    rowMajorToColumns(table.context.subarray(start * CONTEXT_WIDTH, end * CONTEXT_WIDTH), CONTEXT_WIDTH, n, this.context);
    const children = this.layout.map((c): Data => {
      const src = c.source;
      switch (src.block) {
        case 'userIds':
        case 'itemIds':
        case 'weeks':
          return int32Data(table[src.block].subarray(start, end));
        case 'click':
        case 'bookmark':
        case 'reply': {
          const out = this.labels[src.block].subarray(0, n);
          const labels = table[src.block];
          for (let i = 0; i < n; i++) out[i] = labels[start + i]!;
          return int32Data(out);
        }
        case 'split':
          return this.splitData(table, start, end, firstRow);
        case 'wtl':
          return float64Data(this.wtl[src.offset]!.subarray(0, n));
        case 'context':
          return int32Data(this.context[src.offset]!.subarray(0, n));
      }
    });
    const struct = makeData({ type: new Struct(this.schema.fields), length: n, nullCount: 0, children });
    this.writer.write(new RecordBatch(this.schema, struct));
    this.batches++;
    return this.writer.take();
  }

  /** The file's last bytes (an empty table still gets one empty batch, so the file holds the schema and dictionary). */
  finish(): Uint8Array[] {
    const head = this.batches === 0 ? this.batch(allocateFeatureTable(0), 0, 0, 0) : [];
    this.writer.finish();
    return [...head, ...this.writer.take()];
  }

  private splitData(table: FeatureTable, start: number, end: number, firstRow: number): Data {
    const codes = table.split;
    for (let i = start; i < end; i++) {
      if (codes[i]! > SPLIT.test) throw new InvariantError(`split code ${codes[i]} at row ${firstRow + i - start} is neither train nor test`);
    }
    const indices = new Int8Array(codes.buffer, codes.byteOffset + start, end - start);
    return makeData({ type: splitType(), length: end - start, nullCount: 0, data: indices, dictionary: this.dictionary });
  }
}

/** Bytes of the staging buffer that coalesces a batch's small chunks (flatbuffer messages, padding) into one write. */
const STAGING_BYTES = 1 << 20;

/**
 * Writes chunks in order: small ones (flatbuffer messages, padding; a record batch is ~80 chunks) gathered into one
 * staging buffer, large ones (column buffers) written as they are once the staged bytes before them are out.
 */
async function writeChunks(file: AtomicFile, staging: Uint8Array, chunks: Uint8Array[]): Promise<void> {
  let at = 0;
  for (const chunk of chunks) {
    const large = chunk.length >= staging.length / 4;
    if (at > 0 && (large || at + chunk.length > staging.length)) {
      await file.write(staging.subarray(0, at));
      at = 0;
    }
    if (large) {
      await file.write(chunk);
    } else {
      staging.set(chunk, at);
      at += chunk.length;
    }
  }
  if (at > 0) await file.write(staging.subarray(0, at));
}

/**
 * Opens features.arrow for writing record batch by record batch (`append` rows in any ranges, then `commit`). Same
 * rows and batch size → same bytes, however the rows were cut into appends.
 */
export async function openFeatureTableArrowWriter(path: string, spread: Spread, options: ArrowWriteOptions = {}): Promise<FeatureTableFileWriter> {
  const batchRows = resolveBatchRows(options);
  const file = await createAtomicFile(path);
  const encoder = new ArrowBatchEncoder(spread, batchRows);
  const staging = new Uint8Array(STAGING_BYTES);
  return chunkedFeatureFileWriter(file, batchRows, {
    chunk: (table, start, end, firstRow) => writeChunks(file, staging, encoder.batch(table, start, end, firstRow)),
    finish: () => writeChunks(file, staging, encoder.finish()),
  });
}

/** Encodes a FeatureTable as Arrow IPC file bytes in memory (the same bytes writeFeatureTableArrow writes). */
export function encodeFeatureTableArrow(table: FeatureTable, spread: Spread, options: ArrowWriteOptions = {}): Uint8Array {
  const batchRows = resolveBatchRows(options);
  const encoder = new ArrowBatchEncoder(spread, batchRows);
  // One copy per batch (the encoder reuses its scratch columns from one batch to the next), then one join.
  const parts: Uint8Array[] = [];
  for (let start = 0; start < table.length; start += batchRows) {
    parts.push(joinBytes(encoder.batch(table, start, Math.min(table.length, start + batchRows), start)));
  }
  parts.push(joinBytes(encoder.finish()));
  return joinBytes(parts);
}

function joinBytes(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Writes a FeatureTable as features.arrow (record batch by record batch, through `<path>.tmp`, fsync, rename);
 * returns its size and SHA-256, computed while writing.
 */
export async function writeFeatureTableArrow(path: string, table: FeatureTable, spread: Spread, options: ArrowWriteOptions = {}): Promise<FileDigest> {
  const writer = await openFeatureTableArrowWriter(path, spread, options);
  await writer.append(table);
  return writer.commit();
}

function fail(where: string, message: string): never {
  throw new InputError('DF_ERR_SNAPSHOT_READ', `${where}: ${message}`);
}

/** Decodes Arrow IPC bytes written by encodeFeatureTableArrow into a FeatureTable and the spread its columns name. */
export function decodeFeatureTableArrow(bytes: Uint8Array, where = 'features.arrow'): { table: FeatureTable; spread: Spread } {
  let arrowTable: Table;
  try {
    arrowTable = tableFromIPC(bytes);
  } catch (err) {
    fail(where, `not an Arrow IPC file: ${err instanceof Error ? err.message : String(err)}`);
  }
  const spread = spreadOfColumnNames(arrowTable.schema.fields.map((f) => f.name));
  if (spread === null) fail(where, 'columns are not those of schemas/dyad-features.schema.json');
  const layout = featureColumnLayout(spread);
  const n = arrowTable.numRows;
  const table = allocateFeatureTable(n);
  layout.forEach((c, ci) => {
    const field = arrowTable.schema.fields[ci]!;
    const expected = arrowType(c);
    if (String(field.type) !== String(expected)) fail(where, `column ${c.name} has type ${String(field.type)}, expected ${String(expected)}`);
    if (arrowTable.getChildAt(ci)!.nullCount > 0) fail(where, `column ${c.name} has nulls`);
  });
  const wtlAt = layout.findIndex((c) => c.source.block === 'wtl');
  const contextAt = layout.findIndex((c) => c.source.block === 'context');
  let row = 0;
  for (const batch of arrowTable.batches) {
    const len = batch.numRows;
    const dataOf = (ci: number): Data => batch.getChildAt(ci)!.data[0]!;
    const valuesOf = (ci: number) => dataOf(ci).values as Float64Array | Int32Array;
    columnsToRowMajor(Array.from({ length: WTL_WIDTH }, (_, k) => valuesOf(wtlAt + k)), WTL_WIDTH, len, table.wtl, row);
    columnsToRowMajor(Array.from({ length: CONTEXT_WIDTH }, (_, k) => valuesOf(contextAt + k)), CONTEXT_WIDTH, len, table.context, row);
    layout.forEach((c, ci) => {
      const src = c.source;
      if (src.block === 'wtl' || src.block === 'context') return;
      if (src.block === 'split') {
        // Map through the file's own dictionary rather than assuming its order.
        const data = dataOf(ci);
        const dict = (data.dictionary?.toArray() ?? []) as string[];
        const codeOf = dict.map((s) => SPLIT_NAMES.indexOf(s as (typeof SPLIT_NAMES)[number]));
        const idx = data.values as Int8Array;
        for (let i = 0; i < len; i++) {
          const code = codeOf[idx[i]!];
          if (code === undefined || code < 0) fail(where, `row ${row + i}: split is not train or test`);
          table.split[row + i] = code;
        }
      } else if (src.block === 'click' || src.block === 'bookmark' || src.block === 'reply') {
        const vals = valuesOf(ci);
        const out = table[src.block];
        for (let i = 0; i < len; i++) {
          const v = vals[i]!;
          if (v !== 0 && v !== 1) fail(where, `row ${row + i}: ${c.name} is ${v}, not 0 or 1`);
          out[row + i] = v;
        }
      } else {
        table[src.block].set((valuesOf(ci) as Int32Array).subarray(0, len), row);
      }
    });
    row += len;
  }
  if (row !== n) fail(where, `record batches hold ${row} rows, the table ${n}`);
  return { table, spread };
}

/** Reads features.arrow back into a FeatureTable (what the trainer reads). */
export function readFeatureTableArrow(path: string): FeatureTable {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InputError('DF_ERR_SNAPSHOT_READ', `${path}: cannot read: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return decodeFeatureTableArrow(bytes, path).table;
}
