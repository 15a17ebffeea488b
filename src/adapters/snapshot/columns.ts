// The one column list of a dyad feature snapshot (issue 4 item 3). The Parquet schema, the Arrow schema,
// the manifest's `columns` and schemas/dyad-features.schema.json all follow it; a test checks the schema file.
import { InvariantError } from '../../core/errors.js';
import { writeError, type AtomicFile, type FileDigest } from '../fs/atomic-file.js';
import { CONTEXT_COLUMN_NAMES, CONTEXT_WIDTH, WTL_WIDTH, wtlColumnNames, type FeatureTable, type Spread } from '../../core/features/feature-table.js';

/** Logical type of a snapshot column: Parquet INT32 / DOUBLE / BYTE_ARRAY (UTF8); Arrow Int32 / Float64 / Dictionary<Int8, Utf8>. */
export type ColumnType = 'int32' | 'double' | 'utf8';

/** One column as the manifest and the schema file describe it. */
export interface FeatureColumn {
  name: string;
  type: ColumnType;
  nullable: false;
  meaning: string;
}

/** Where a column's values live in a FeatureTable. */
export type ColumnSource =
  | { block: 'userIds' | 'itemIds' | 'weeks' | 'split' | 'click' | 'bookmark' | 'reply' }
  | { block: 'wtl' | 'context'; offset: number };

/** A column with the place of its values in a FeatureTable (internal to the snapshot adapters). */
export interface FeatureColumnLayout extends FeatureColumn {
  source: ColumnSource;
}

/** The values of the `split` column, indexed by SPLIT code (0 train, 1 test). */
export const SPLIT_NAMES = ['train', 'test'] as const;

const VECTOR_MEANING: Record<string, string> = {
  win: 'WIN (for a neighbour v: the share of its other entries with a smaller IM value than IM(v, item))',
  loss: 'LOSS (for a neighbour v: the share of its other entries with a larger IM value than IM(v, item))',
  tie: 'TIE (for a neighbour v: the share of its other entries with the same IM value as IM(v, item))',
};

function wtlMeaning(name: string): string {
  const [vector, stat] = name.split('_') as [string, string];
  const of = VECTOR_MEANING[vector]!;
  const what =
    stat === 'nonzero'
      ? `number of the dyad's neighbours with a non-zero ${of}, divided by K`
      : `${{ mean: 'mean', std: 'population standard deviation', var: 'population variance', max: 'maximum', min: 'minimum' }[stat]} over the dyad's neighbours of ${of}`;
  return `${what}; 0 when the dyad has no neighbours (Volkovs & Zemel 2012; method.md §3)`;
}

function contextMeaning(name: string): string {
  const side = name.startsWith('user_') ? 'user' : 'item';
  const field = name.slice(side.length + 1);
  const file = side === 'user' ? 'users.csv' : 'items.csv';
  const coding = field === 'country' ? ', coded de 1, at 2, ch 3, non_dach 4, anything else 0' : '';
  return `raw ${file} field ${field} of the ${side}${coding}; 0 when NULL, empty or without a profile (method.md §4)`;
}

const LABEL_MEANING = {
  click: 'clicked (interaction type 1)',
  bookmark: 'bookmarked (interaction type 2)',
  reply: 'replied (interaction type 3)',
} as const;

/** The snapshot's columns in file order, with where each one's values live in a FeatureTable. */
export function featureColumnLayout(spread: Spread): FeatureColumnLayout[] {
  const wtlNames = wtlColumnNames(spread);
  const cols: FeatureColumnLayout[] = [
    { name: 'user_id', type: 'int32', nullable: false, meaning: 'external user id', source: { block: 'userIds' } },
    { name: 'item_id', type: 'int32', nullable: false, meaning: 'external item id', source: { block: 'itemIds' } },
    {
      name: 'week',
      type: 'int32',
      nullable: false,
      meaning: "ISO year × 100 + ISO week of the dyad's first event (e.g. 201534)",
      source: { block: 'weeks' },
    },
    {
      name: 'split',
      type: 'utf8',
      nullable: false,
      meaning: "'train' or 'test': the offline split of method.md §5 (per user by time, or random 30/70)",
      source: { block: 'split' },
    },
  ];
  if (wtlNames.length !== WTL_WIDTH) throw new InvariantError('wtlColumnNames must give 15 names');
  wtlNames.forEach((name, offset) =>
    cols.push({ name, type: 'double', nullable: false, meaning: wtlMeaning(name), source: { block: 'wtl', offset } }),
  );
  if (CONTEXT_COLUMN_NAMES.length !== CONTEXT_WIDTH) throw new InvariantError('CONTEXT_COLUMN_NAMES must give 16 names');
  CONTEXT_COLUMN_NAMES.forEach((name, offset) =>
    cols.push({ name, type: 'int32', nullable: false, meaning: contextMeaning(name), source: { block: 'context', offset } }),
  );
  for (const label of ['click', 'bookmark', 'reply'] as const) {
    cols.push({
      name: label,
      type: 'int32',
      nullable: false,
      meaning: `1 if the user ${LABEL_MEANING[label]} the item (in a stream snapshot: within the window), else 0`,
      source: { block: label },
    });
  }
  return cols;
}

