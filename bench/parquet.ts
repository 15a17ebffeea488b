// `npm run bench -- parquet [rows]`: snapshot writers on a synthetic DAEMON-sized table (819,226 rows × 38
// columns, values from a seeded Rng, so the bench needs no dataset): Parquet write through the columnar path
// (target ≥ 100k rows/s), the row API on a subset for the ratio, Arrow encode/decode, peak RSS.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeFeatureTableArrow, encodeFeatureTableArrow } from '../src/adapters/arrow/index.js';
import {
  readFeatureTableParquet,
  writeFeatureTableParquet,
  writeFeatureTableParquetRows,
  type ParquetWriteOptions,
} from '../src/adapters/parquet/index.js';
import { allocateFeatureTable } from '../src/adapters/snapshot/columns.js';
import { CONTEXT_WIDTH, WTL_WIDTH, type FeatureTable } from '../src/core/features/feature-table.js';
import { Rng } from '../src/core/random/rng.js';
import { peakRssBytes, report } from './util.js';

const BENCH = 'parquet';
/** Rows of the paper's DAEMON table (paper Table 1). */
const DAEMON_ROWS = 819_226;
const ROW_API_ROWS = 50_000;

/** A table shaped like the DAEMON one: ~138 dyads per user, statistics in [0,1] with some zeros, small context codes. */
function syntheticTable(length: number, seed: number): FeatureTable {
  const rng = Rng.fromSeed(seed);
  const t = allocateFeatureTable(length);
  let user = 0;
  let item = 0;
  for (let i = 0; i < length; i++) {
    if (i === 0 || rng.nextInt(138) === 0) {
      user += 1 + rng.nextInt(5);
      item = rng.nextInt(100);
    } else {
      item += 1 + rng.nextInt(200);
    }
    t.userIds[i] = user;
    t.itemIds[i] = item;
    t.weeks[i] = 201534 + rng.nextInt(12);
    t.split[i] = rng.nextInt(3) === 0 ? 1 : 0;
    const base = i * WTL_WIDTH;
    for (let j = 0; j < WTL_WIDTH; j++) t.wtl[base + j] = rng.nextInt(8) === 0 ? 0 : rng.nextFloat();
    const cb = i * CONTEXT_WIDTH;
    for (let j = 0; j < CONTEXT_WIDTH; j++) t.context[cb + j] = rng.nextInt(j === 3 ? 5 : 30);
    t.click[i] = rng.nextInt(3) === 0 ? 1 : 0;
    t.bookmark[i] = rng.nextInt(100) === 0 ? 1 : 0;
    t.reply[i] = rng.nextInt(40) === 0 ? 1 : 0;
  }
  return t;
}

function slice(t: FeatureTable, n: number): FeatureTable {
  return {
    length: n,
    userIds: t.userIds.subarray(0, n),
    itemIds: t.itemIds.subarray(0, n),
    weeks: t.weeks.subarray(0, n),
    split: t.split.subarray(0, n),
    wtl: t.wtl.subarray(0, n * WTL_WIDTH),
    context: t.context.subarray(0, n * CONTEXT_WIDTH),
    click: t.click.subarray(0, n),
    bookmark: t.bookmark.subarray(0, n),
    reply: t.reply.subarray(0, n),
  };
}

async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

/** Runs the snapshot writer benchmarks. */
export default async function parquetBench(args: string[]): Promise<void> {
  const rows = args[0] ? Number(args[0]) : DAEMON_ROWS;
  const dir = await mkdtemp(join(tmpdir(), 'dyadflow-bench-parquet-'));
  try {
    const table = syntheticTable(rows, 1);

    // Warm-up on a slice so that the first figure does not carry the JIT's compile time.
    await writeFeatureTableParquet(join(dir, 'warmup.parquet'), slice(table, Math.min(40_000, rows)), 'std');
    await writeFeatureTableParquetRows(join(dir, 'warmup-rows.parquet'), slice(table, Math.min(5_000, rows)), 'std');

    const variants: [string, ParquetWriteOptions][] = [
      ['parquet_write_columnar', {}],
      ['parquet_write_columnar_no_stats', { statistics: false }],
      ['parquet_write_columnar_uncompressed', { compression: 'none' }],
    ];
    let columnarRowsPerS = 0;
    for (const [figure, opts] of variants) {
      const { value, ms } = await timed(() => writeFeatureTableParquet(join(dir, `${figure}.parquet`), table, 'std', opts));
      const perS = rows / (ms / 1000);
      if (figure === 'parquet_write_columnar') columnarRowsPerS = perS;
      report(BENCH, figure, Math.round(perS), 'rows/s', { rows, ms: Math.round(ms), bytes: value.bytes, options: opts });
    }

    const subset = slice(table, Math.min(ROW_API_ROWS, rows));
    const rowApi = await timed(() => writeFeatureTableParquetRows(join(dir, 'rows.parquet'), subset, 'std'));
    const rowApiPerS = subset.length / (rowApi.ms / 1000);
    report(BENCH, 'parquet_write_row_api', Math.round(rowApiPerS), 'rows/s', { rows: subset.length, ms: Math.round(rowApi.ms) });
    report(BENCH, 'parquet_columnar_over_row_api', Math.round((columnarRowsPerS / rowApiPerS) * 10) / 10, 'ratio');

    const read = await timed(() => readFeatureTableParquet(join(dir, 'parquet_write_columnar.parquet')));
    report(BENCH, 'parquet_read_parquetjs', Math.round(rows / (read.ms / 1000)), 'rows/s', { rows, ms: Math.round(read.ms) });

    const enc = await timed(() => encodeFeatureTableArrow(table, 'std'));
    report(BENCH, 'arrow_encode', Math.round(enc.ms), 'ms', { rows, bytes: enc.value.byteLength });
    const dec = await timed(() => decodeFeatureTableArrow(enc.value));
    report(BENCH, 'arrow_decode', Math.round(dec.ms), 'ms', { rows, to: 'FeatureTable (row-major wtl and context)' });

    report(BENCH, 'peak_rss', Math.round((await peakRssBytes()) / 2 ** 20), 'MiB');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
