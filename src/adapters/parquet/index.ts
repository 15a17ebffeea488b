// features.parquet, written row group by row group through the one atomic write (fs/atomic-file.ts): each group is
// encoded, written and hashed as soon as its rows are there, so writing adds about one row group to memory and the
// checksum needs no second pass over the file. The bytes are parquetjs-lite 0.8.7's (dependencies.md, Parquet row):
// with that exact version the groups are encoded by dyadflow's own encoder (encoder.ts, ~10× faster), which a test
// holds to the library's row API byte for byte; with any other version the library's row API writes the file.
import parquet from 'parquetjs-lite';
import { InputError, InvariantError } from '../../core/errors.js';
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable, type Spread } from '../../core/features/feature-table.js';
import {
  SPLIT_NAMES,
  allocateFeatureTable,
  chunkedFeatureFileWriter,
  featureColumnLayout,
  numericValue,
  spreadOfColumnNames,
  type FeatureColumnLayout,
  type FeatureTableFileWriter,
} from '../snapshot/columns.js';
import { createAtomicFile, type AtomicFile, type FileDigest } from '../fs/atomic-file.js';
import { FeatureParquetEncoder, parquetEncoderEnabled } from './encoder.js';

export { parquetEncoderEnabled } from './encoder.js';
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

/** Who encodes the row groups: dyadflow's encoder (default where enabled) or parquetjs-lite's row API (the reference). */
export type ParquetEncoderChoice = 'dyadflow' | 'parquetjs-rows';

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

function rowObject(table: FeatureTable, layout: FeatureColumnLayout[], row: number): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const c of layout) {
    rec[c.name] = c.type === 'utf8' ? SPLIT_NAMES[table.split[row]!] : numericValue(table, c.source, row);
  }
  return rec;
}

/** Row groups encoded by dyadflow's encoder, each written (and hashed) as soon as it is encoded. */
function encoderChunks(file: AtomicFile, layout: FeatureColumnLayout[], o: Required<ParquetWriteOptions>) {
  const encoder = new FeatureParquetEncoder(layout, o, FOOTER_METADATA);
  let started = false;
  const start = async () => {
    if (!started) await file.write(encoder.header());
    started = true;
  };
  return {
    async chunk(table: FeatureTable, from: number, to: number): Promise<void> {
      await start();
      await file.write(encoder.rowGroup(table, from, to));
    },
    async finish(): Promise<void> {
      await start();
      await file.write(encoder.footer());
    },
  };
}

/**
 * parquetjs-lite's output stream (lib/util.js oswrite/osend: `write(buf, cb)`, `end(cb)`) over an AtomicFile. The
 * library does not await every write (the header, the page index), so writes are chained in order here, a failure
 * is kept and reported by `settled()` rather than through the callback (an unawaited rejection would crash).
 */
function libraryOutput(file: AtomicFile) {
  let tail: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const stream = {
    write(buf: Uint8Array, cb: (err?: unknown) => void): void {
      tail = tail.then(async () => {
        if (failure === null) await file.write(buf).catch((error: unknown) => void (failure ??= { error }));
        cb();
      });
    },
    end(cb: (err?: unknown) => void): void {
      tail = tail.then(() => cb());
    },
  };
  return {
    stream,
    async settled(): Promise<void> {
      await tail;
      if (failure !== null) throw failure.error;
    },
  };
}

/** Row groups written by parquetjs-lite's row API (`appendRow` per row, the library groups and encodes). */
async function libraryChunks(file: AtomicFile, layout: FeatureColumnLayout[], o: Required<ParquetWriteOptions>) {
  const output = libraryOutput(file);
  // Data page v1 (not the library's default v2): the most widely read page format; one page per row group.
  const writer = await parquet.ParquetWriter.openStream(parquetSchemaOf(layout, o), output.stream, {
    rowGroupSize: o.rowGroupRows,
    pageSize: o.rowGroupRows,
    useDataPageV2: false,
  });
  for (const [k, v] of Object.entries(FOOTER_METADATA)) writer.setMetadata(k, v);
  return {
    async chunk(table: FeatureTable, from: number, to: number, firstRow: number): Promise<void> {
      for (let r = from; r < to; r++) {
        if (table.split[r]! > SPLIT.test) throw new InvariantError(`split code ${table.split[r]} at row ${firstRow + r - from} is neither train nor test`);
        await writer.appendRow(rowObject(table, layout, r));
      }
      await output.settled();
    },
    async finish(): Promise<void> {
      await writer.close();
      await output.settled();
    },
    release: () => output.settled(),
  };
}

/**
 * Opens features.parquet for writing row group by row group (`append` rows in any ranges, then `commit`). Same rows
 * and options → same bytes, whichever encoder and however the rows were cut into appends.
 */
export async function openFeatureTableParquetWriter(
  path: string,
  spread: Spread,
  options: ParquetWriteOptions = {},
  encoderChoice: ParquetEncoderChoice = parquetEncoderEnabled ? 'dyadflow' : 'parquetjs-rows',
): Promise<FeatureTableFileWriter> {
  const o = resolveOptions(options);
  const layout = featureColumnLayout(spread);
  const file = await createAtomicFile(path);
  try {
    const encoder = encoderChoice === 'dyadflow' && parquetEncoderEnabled ? encoderChunks(file, layout, o) : await libraryChunks(file, layout, o);
    return chunkedFeatureFileWriter(file, o.rowGroupRows, encoder);
  } catch (err) {
    await file.abort();
    throw err;
  }
}

/**
 * Writes a FeatureTable as features.parquet (row group by row group, through `<path>.tmp`, fsync, rename). Same
 * table and options → same bytes. Returns the file's size and SHA-256, computed while writing.
 */
export async function writeFeatureTableParquet(
  path: string,
  table: FeatureTable,
  spread: Spread,
  options: ParquetWriteOptions = {},
): Promise<FileDigest> {
  const writer = await openFeatureTableParquetWriter(path, spread, options);
  await writer.append(table);
  return writer.commit();
}

/**
 * Writes the same file through parquetjs-lite's row API (`appendRow` per row): about 10× slower; the reference
 * dyadflow's encoder must equal byte for byte.
 */
export async function writeFeatureTableParquetRows(
  path: string,
  table: FeatureTable,
  spread: Spread,
  options: ParquetWriteOptions = {},
): Promise<FileDigest> {
  const writer = await openFeatureTableParquetWriter(path, spread, options, 'parquetjs-rows');
  await writer.append(table);
  return writer.commit();
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