/** The snapshot's columns in file order, as the manifest and schemas/dyad-features.schema.json list them. */
export function featureColumns(spread: Spread): FeatureColumn[] {
  return featureColumnLayout(spread).map(({ name, type, nullable, meaning }) => ({ name, type, nullable, meaning }));
}

/** Which spread a list of column names was written with, or null when it matches neither column list. */
export function spreadOfColumnNames(names: readonly string[]): Spread | null {
  for (const spread of ['std', 'var'] as const) {
    const expected = featureColumnLayout(spread).map((c) => c.name);
    if (expected.length === names.length && expected.every((n, i) => n === names[i])) return spread;
  }
  return null;
}

/** An empty FeatureTable of `length` rows (zeros), to be filled column by column by a reader. */
export function allocateFeatureTable(length: number): FeatureTable {
  return {
    length,
    userIds: new Int32Array(length),
    itemIds: new Int32Array(length),
    weeks: new Int32Array(length),
    split: new Uint8Array(length),
    wtl: new Float64Array(length * WTL_WIDTH),
    context: new Int32Array(length * CONTEXT_WIDTH),
    click: new Uint8Array(length),
    bookmark: new Uint8Array(length),
    reply: new Uint8Array(length),
  };
}

/** Value of column `source` at row `row` as a number (split as its code 0/1). */
export function numericValue(table: FeatureTable, source: ColumnSource, row: number): number {
  switch (source.block) {
    case 'wtl':
      return table.wtl[row * WTL_WIDTH + source.offset]!;
    case 'context':
      return table.context[row * CONTEXT_WIDTH + source.offset]!;
    default:
      return table[source.block][row]!;
  }
}

/** Rows per tile of the blocked transposes: a tile of a 15- or 16-wide block stays in L2 while it is copied. */
const TRANSPOSE_TILE_ROWS = 1024;

/**
 * Copies a row-major `rows × width` block into `width` column arrays. Tiled: a plain strided pass per column
 * streams the whole block once per column and was 4–6× slower here on 819k rows.
 */
export function rowMajorToColumns<T extends Float64Array | Int32Array>(block: T, width: number, rows: number, columns: T[]): void {
  for (let s = 0; s < rows; s += TRANSPOSE_TILE_ROWS) {
    const e = Math.min(rows, s + TRANSPOSE_TILE_ROWS);
    for (let c = 0; c < width; c++) {
      const col = columns[c]!;
      for (let i = s, j = s * width + c; i < e; i++, j += width) col[i] = block[j]!;
    }
  }
}

/** The inverse of rowMajorToColumns: writes `width` columns of `rows` values (from `rowOffset`) into a row-major block. */
export function columnsToRowMajor<T extends Float64Array | Int32Array>(
  columns: ArrayLike<number>[],
  width: number,
  rows: number,
  block: T,
  rowOffset = 0,
): void {
  for (let s = 0; s < rows; s += TRANSPOSE_TILE_ROWS) {
    const e = Math.min(rows, s + TRANSPOSE_TILE_ROWS);
    for (let c = 0; c < width; c++) {
      const col = columns[c]!;
      for (let i = s, j = (rowOffset + s) * width + c; i < e; i++, j += width) block[j] = col[i]!;
    }
  }
}

/** Copies rows [start, end) of `src` into `dst` from row `at` (every snapshot column; not firstSeenS). */
export function copyFeatureRows(src: FeatureTable, start: number, end: number, dst: FeatureTable, at: number): void {
  for (const block of ['userIds', 'itemIds', 'weeks', 'split', 'click', 'bookmark', 'reply'] as const) {
    dst[block].set(src[block].subarray(start, end), at);
  }
  dst.wtl.set(src.wtl.subarray(start * WTL_WIDTH, end * WTL_WIDTH), at * WTL_WIDTH);
  dst.context.set(src.context.subarray(start * CONTEXT_WIDTH, end * CONTEXT_WIDTH), at * CONTEXT_WIDTH);
}

