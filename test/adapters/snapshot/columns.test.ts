import { describe, expect, it } from 'vitest';
import {
  RowChunker,
  columnsToRowMajor,
  copyFeatureRows,
  featureColumns,
  rowMajorToColumns,
  spreadOfColumnNames,
} from '../../../src/adapters/snapshot/columns.js';
import type { FeatureTable } from '../../../src/core/features/feature-table.js';
import { randomFeatureTable, tableAsArrays } from './random-table.js';
import { readSchema, validatorFor } from '../../../src/adapters/schemas/validators.js';
import { CONTEXT_COLUMN_NAMES, type Spread } from '../../../src/core/features/feature-table.js';

interface PropertySchema {
  type: string;
  description: string;
  enum?: unknown[];
}

/** The column list the schema file describes for a spread, read the way its description says. */
function columnsFromSchemaFile(spread: Spread) {
  const schema = readSchema('dyad-features.schema.json') as { properties: Record<string, PropertySchema> };
  const other = spread === 'std' ? '_var' : '_std';
  return Object.entries(schema.properties)
    .filter(([name]) => !name.endsWith(other))
    .map(([name, p]) => ({
      name,
      type: p.type === 'integer' ? 'int32' : p.type === 'number' ? 'double' : 'utf8',
      nullable: false,
      meaning: p.description,
    }));
}

describe('snapshot columns', () => {
  it('are user_id, item_id, week, split, 15 statistics, 16 context columns and 3 labels, in that order', () => {
    const names = featureColumns('std').map((c) => c.name);
    expect(names.slice(0, 9)).toEqual(['user_id', 'item_id', 'week', 'split', 'win_mean', 'win_std', 'win_max', 'win_min', 'win_nonzero']);
    expect(names.slice(9, 19)).toEqual([
      'loss_mean', 'loss_std', 'loss_max', 'loss_min', 'loss_nonzero',
      'tie_mean', 'tie_std', 'tie_max', 'tie_min', 'tie_nonzero',
    ]);
    expect(names.slice(19, 35)).toEqual([...CONTEXT_COLUMN_NAMES]);
    expect(names.slice(35)).toEqual(['click', 'bookmark', 'reply']);
    expect(featureColumns('var').map((c) => c.name)[5]).toBe('win_var');
    expect(featureColumns('std').filter((c) => c.type === 'double')).toHaveLength(15);
    expect(featureColumns('std').filter((c) => c.type === 'utf8').map((c) => c.name)).toEqual(['split']);
  });

  it.each<Spread>(['std', 'var'])('match schemas/dyad-features.schema.json exactly (spread %s)', (spread) => {
    expect(columnsFromSchemaFile(spread)).toEqual(featureColumns(spread));
  });

  it('tell the spread from column names', () => {
    expect(spreadOfColumnNames(featureColumns('std').map((c) => c.name))).toBe('std');
    expect(spreadOfColumnNames(featureColumns('var').map((c) => c.name))).toBe('var');
    expect(spreadOfColumnNames(featureColumns('std').map((c) => c.name).reverse())).toBeNull();
    expect(spreadOfColumnNames(['user_id'])).toBeNull();
  });
});

describe('schemas/dyad-features.schema.json', () => {
  const row = (spread: Spread): Record<string, unknown> =>
    Object.fromEntries(featureColumns(spread).map((c) => [c.name, c.type === 'utf8' ? 'train' : c.type === 'double' ? 0.25 : 1]));

  it('accepts a row of either spread', () => {
    const validate = validatorFor('dyad-features.schema.json');
    expect(validate(row('std'))).toBe(true);
    expect(validate(row('var'))).toBe(true);
  });

  it('refuses both spreads at once, a missing column, a null, an unknown split and a label of 2', () => {
    const validate = validatorFor('dyad-features.schema.json');
    expect(validate({ ...row('std'), win_var: 0 })).toBe(false);
    const { tie_min: _drop, ...missing } = row('std');
    expect(validate(missing)).toBe(false);
    expect(validate({ ...row('std'), user_region: null })).toBe(false);
    expect(validate({ ...row('std'), split: 'validation' })).toBe(false);
    expect(validate({ ...row('std'), reply: 2 })).toBe(false);
    expect(validate({ ...row('std'), user_id: 2 ** 31 })).toBe(false);
  });
});

