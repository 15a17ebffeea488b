// features.arrow and features.parquet open in pyarrow (architecture.md: "Parquet files must open in DuckDB and
// pyarrow"; DuckDB has no Arrow IPC reader without a downloaded extension, so pyarrow is the second reader of the
// Arrow file). Both files are written in several chunks (record batches, row groups) and pyarrow must see the same
// rows, types and values (every bit) as our readers. pyarrow is installed by .ci/run (python3 -m pip install pyarrow).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeatureTableArrow, writeFeatureTableArrow } from '../../../src/adapters/arrow/index.js';
import { readFeatureTableParquet, writeFeatureTableParquet } from '../../../src/adapters/parquet/index.js';
import { SPLIT_NAMES, featureColumnLayout, numericValue } from '../../../src/adapters/snapshot/columns.js';
import { WTL_WIDTH, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { randomFeatureTable } from '../../adapters/snapshot/random-table.js';

// Two record batches at the default batch size (the writer's large-buffer path), 18 row groups.
const ROWS = 70_000;

// Reads both files with pyarrow and prints what it saw: batch / row-group sizes, types, and a SHA-256 of every
// column's values (numbers as their little-endian bytes, so -0 and every bit count; strings joined by newlines).
const READER = `
import hashlib, json, sys
import pyarrow as pa, pyarrow.ipc as ipc, pyarrow.parquet as pq
def digest(column):
    column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if pa.types.is_string(column.type):
        data = "\\n".join(column.to_pylist()).encode()
    else:
        # The data buffer itself (no NumPy needed): width bytes per value from the array's offset.
        width = column.type.bit_width // 8
        data = column.buffers()[1].to_pybytes()[column.offset * width:(column.offset + len(column)) * width]
    return hashlib.sha256(data).hexdigest()
def columns(table):
    return {name: digest(table.column(name)) for name in table.column_names}
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
  arrow: { batches: number[]; types: string[]; nullable: boolean[]; columns: Record<string, string> };
  parquet: { groups: number[]; types: string[]; columns: Record<string, string>; user_id_min: number };
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
  await writeFeatureTableArrow(arrowPath, table, 'std');
  await writeFeatureTableParquet(parquetPath, table, 'std');
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)('python3', ['-c', READER, arrowPath, parquetPath], { maxBuffer: 1 << 24 }));
  } catch (err) {
    throw new Error(`python3 with pyarrow failed on the files (pyarrow missing? python3 -m pip install pyarrow): ${String(err)}`);
  }
  seen = JSON.parse(stdout) as PyarrowView;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The SHA-256 of each column's values as the reader hashes them (split as its strings, one per line). */
function expectedColumns(t: FeatureTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of featureColumnLayout('std')) {
    let data: Uint8Array;
    if (c.type === 'utf8') {
      data = Buffer.from(Array.from(t.split, (code) => SPLIT_NAMES[code]).join('\n'));
    } else {
      const typed = c.type === 'double' ? new Float64Array(t.length) : new Int32Array(t.length);
      for (let r = 0; r < t.length; r++) typed[r] = numericValue(t, c.source, r);
      data = new Uint8Array(typed.buffer);
    }
    out[c.name] = createHash('sha256').update(data).digest('hex');
  }
  return out;
}

/** Every field of two tables byte for byte (-0 included); faster than a deep equality of 70k-row arrays. */
function expectSameTable(actual: FeatureTable, expected: FeatureTable): void {
  expect(actual.length).toBe(expected.length);
  for (const block of ['userIds', 'itemIds', 'weeks', 'split', 'wtl', 'context', 'click', 'bookmark', 'reply'] as const) {
    const bytes = (t: FeatureTable) => Buffer.from(t[block].buffer, t[block].byteOffset, t[block].byteLength);
    expect(Buffer.compare(bytes(actual), bytes(expected)), block).toBe(0);
  }
}

describe('a multi-batch features.arrow in pyarrow', () => {
  it('has the record batches, types and values written, and reads back exactly with our reader', () => {
    expect(seen.arrow.batches).toEqual([65_536, ROWS - 65_536]);
    expect(seen.arrow.types.slice(0, 5)).toEqual(['int32', 'int32', 'int32', 'dictionary<values=string, indices=int8, ordered=0>', 'double']);
    expect(seen.arrow.nullable.every((n) => !n)).toBe(true);
    // The Arrow file holds every bit of the table's values, -0 included.
    expect(seen.arrow.columns).toEqual(expectedColumns(table));
    expectSameTable(readFeatureTableArrow(arrowPath), table);
  });
});

describe('a features.parquet of several row groups in pyarrow', () => {
  it('has the row groups, types, statistics and values written, and reads back exactly with parquetjs-lite', async () => {
    expect(seen.parquet.groups).toEqual([...Array<number>(17).fill(4096), ROWS - 17 * 4096]);
    expect(seen.parquet.types.slice(0, 5)).toEqual(['int32', 'int32', 'int32', 'string', 'double']);
    expect(seen.parquet.user_id_min).toBe(Math.min(...table.userIds.subarray(0, 4096)));
    // features.parquet stores -0 as 0, as parquetjs-lite does.
    const stored = { ...table, wtl: table.wtl.map((v) => (v === 0 ? 0 : v)) };
    expect(seen.parquet.columns).toEqual(expectedColumns(stored));
    expectSameTable(await readFeatureTableParquet(parquetPath), stored);
  });
});
