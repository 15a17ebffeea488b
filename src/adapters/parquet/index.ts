// features.parquet through parquetjs-lite 0.8.7 (dependencies.md, Parquet row). Its row API (`appendRow`)
// spends most of its time shredding one row object at a time; the columnar path here fills the writer's
// row buffer with whole pre-shredded columns per row group and lets `appendRow` of the group's last row
// encode and write the group, so the library still does every byte of encoding. It relies on two internal
// fields of ParquetWriter (`rowBuffer`, `rowGroupSize`), hence the pinned version and the byte-equality test
// against writeFeatureTableParquetRows.
import parquet from 'parquetjs-lite';
import { InputError, InvariantError } from '../../core/errors.js';
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable, type Spread } from '../../core/features/feature-table.js';
import {
  SPLIT_NAMES,
  allocateFeatureTable,
  featureColumnLayout,
  numericValue,
  rowMajorToColumns,
  spreadOfColumnNames,
  type FeatureColumnLayout,
} from '../snapshot/columns.js';
import { commitTmpFile, digestFile, removeTmpFile, tmpPathOf, writeError, type FileDigest } from '../fs/atomic-file.js';

/** Page compression of features.parquet: none, or SNAPPY (snappyjs, pure JS). */
export type ParquetCompression = 'none' | 'snappy';

/** How features.parquet is laid out. */
export interface ParquetWriteOptions {
  /** Rows per row group (one data page per column chunk); parquetjs-lite's reader slows superlinearly above ~16k. */
  rowGroupRows?: number;
  compression?: ParquetCompression;
  /** Column statistics (min, max, distinct count) in pages and column chunks; readers prune row groups with them. */
  statistics?: boolean;
}

/**
 * Defaults: 4,096-row groups (the library's own default; at 819k rows they cost ~25% less CPU to write than 8,192,
 * less live data per group for the scavenger), SNAPPY, statistics on (readers such as DuckDB prune with them).
 */
export const DEFAULT_PARQUET_WRITE_OPTIONS: Required<ParquetWriteOptions> = {
  rowGroupRows: 4096,
  compression: 'snappy',
  statistics: true,
};

/** Key-value metadata stored in the footer: constant, so the bytes depend only on the table and options. */
const FOOTER_METADATA: Record<string, string> = { 'dyadflow.columns': 'schemas/dyad-features.schema.json' };

// Shared Buffers of the two split values: PLAIN BYTE_ARRAY encoding only reads them.
const SPLIT_BYTES = SPLIT_NAMES.map((s) => Buffer.from(s, 'utf8'));

function resolveOptions(options: ParquetWriteOptions): Required<ParquetWriteOptions> {
  const o = { ...DEFAULT_PARQUET_WRITE_OPTIONS, ...stripUndefined(options) };
  if (!Number.isInteger(o.rowGroupRows) || o.rowGroupRows < 1) {
    throw new InputError('DF_ERR_PARQUET_OPTIONS', `rowGroupRows must be a positive integer, got ${o.rowGroupRows}`);
  }
  if (o.compression !== 'none' && o.compression !== 'snappy') {
    throw new InputError('DF_ERR_PARQUET_OPTIONS', `compression must be none or snappy, got ${String(o.compression)}`);
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parquetSchemaOf(layout: FeatureColumnLayout[], o: Required<ParquetWriteOptions>): parquet.ParquetSchema {
  const def: Record<string, parquet.FieldDefinition> = {};
  for (const c of layout) {
    def[c.name] = {
      type: c.type === 'int32' ? 'INT32' : c.type === 'double' ? 'DOUBLE' : 'UTF8',
      compression: o.compression === 'snappy' ? 'SNAPPY' : 'UNCOMPRESSED',
      ...(o.statistics ? {} : { statistics: false }),
    };
  }
  return new parquet.ParquetSchema(def);
}

async function openWriter(path: string, spread: Spread, o: Required<ParquetWriteOptions>) {
  const layout = featureColumnLayout(spread);
  // Data page v1 (not the library's default v2): the most widely read page format; one page per row group.
  const writer = await parquet.ParquetWriter.openFile(parquetSchemaOf(layout, o), tmpPathOf(path), {
    rowGroupSize: o.rowGroupRows,
    pageSize: o.rowGroupRows,
    useDataPageV2: false,
  });
  for (const [k, v] of Object.entries(FOOTER_METADATA)) writer.setMetadata(k, v);
  return { writer, layout };
}

function rowObject(table: FeatureTable, layout: FeatureColumnLayout[], row: number): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const c of layout) {
    rec[c.name] = c.type === 'utf8' ? SPLIT_NAMES[table.split[row]!] : numericValue(table, c.source, row);
  }
  return rec;
}

function checkSplitCodes(table: FeatureTable): void {
  for (let i = 0; i < table.length; i++) {
    if (table.split[i]! > SPLIT.test) throw new InvariantError(`split code ${table.split[i]} at row ${i} is neither train nor test`);
  }
}

