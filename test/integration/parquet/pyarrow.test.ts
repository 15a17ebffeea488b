// features.arrow and features.parquet open in pyarrow (architecture.md: "Parquet files must open in DuckDB and
// pyarrow"; DuckDB has no Arrow IPC reader without a downloaded extension, so pyarrow is the second reader of the
// Arrow file). Both files are written in several chunks (record batches, row groups) and pyarrow must see the same
// rows, types and values as our readers. pyarrow is installed by .ci/run (python3 -m pip install pyarrow).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeatureTableArrow, writeFeatureTableArrow } from '../../../src/adapters/arrow/index.js';
import { readFeatureTableParquet, writeFeatureTableParquet } from '../../../src/adapters/parquet/index.js';
import { featureColumnLayout, numericValue } from '../../../src/adapters/snapshot/columns.js';
import { WTL_WIDTH, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { randomFeatureTable, tableAsArrays } from '../../adapters/snapshot/random-table.js';

const ROWS = 5000;
const CHUNK_ROWS = 1024;

// Reads both files with pyarrow and prints what it saw: batch / row-group sizes, types, every column's values.
const READER = `
import json, sys
import pyarrow as pa, pyarrow.ipc as ipc, pyarrow.parquet as pq
def columns(table):
    return {name: table.column(name).to_pylist() for name in table.column_names}
with pa.memory_map(sys.argv[1]) as source:
    reader = ipc.open_file(source)
    batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
    arrow = pa.Table.from_batches(batches, schema=reader.schema)
    arrow_out = {"batches": [b.num_rows for b in batches], "types": [str(f.type) for f in reader.schema],
                 "nullable": [f.nullable for f in reader.schema], "columns": columns(arrow)}
pf = pq.ParquetFile(sys.argv[2])
parquet = pf.read()
parquet_out = {"groups": [pf.metadata.row_group(i).num_rows for i in range(pf.metadata.num_row_groups)],
               "types": [str(f.type) for f in parquet.schema], "columns": columns(parquet),
               "user_id_min": pf.metadata.row_group(0).column(0).statistics.min}
print(json.dumps({"pyarrow": pa.__version__, "arrow": arrow_out, "parquet": parquet_out}))
`;

interface PyarrowView {
  pyarrow: string;
  arrow: { batches: number[]; types: string[]; nullable: boolean[]; columns: Record<string, unknown[]> };
  parquet: { groups: number[]; types: string[]; columns: Record<string, unknown[]>; user_id_min: number };
}

const table = randomFeatureTable(ROWS, 41);
table.wtl[3 * WTL_WIDTH] = -0;
let root: string;
let arrowPath: string;
let parquetPath: string;
let seen: PyarrowView;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-pyarrow-'));
  arrowPath = join(root, 'features.arrow');
  parquetPath = join(root, 'features.parquet');
  await writeFeatureTableArrow(arrowPath, table, 'std', { batchRows: CHUNK_ROWS });
  await writeFeatureTableParquet(parquetPath, table, 'std', { rowGroupRows: CHUNK_ROWS });
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('python3', ['-c', READER, arrowPath, parquetPath], { maxBuffer: 1 << 28 }));
  } catch (err) {
    throw new Error(`pyarrow could not read the files (is it installed? python3 -m pip install pyarrow): ${String(err)}`);
  }
  seen = JSON.parse(stdout) as PyarrowView;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The table's values column by column, as pyarrow lists them (split as its strings). */
function expectedColumns(table: FeatureTable): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const c of featureColumnLayout('std')) {
    out[c.name] = Array.from({ length: ROWS }, (_, r) =>
      c.type === 'utf8' ? (table.split[r] === 1 ? 'test' : 'train') : numericValue(table, c.source, r),
    );
  }
  return out;
}

describe('a multi-batch features.arrow in pyarrow', () => {
  it('has the record batches, types and values written, and reads back exactly with our reader', () => {
    expect(seen.arrow.batches).toEqual([1024, 1024, 1024, 1024, 904]);
    expect(seen.arrow.types.slice(0, 5)).toEqual(['int32', 'int32', 'int32', 'dictionary<values=string, indices=int8, ordered=0>', 'double']);
    expect(seen.arrow.nullable.every((n) => !n)).toBe(true);
    // Python's json prints -0.0 and JSON.parse keeps it: the Arrow file holds the table's -0 exactly.
    expect(seen.arrow.columns).toEqual(expectedColumns(table));
    expect(tableAsArrays(readFeatureTableArrow(arrowPath))).toEqual(tableAsArrays(table));
  });
});

describe('a features.parquet of several row groups in pyarrow', () => {
  it('has the row groups, types, statistics and values written, and reads back exactly with parquetjs-lite', async () => {
    expect(seen.parquet.groups).toEqual([1024, 1024, 1024, 1024, 904]);
    expect(seen.parquet.types.slice(0, 5)).toEqual(['int32', 'int32', 'int32', 'string', 'double']);
    expect(seen.parquet.user_id_min).toBe(Math.min(...table.userIds.subarray(0, CHUNK_ROWS)));
    // features.parquet stores -0 as 0, as parquetjs-lite does.
    const stored = { ...table, wtl: table.wtl.map((v) => (v === 0 ? 0 : v)) };
    expect(seen.parquet.columns).toEqual(expectedColumns(stored));
    expect(tableAsArrays(await readFeatureTableParquet(parquetPath))).toEqual(tableAsArrays(stored));
  });
});
