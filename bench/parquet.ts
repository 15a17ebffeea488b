// `npm run bench -- parquet [--table FILE.arrow] [--memory-rows N] [--repeat N]`: the snapshot writers.
//  - write speed of features.parquet (statistics on and off, SNAPPY and none) and features.arrow at one weekly
//    window of the stream (290k rows, issue 11) and at the paper's DAEMON table (819,226 rows), rows/s, the median
//    of --repeat runs (default 3); and the 290k-row snapshot's Parquet + Arrow together (issue 11's 2-second budget);
//  - the row API on 50k rows for the ratio, parquetjs-lite's reader, Arrow encode/decode in memory;
//  - memory: RSS growth while writing a multi-million-row table (--memory-rows, default 5M) with each writer, beside
//    the size of one row group / record batch: writing streams chunk by chunk, so it should be about one chunk.
// The table is synthetic (seeded, no dataset needed; statistics in [0,1] with some zeros, small context codes),
// or the rows of a real features.arrow (--table), repeated or cut to each size.
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_ARROW_BATCH_ROWS,
  decodeFeatureTableArrow,
  encodeFeatureTableArrow,
  readFeatureTableArrow,
  writeFeatureTableArrow,
} from '../src/adapters/arrow/index.js';
import {
  DEFAULT_PARQUET_WRITE_OPTIONS,
  readFeatureTableParquet,
  writeFeatureTableParquet,
  writeFeatureTableParquetRows,
  type ParquetWriteOptions,
} from '../src/adapters/parquet/index.js';
import { allocateFeatureTable, copyFeatureRows } from '../src/adapters/snapshot/columns.js';
import { CONTEXT_WIDTH, WTL_WIDTH, type FeatureTable } from '../src/core/features/feature-table.js';
import { Rng } from '../src/core/random/rng.js';
import { peakRssBytes, report } from './util.js';

const BENCH = 'parquet';
/** Dyads of one weekly window on the daemon preset (issue 11). */
const WINDOW_ROWS = 290_000;
/** Rows of the paper's DAEMON table (paper Table 1). */
const DAEMON_ROWS = 819_226;
const ROW_API_ROWS = 50_000;
/** Bytes of one row in a FeatureTable (ids, week, split, 15 doubles, 16 ints, 3 labels). */
const TABLE_BYTES_PER_ROW = 3 * 4 + 1 + WTL_WIDTH * 8 + CONTEXT_WIDTH * 4 + 3;

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

/** `length` rows: the source's rows from the first, repeated as often as needed. */
function resized(source: FeatureTable, length: number): FeatureTable {
  const t = allocateFeatureTable(length);
  for (let at = 0; at < length; at += source.length) copyFeatureRows(source, 0, Math.min(source.length, length - at), t, at);
  return t;
}

/** Wall and CPU (user + system, all threads: fs writes and fsync run on libuv's pool) milliseconds of `fn`. */
async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, ms, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * The median of `repeat` timed runs by wall time, with every run's wall and CPU milliseconds: on a shared machine
 * the CPU time says what the write costs, the wall time what it took then.
 */
async function medianOf<T>(repeat: number, fn: () => Promise<T>): Promise<{ value: T; ms: number; runsMs: number[]; runsCpuMs: number[] }> {
  const runs: { value: T; ms: number; cpuMs: number }[] = [];
  for (let i = 0; i < repeat; i++) runs.push(await timed(fn));
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  return { value: mid.value, ms: mid.ms, runsMs: runs.map((r) => Math.round(r.ms)), runsCpuMs: runs.map((r) => Math.round(r.cpuMs)) };
}

function rssBytes(): number {
  return process.memoryUsage().rss;
}

/** Resets the kernel's peak-RSS mark (Linux clear_refs 5), so VmHWM measures from now; false where refused. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Peak RSS while `fn` runs minus RSS just before, after a full collection. */
async function rssGrowth(fn: () => Promise<unknown>): Promise<{ growthBytes: number; beforeBytes: number; peakBytes: number; exact: boolean; ms: number }> {
  collectGarbage();
  const beforeBytes = rssBytes();
  const exact = resetPeakRss();
  const { ms } = await timed(fn);
  const peakBytes = await peakRssBytes();
  return { growthBytes: Math.max(0, peakBytes - beforeBytes), beforeBytes, peakBytes, exact, ms };
}