/**
 * Counts distinct numbers with open addressing on typed arrays. A Set of 8k doubles per column and page boxes
 * every key; over 819k rows × 38 columns that garbage was the largest cost of the write.
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
    this.mask = this.keys.length - 1;
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

/**
 * Stands in for a page's Set of distinct values. parquetjs-lite 0.8.7 uses that Set only to spread it for the
 * page's min and max (first value seeds both, then `>`/`<`: yielding [min, max] gives the same result; a Set
 * never holds -0), for `.size` (distinct_count), for `forEach` into the column chunk's union (only its size is
 * used, and each chunk has exactly one page here, so yielding `size` distinct placeholders keeps it exact), and
 * for `add` of the row appended through appendRow (already counted). The byte-equality test holds it to that.
 */
class PageDistinctValues {
  constructor(
    private readonly min: unknown,
    private readonly max: unknown,
    readonly size: number,
  ) {}

  [Symbol.iterator](): Iterator<unknown> {
    return (this.size === 0 ? [] : this.size === 1 ? [this.min] : [this.min, this.max])[Symbol.iterator]();
  }

  forEach(fn: (value: unknown) => void): void {
    for (let i = 0; i < this.size; i++) fn(i);
  }

  add(): this {
    return this;
  }
}

const NO_STATISTICS = new PageDistinctValues(undefined, undefined, 0);

/** Scratch columns of one row group, reused across groups. */
interface GroupScratch {
  wtl: Float64Array[];
  context: Int32Array[];
  distinct: DistinctCounter;
}

function createScratch(rows: number): GroupScratch {
  return {
    wtl: Array.from({ length: WTL_WIDTH }, () => new Float64Array(rows)),
    context: Array.from({ length: CONTEXT_WIDTH }, () => new Int32Array(rows)),
    distinct: new DistinctCounter(),
  };
}

/**
 * Shreds rows [start, end) of one column as parquetjs-lite's shredRecord does for a REQUIRED leaf, except for
 * the group's last row (appended through appendRow), which the statistics (over [start, end)) already include.
 */
function shredColumn(
  table: FeatureTable,
  c: FeatureColumnLayout,
  scratch: GroupScratch,
  start: number,
  end: number,
  statistics: boolean,
): parquet.ColumnBuffer {
  const n = end - start;
  const prefilled = n - 1;
  const values: unknown[] = [];
  let distinct = NO_STATISTICS;
  const src = c.source;
  if (src.block === 'split') {
    const seen = [false, false];
    for (let r = start; r < end; r++) {
      const code = table.split[r]!;
      if (r < end - 1) values.push(SPLIT_BYTES[code]);
      seen[code] = true;
    }
    if (statistics) {
      const present = SPLIT_NAMES.filter((_, code) => seen[code]);
      const min = present.reduce((a, b) => (b < a ? b : a));
      const max = present.reduce((a, b) => (b > a ? b : a));
      distinct = new PageDistinctValues(min, max, present.length);
    }
  } else {
    // Contiguous values of the column for rows [start, end).
    const col: ArrayLike<number> =
      src.block === 'wtl'
        ? scratch.wtl[src.offset]!
        : src.block === 'context'
          ? scratch.context[src.offset]!
          : table[src.block].subarray(start, end);
    let min = Infinity;
    let max = -Infinity;
    const counter = scratch.distinct;
    if (statistics) counter.reset(n);
    for (let i = 0; i < n; i++) {
      let v = col[i]!;
      if (Number.isNaN(v)) throw new InvariantError(`${c.name} is NaN at row ${start + i}`);
      // The row API stores parseFloat(String(v)), which turns -0 into 0; a Set of statistics does the same.
      if (v === 0) v = 0;
      if (i < prefilled) values.push(v);
      if (statistics) {
        if (v < min) min = v;
        if (v > max) max = v;
        counter.add(v);
      }
    }
    if (statistics) distinct = new PageDistinctValues(min, max, counter.count);
  }
  // REQUIRED, non-repeated leaves have max levels 0: the levels are never encoded, only counted.
  return {
    dlevels: new Array<number>(prefilled).fill(0),
    rlevels: new Array<number>(prefilled).fill(0),
    values,
    distinct_values: distinct as unknown as Set<unknown>,
    count: prefilled,
  };
}

/** After a failure: releases the output stream (best effort; it may be closed already) and removes the `.tmp`. */
async function abandon(writer: parquet.ParquetWriter | undefined, path: string): Promise<void> {
  await writer?.envelopeWriter.close().catch(() => {});
  await removeTmpFile(path).catch(() => {});
}

async function finish(writer: parquet.ParquetWriter, path: string): Promise<FileDigest> {
  await writer.close();
  await commitTmpFile(path);
  return digestFile(path);
}

/**
 * Writes a FeatureTable as features.parquet by the columnar path (whole columns per row group), to
 * `path + '.tmp'` then renamed. Same table and options → same bytes. Returns the file's size and SHA-256.
 */
