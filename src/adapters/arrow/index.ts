// features.arrow: the dyad feature table as an Arrow IPC file (apache-arrow 21), what the trainer reads back.
// One record batch, columns built zero-copy where the table already holds them column-wise. `split` is a
// dictionary column (Int8 indices into ['train', 'test']): its indices are the table's SPLIT codes, so it is
// written and read without conversion, and pyarrow/pandas see it as a categorical.
import { readFileSync } from 'node:fs';
import {
  Dictionary,
  Field,
  Float64,
  Int8,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type Data,
  type DataType,
} from 'apache-arrow';
import { InputError, InvariantError } from '../../core/errors.js';
import { CONTEXT_WIDTH, SPLIT, WTL_WIDTH, type FeatureTable, type Spread } from '../../core/features/feature-table.js';
import {
  SPLIT_NAMES,
  allocateFeatureTable,
  columnsToRowMajor,
  featureColumnLayout,
  rowMajorToColumns,
  spreadOfColumnNames,
  type FeatureColumnLayout,
} from '../snapshot/columns.js';
import { writeFileAtomic, type FileDigest } from '../fs/atomic-file.js';

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

function int32Data(values: Int32Array): Data {
  return makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values });
}

function float64Data(values: Float64Array): Data {
  return makeData({ type: new Float64(), length: values.length, nullCount: 0, data: values });
}

function splitData(table: FeatureTable): Data {
  const n = table.length;
  for (let i = 0; i < n; i++) {
    if (table.split[i]! > SPLIT.test) throw new InvariantError(`split code ${table.split[i]} at row ${i} is neither train nor test`);
  }
  const indices = new Int8Array(table.split.buffer, table.split.byteOffset, n);
  const dictionary = vectorFromArray([...SPLIT_NAMES], new Utf8());
  return makeData({ type: splitType(), length: n, nullCount: 0, data: indices, dictionary });
}

/** Encodes a FeatureTable as Arrow IPC file bytes (one record batch). Same table → same bytes. */
export function encodeFeatureTableArrow(table: FeatureTable, spread: Spread): Uint8Array {
  const n = table.length;
  const schema = featureArrowSchema(spread);
  const wtlColumns = Array.from({ length: WTL_WIDTH }, () => new Float64Array(n));
  rowMajorToColumns(table.wtl, WTL_WIDTH, n, wtlColumns);
  const contextColumns = Array.from({ length: CONTEXT_WIDTH }, () => new Int32Array(n));
  rowMajorToColumns(table.context, CONTEXT_WIDTH, n, contextColumns);
  const children = featureColumnLayout(spread).map((c): Data => {
    const src = c.source;
    switch (src.block) {
      case 'userIds':
      case 'itemIds':
      case 'weeks':
        return int32Data(table[src.block]);
      case 'click':
      case 'bookmark':
      case 'reply':
        return int32Data(Int32Array.from(table[src.block]));
      case 'split':
        return splitData(table);
      case 'wtl':
        return float64Data(wtlColumns[src.offset]!);
      case 'context':
        return int32Data(contextColumns[src.offset]!);
    }
  });
  const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, struct)]), 'file');
}

/** Writes a FeatureTable as features.arrow (Arrow IPC file) to `path + '.tmp'`, then renames; returns size and SHA-256. */
export async function writeFeatureTableArrow(path: string, table: FeatureTable, spread: Spread): Promise<FileDigest> {
  return writeFileAtomic(path, encodeFeatureTableArrow(table, spread));
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