/** A snapshot file being written chunk by chunk through the one atomic write (features.parquet, features.arrow). */
export interface FeatureTableFileWriter {
  /** The final path. */
  readonly path: string;
  /** Rows appended so far. */
  readonly rows: number;
  /**
   * Appends rows [start, end) of `table` (default: all of it). Whole chunks (row groups, record batches) are
   * encoded and written before the promise resolves; a partial one waits for the next rows or `commit`. The
   * bytes depend only on the sequence of rows, not on how it was cut into appends.
   */
  append(table: FeatureTable, start?: number, end?: number): Promise<void>;
  /** Writes the last chunk and the footer, then commits the file; returns its size and SHA-256. */
  commit(): Promise<FileDigest>;
  /** Removes the `.tmp` file; the final path is left as it was. Safe after a failure or twice. */
  abort(): Promise<void>;
}

/**
 * Cuts a sequence of appended row ranges into chunks of exactly `chunkRows` rows (the last one shorter) and hands
 * each to `emit`. Whole chunks inside one append are emitted from the caller's table without a copy; rows that
 * straddle appends are gathered in one chunk-sized buffer, so memory stays at one chunk whatever the table size.
 */
export class RowChunker {
  private pending: FeatureTable | null = null;
  private pendingRows = 0;
  /** Rows appended so far. */
  rows = 0;

  constructor(
    private readonly chunkRows: number,
    private readonly emit: (table: FeatureTable, start: number, end: number) => Promise<void>,
  ) {}

  /** Adds rows [start, end) of `table`, emitting every chunk that fills. */
  async append(table: FeatureTable, start: number, end: number): Promise<void> {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > table.length) {
      throw new InvariantError(`rows [${start}, ${end}) are not a range of a ${table.length}-row table`);
    }
    let at = start;
    while (at < end) {
      if (this.pendingRows === 0 && end - at >= this.chunkRows) {
        await this.emit(table, at, at + this.chunkRows);
        at += this.chunkRows;
        this.rows += this.chunkRows;
        continue;
      }
      const pending = (this.pending ??= allocateFeatureTable(this.chunkRows));
      const take = Math.min(end - at, this.chunkRows - this.pendingRows);
      copyFeatureRows(table, at, at + take, pending, this.pendingRows);
      this.pendingRows += take;
      at += take;
      this.rows += take;
      if (this.pendingRows === this.chunkRows) {
        this.pendingRows = 0;
        await this.emit(pending, 0, this.chunkRows);
      }
    }
  }

  /** Emits the last, partial chunk (if any). */
  async finish(): Promise<void> {
    if (this.pendingRows === 0) return;
    const n = this.pendingRows;
    this.pendingRows = 0;
    await this.emit(this.pending!, 0, n);
  }
}

/** How a snapshot format encodes its chunks: everything but the row bookkeeping and the error handling. */
export interface ChunkEncoder {
  /** Encodes and writes one chunk: rows [start, end) of `table`, the `firstRow`-th row of the file first. */
  chunk(table: FeatureTable, start: number, end: number, firstRow: number): Promise<void>;
  /** Writes what follows the last chunk (footer); called once, after every chunk. */
  finish(rows: number): Promise<void>;
  /** Releases what the encoder holds after a failure (best effort). */
  release?(): Promise<void>;
}

/**
 * A FeatureTableFileWriter over `file` that cuts the appended rows into chunks of `chunkRows` and hands them to
 * `encoder`. Any failure removes the `.tmp` file and is reported as one error naming the file (writeError); the
 * writer refuses further use after it.
 */
export function chunkedFeatureFileWriter(file: AtomicFile, chunkRows: number, encoder: ChunkEncoder): FeatureTableFileWriter {
  let state: 'open' | 'failed' | 'done' = 'open';
  let chunkFirstRow = 0;
  const chunker = new RowChunker(chunkRows, async (table, start, end) => {
    const first = chunkFirstRow;
    chunkFirstRow += end - start;
    await encoder.chunk(table, start, end, first);
  });
  async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (state !== 'open') throw writeError(file.path, new Error(`${what} after the writer ${state === 'done' ? 'committed' : 'failed'}`));
    try {
      return await fn();
    } catch (err) {
      state = 'failed';
      await encoder.release?.().catch(() => {});
      await file.abort();
      throw writeError(file.path, err);
    }
  }
  return {
    path: file.path,
    get rows() {
      return chunker.rows;
    },
    append(table: FeatureTable, start = 0, end = table.length): Promise<void> {
      return guarded('append', () => chunker.append(table, start, end));
    },
    commit(): Promise<FileDigest> {
      return guarded('commit', async () => {
        await chunker.finish();
        await encoder.finish(chunker.rows);
        const digest = await file.commit();
        state = 'done';
        return digest;
      });
    },
    async abort(): Promise<void> {
      if (state === 'open') state = 'failed';
      await encoder.release?.().catch(() => {});
      await file.abort();
    },
  };
}