describe('blocked transposes', () => {
  it('split a row-major block into columns and join it back, across tile boundaries and at a row offset', () => {
    const rows = 2500;
    const width = 3;
    const block = Float64Array.from({ length: rows * width }, (_, i) => i + 0.5);
    const cols = Array.from({ length: width }, () => new Float64Array(rows));
    rowMajorToColumns(block, width, rows, cols);
    expect(cols[2]![0]).toBe(2.5);
    expect(cols[1]![2499]).toBe(2499 * 3 + 1.5);
    expect(cols.every((col, c) => col.every((v, r) => v === block[r * width + c]))).toBe(true);
    const back = new Float64Array((rows + 2) * width);
    columnsToRowMajor(cols, width, rows, back, 2);
    expect(Array.from(back.subarray(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(back.subarray(6))).toEqual(Array.from(block));
  });
});

describe('RowChunker', () => {
  /** Records every emitted chunk: whether it came from the appended table (no copy) and its rows' user ids. */
  function recorder(source: FeatureTable) {
    const chunks: { direct: boolean; start: number; userIds: number[] }[] = [];
    const emit = (t: FeatureTable, start: number, end: number) => {
      chunks.push({ direct: t === source, start, userIds: Array.from(t.userIds.subarray(start, end)) });
      return Promise.resolve();
    };
    return { chunks, emit };
  }

  it('emits whole chunks from the appended table without a copy and gathers rows that straddle appends', async () => {
    const table = randomFeatureTable(11, 1);
    table.userIds.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const { chunks, emit } = recorder(table);
    const chunker = new RowChunker(4, emit);
    await chunker.append(table, 0, 9); // [0,4) and [4,8) direct, row 8 waits
    await chunker.append(table, 9, 9); // nothing
    await chunker.append(table, 9, 11); // rows 8..10 wait for a fourth
    expect(chunker.rows).toBe(11);
    await chunker.finish();
    expect(chunks).toEqual([
      { direct: true, start: 0, userIds: [0, 1, 2, 3] },
      { direct: true, start: 4, userIds: [4, 5, 6, 7] },
      { direct: false, start: 0, userIds: [8, 9, 10] },
    ]);
    await chunker.finish();
    expect(chunks).toHaveLength(3);
  });

  it('fills a gathered chunk across appends before emitting direct chunks again', async () => {
    const table = randomFeatureTable(12, 2);
    table.userIds.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const { chunks, emit } = recorder(table);
    const chunker = new RowChunker(4, emit);
    await chunker.append(table, 0, 3);
    await chunker.append(table, 3, 12);
    await chunker.finish();
    expect(chunks).toEqual([
      { direct: false, start: 0, userIds: [0, 1, 2, 3] },
      { direct: true, start: 4, userIds: [4, 5, 6, 7] },
      { direct: true, start: 8, userIds: [8, 9, 10, 11] },
    ]);
  });

  it('refuses a range outside the table', async () => {
    const chunker = new RowChunker(4, () => Promise.resolve());
    await expect(chunker.append(randomFeatureTable(3, 1), 2, 4)).rejects.toThrow(/rows \[2, 4\) are not a range of a 3-row table/);
  });
});

describe('copyFeatureRows', () => {
  it('copies every snapshot column of a row range', () => {
    const src = randomFeatureTable(6, 3);
    const dst = randomFeatureTable(5, 4);
    copyFeatureRows(src, 2, 5, dst, 1);
    const a = tableAsArrays(src);
    const b = tableAsArrays(dst);
    const rowsOf = (t: Record<string, unknown>, from: number, to: number) =>
      Object.fromEntries(
        Object.entries(t)
          .filter(([k]) => k !== 'length')
          .map(([k, v]) => {
            const w = k === 'wtl' ? 15 : k === 'context' ? 16 : 1;
            return [k, (v as number[]).slice(from * w, to * w)];
          }),
      );
    expect(rowsOf(b, 1, 4)).toEqual(rowsOf(a, 2, 5));
  });
});