export async function writeFeatureTableParquet(
  path: string,
  table: FeatureTable,
  spread: Spread,
  options: ParquetWriteOptions = {},
): Promise<FileDigest> {
  const o = resolveOptions(options);
  checkSplitCodes(table);
  let opened: parquet.ParquetWriter | undefined;
  try {
    const { writer, layout } = await openWriter(path, spread, o);
    opened = writer;
    const scratch = createScratch(Math.min(o.rowGroupRows, table.length));
    for (let start = 0; start < table.length; start += o.rowGroupRows) {
      const end = Math.min(table.length, start + o.rowGroupRows);
      const prefilled = end - 1 - start;
      if (prefilled > 0) {
        rowMajorToColumns(table.wtl.subarray(start * WTL_WIDTH, end * WTL_WIDTH), WTL_WIDTH, end - start, scratch.wtl);
        rowMajorToColumns(table.context.subarray(start * CONTEXT_WIDTH, end * CONTEXT_WIDTH), CONTEXT_WIDTH, end - start, scratch.context);
        const columnData: Record<string, parquet.ColumnBuffer> = {};
        const pages: Record<string, unknown[]> = {};
        for (const c of layout) {
          columnData[c.name] = shredColumn(table, c, scratch, start, end, o.statistics);
          pages[c.name] = [];
        }
        writer.rowBuffer = { rowCount: prefilled, pageRowCount: prefilled, columnData, pages };
      } else {
        writer.rowBuffer = {};
      }
      // The group's last row goes through appendRow, which encodes the page and writes the row group
      // once rowCount reaches rowGroupSize (set to this group's size, smaller for the last group).
      writer.rowGroupSize = end - start;
      await writer.appendRow(rowObject(table, layout, end - 1));
      if (writer.rowBuffer.rowCount !== undefined) {
        throw new InvariantError('parquetjs-lite did not flush the row group: its internals changed (pin 0.8.7)');
      }
    }
    return await finish(writer, path);
  } catch (err) {
    await abandon(opened, path);
    throw writeError(path, err);
  }
}

/**
 * Writes the same file through parquetjs-lite's row API (`appendRow` per row): about 10× slower; the
 * reference the columnar path must equal byte for byte.
 */
export async function writeFeatureTableParquetRows(
  path: string,
  table: FeatureTable,
  spread: Spread,
  options: ParquetWriteOptions = {},
): Promise<FileDigest> {
  const o = resolveOptions(options);
  checkSplitCodes(table);
  let opened: parquet.ParquetWriter | undefined;
  try {
    const { writer, layout } = await openWriter(path, spread, o);
    opened = writer;
    for (let r = 0; r < table.length; r++) await writer.appendRow(rowObject(table, layout, r));
    return await finish(writer, path);
  } catch (err) {
    await abandon(opened, path);
    throw writeError(path, err);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Reads features.parquet back into a FeatureTable with parquetjs-lite's own reader (row group by row group). */
export async function readFeatureTableParquet(path: string): Promise<FeatureTable> {
  let reader: parquet.ParquetReader;
  try {
    reader = await parquet.ParquetReader.openFile(path);
  } catch (err) {
    throw new InputError('DF_ERR_SNAPSHOT_READ', `${path}: cannot open as Parquet: ${describe(err)}`, { cause: err });
  }
  try {
    const names = reader.getSchema().fieldList.map((f) => f.name);
    const spread = spreadOfColumnNames(names);
    if (spread === null) {
      throw new InputError('DF_ERR_SNAPSHOT_COLUMNS', `${path}: columns are not those of schemas/dyad-features.schema.json`);
    }
    const layout = featureColumnLayout(spread);
    const table = allocateFeatureTable(Number(reader.getRowCount()));
    const cursor = reader.getCursor();
    let row = 0;
    for (let group = await cursor.nextRowGroup(); group !== null; group = await cursor.nextRowGroup()) {
      for (const rec of group) {
        if (row >= table.length) throw new InputError('DF_ERR_SNAPSHOT_READ', `${path}: more rows than the footer's count`);
        for (const c of layout) {
          const v = rec[c.name];
          const src = c.source;
          if (src.block === 'split') {
            const code = SPLIT_NAMES.indexOf(v as (typeof SPLIT_NAMES)[number]);
            if (code < 0) throw new InputError('DF_ERR_SNAPSHOT_READ', `${path}: row ${row}: split is ${String(v)}`);
            table.split[row] = code;
          } else if (src.block === 'wtl') {
            table.wtl[row * WTL_WIDTH + src.offset] = v as number;
          } else if (src.block === 'context') {
            table.context[row * CONTEXT_WIDTH + src.offset] = v as number;
          } else if ((src.block === 'click' || src.block === 'bookmark' || src.block === 'reply') && v !== 0 && v !== 1) {
            throw new InputError('DF_ERR_SNAPSHOT_READ', `${path}: row ${row}: ${c.name} is ${String(v)}, not 0 or 1`);
          } else {
            table[src.block][row] = v as number;
          }
        }
        row++;
      }
    }
    if (row !== table.length) throw new InputError('DF_ERR_SNAPSHOT_READ', `${path}: ${row} rows, the footer says ${table.length}`);
    return table;
  } finally {
    await reader.close();
  }
}