const MiB = 2 ** 20;
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Runs the snapshot writer benchmarks. */
export default async function parquetBench(args: string[]): Promise<void> {
  const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const tableFile = opt('--table');
  const memoryRows = Number(opt('--memory-rows') ?? 5_000_000);
  const repeat = Number(opt('--repeat') ?? 3);
  const dir = await mkdtemp(join(tmpdir(), 'dyadflow-bench-parquet-'));
  try {
    const source = tableFile ? readFeatureTableArrow(tableFile) : syntheticTable(DAEMON_ROWS, 1);
    const data = tableFile ? `rows of ${tableFile} (${source.length}), repeated` : 'synthetic (seed 1)';
    const daemon = resized(source, DAEMON_ROWS);
    const window = resized(source, WINDOW_ROWS);

    // Warm-up, so that the first figure does not carry the JIT's compile time.
    await writeFeatureTableParquet(join(dir, 'warmup.parquet'), resized(source, 40_000), 'std');
    await writeFeatureTableArrow(join(dir, 'warmup.arrow'), resized(source, 40_000), 'std');
    await writeFeatureTableParquetRows(join(dir, 'warmup-rows.parquet'), resized(source, 5_000), 'std');

    const variants: [string, ParquetWriteOptions][] = [
      ['parquet_write', {}],
      ['parquet_write_no_stats', { statistics: false }],
      ['parquet_write_uncompressed', { compression: 'none' }],
    ];
    let parquetRowsPerS = 0;
    for (const table of [window, daemon]) {
      const rows = table.length;
      for (const [figure, opts] of variants) {
        const { value, ms, runsMs, runsCpuMs } = await medianOf(repeat, () => writeFeatureTableParquet(join(dir, `${figure}.parquet`), table, 'std', opts));
        if (figure === 'parquet_write' && rows === DAEMON_ROWS) parquetRowsPerS = rows / (ms / 1000);
        report(BENCH, figure, Math.round(rows / (ms / 1000)), 'rows/s', {
          rows,
          ms: Math.round(ms),
          runsMs,
          runsCpuMs,
          bytes: value.bytes,
          options: { ...DEFAULT_PARQUET_WRITE_OPTIONS, ...opts },
          data,
        });
      }
      const arrow = await medianOf(repeat, () => writeFeatureTableArrow(join(dir, 'arrow_write.arrow'), table, 'std'));
      report(BENCH, 'arrow_write', Math.round(rows / (arrow.ms / 1000)), 'rows/s', {
        rows,
        ms: Math.round(arrow.ms),
        runsMs: arrow.runsMs,
        runsCpuMs: arrow.runsCpuMs,
        bytes: arrow.value.bytes,
        batchRows: DEFAULT_ARROW_BATCH_ROWS,
        data,
      });
    }

    // One weekly window's snapshot files, as the stream writes them (issue 11: features + Parquet + Arrow ≤ 2 s).
    const snapshot = await medianOf(repeat, async () => {
      await writeFeatureTableParquet(join(dir, 'snapshot.parquet'), window, 'std');
      return writeFeatureTableArrow(join(dir, 'snapshot.arrow'), window, 'std');
    });
    report(BENCH, 'snapshot_parquet_and_arrow', Math.round(snapshot.ms), 'ms', { rows: WINDOW_ROWS, runsMs: snapshot.runsMs, runsCpuMs: snapshot.runsCpuMs, data });

    const subset = resized(source, ROW_API_ROWS);
    const rowApi = await timed(() => writeFeatureTableParquetRows(join(dir, 'rows.parquet'), subset, 'std'));
    const rowApiPerS = subset.length / (rowApi.ms / 1000);
    report(BENCH, 'parquet_write_row_api', Math.round(rowApiPerS), 'rows/s', { rows: subset.length, ms: Math.round(rowApi.ms), cpuMs: Math.round(rowApi.cpuMs), data });
    report(BENCH, 'parquet_write_over_row_api', round1(parquetRowsPerS / rowApiPerS), 'ratio');

    const read = await timed(() => readFeatureTableParquet(join(dir, 'parquet_write.parquet')));
    report(BENCH, 'parquet_read_parquetjs', Math.round(DAEMON_ROWS / (read.ms / 1000)), 'rows/s', { rows: DAEMON_ROWS, ms: Math.round(read.ms) });

    const enc = await timed(() => encodeFeatureTableArrow(daemon, 'std'));
    report(BENCH, 'arrow_encode_in_memory', Math.round(enc.ms), 'ms', { rows: DAEMON_ROWS, bytes: enc.value.byteLength });
    const dec = await timed(() => decodeFeatureTableArrow(enc.value));
    report(BENCH, 'arrow_decode', Math.round(dec.ms), 'ms', { rows: DAEMON_ROWS, to: 'FeatureTable (row-major wtl and context)' });

    // Memory: the table is built first; what writing adds on top of it should be about one chunk.
    const big = resized(source, memoryRows);
    const tableMiB = round1((memoryRows * TABLE_BYTES_PER_ROW) / MiB);
    for (const [figure, chunkRows, write] of [
      ['parquet_write_rss_growth', DEFAULT_PARQUET_WRITE_OPTIONS.rowGroupRows, () => writeFeatureTableParquet(join(dir, 'big.parquet'), big, 'std')],
      ['arrow_write_rss_growth', DEFAULT_ARROW_BATCH_ROWS, () => writeFeatureTableArrow(join(dir, 'big.arrow'), big, 'std')],
    ] as const) {
      const m = await rssGrowth(write);
      report(BENCH, figure, round1(m.growthBytes / MiB), 'MiB', {
        rows: memoryRows,
        chunkRows,
        chunkTableMiB: round1((chunkRows * TABLE_BYTES_PER_ROW) / MiB),
        tableMiB,
        rssBeforeMiB: round1(m.beforeBytes / MiB),
        rssPeakMiB: round1(m.peakBytes / MiB),
        peakMeasuredFrom: m.exact ? 'just before the write (clear_refs)' : 'process start (clear_refs refused)',
        rowsPerS: Math.round(memoryRows / (m.ms / 1000)),
        data,
      });
      await rm(join(dir, figure.startsWith('parquet') ? 'big.parquet' : 'big.arrow'), { force: true });
    }

    report(BENCH, 'peak_rss', Math.round((await peakRssBytes()) / MiB), 'MiB', { note: 'since the last clear_refs' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
