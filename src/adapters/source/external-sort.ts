// An event file not in event-time order, sorted before it is replayed (issue 11, item 2): rows are read in file
// order into chunks of a bounded size; each full chunk is sorted and becomes a run, kept in memory while the runs fit
// the memory budget and written to disk beyond it; the runs are merged (k-way, a binary heap) while the stream pulls.
// Chunks stay small (8 MiB) even under a large budget: sorting one is a short synchronous slice (the stream must keep
// its event loop responsive), and a run is read back sequentially rather than by random access over the whole
// buffer. Rows sort by (time, line): a total order within one file, so the result depends neither on the budget, nor
// on where runs fell, nor on the sort being stable. An input already in order comes out unchanged, bad lines
// included (their time is that of the row they follow, see Row.timeS).
import { mkdir, mkdtemp, open, readdir, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { invariant } from '../../core/errors.js';
import {
  emptyRow,
  ensureItems,
  FileRowCursor,
  ROW_IMPRESSION,
  ROW_INTERACTION,
  type FileKind,
  type Row,
  type RowCursor,
  type RowKind,
} from './row-cursor.js';

// One record, little-endian: u32 byte length, f64 time, f64 line, u8 kind, u8 type, 2 spare bytes, i32 user,
// i32 item (interaction) or year (impression), i32 week, u32 n; then n i32 items (impression) or the reason's n
// UTF-8 bytes followed by the raw line's (bad line).
const HEADER_BYTES = 40;
/** Runs on disk merged at once; more are merged in passes (each pass writes fewer, longer runs). */
export const DEFAULT_FAN_IN = 64;
/** Rows sorted at once (bytes of a chunk): at most ~200k rows, a sort of a few tens of milliseconds. */
const MAX_CHUNK_BYTES = 8 << 20;
const STAGE_BYTES = 1 << 20;
const MAX_BLOCK_BYTES = 4 << 20;
const MAX_READ_BYTES = 1 << 20;
const MIN_READ_BYTES = 4096;
const INDEX_BYTES_PER_ROW = 16; // time and address of a buffered row (two Float64Array slots)
const SAFE = Number.MAX_SAFE_INTEGER;

function recordBytes(row: Row): number {
  if (row.kind === ROW_INTERACTION) return HEADER_BYTES;
  if (row.kind === ROW_IMPRESSION) return HEADER_BYTES + 4 * row.itemCount;
  return HEADER_BYTES + Buffer.byteLength(row.reason) + Buffer.byteLength(row.raw);
}

function encodeRow(row: Row, len: number, buf: Buffer, off: number): void {
  buf.writeUInt32LE(len, off);
  buf.writeDoubleLE(row.timeS, off + 4);
  buf.writeDoubleLE(row.line, off + 12);
  buf[off + 20] = row.kind;
  buf[off + 21] = row.type;
  buf.writeInt32LE(row.userId, off + 24);
  if (row.kind === ROW_INTERACTION) {
    buf.writeInt32LE(row.itemId, off + 28);
  } else if (row.kind === ROW_IMPRESSION) {
    buf.writeInt32LE(row.year, off + 28);
    buf.writeInt32LE(row.week, off + 32);
    buf.writeUInt32LE(row.itemCount, off + 36);
    let p = off + HEADER_BYTES;
    for (let k = 0; k < row.itemCount; k++, p += 4) buf.writeInt32LE(row.items[k]!, p);
  } else {
    const n = buf.write(row.reason, off + HEADER_BYTES, 'utf8');
    buf.writeUInt32LE(n, off + 36);
    buf.write(row.raw, off + HEADER_BYTES + n, 'utf8');
  }
}

function decodeRow(buf: Buffer, off: number, row: Row): void {
  const len = buf.readUInt32LE(off);
  row.timeS = buf.readDoubleLE(off + 4);
  row.line = buf.readDoubleLE(off + 12);
  const kind = buf[off + 20]! as RowKind;
  row.kind = kind;
  row.userId = buf.readInt32LE(off + 24);
  if (kind === ROW_INTERACTION) {
    row.type = buf[off + 21]!;
    row.itemId = buf.readInt32LE(off + 28);
  } else if (kind === ROW_IMPRESSION) {
    row.year = buf.readInt32LE(off + 28);
    row.week = buf.readInt32LE(off + 32);
    const n = buf.readUInt32LE(off + 36);
    ensureItems(row, n);
    const items = row.items;
    let p = off + HEADER_BYTES;
    for (let k = 0; k < n; k++, p += 4) items[k] = buf.readInt32LE(p);
    row.itemCount = n;
  } else {
    const n = buf.readUInt32LE(off + 36);
    row.reason = buf.toString('utf8', off + HEADER_BYTES, off + HEADER_BYTES + n);
    row.raw = buf.toString('utf8', off + HEADER_BYTES + n, off + len);
  }
}

function growFloat64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** Rows buffered in memory, in the order they were added (file order), as encoded records in fixed blocks. */
class RunBuffer {
  count = 0;
  /** Bytes of the encoded records. */
  recordBytes = 0;
  private blocks: Buffer[] = [];
  private blockBytesTotal = 0;
  private used = 0; // bytes used in the last block
  private times = new Float64Array(64);
  private addrs = new Float64Array(64); // block index · 2^32 + offset
  /** Set by locate(): the record's block and offset. */
  recBuf: Buffer = Buffer.alloc(0);
  recOff = 0;

  constructor(private readonly blockBytes: number) {}

  /** Bytes this buffer holds: its blocks and its index. */
  get bytes(): number {
    return this.blockBytesTotal + this.times.length * INDEX_BYTES_PER_ROW;
  }

  add(row: Row): void {
    const len = recordBytes(row);
    let block = this.blocks[this.blocks.length - 1];
    if (block === undefined || this.used + len > block.length) {
      block = Buffer.allocUnsafe(Math.max(this.blockBytes, len));
      this.blocks.push(block);
      this.blockBytesTotal += block.length;
      this.used = 0;
    }
    encodeRow(row, len, block, this.used);
    const i = this.count;
    if (i === this.times.length) {
      this.times = growFloat64(this.times, i * 2);
      this.addrs = growFloat64(this.addrs, i * 2);
    }
    this.times[i] = row.timeS;
    this.addrs[i] = (this.blocks.length - 1) * 4294967296 + this.used;
    this.used += len;
    this.recordBytes += len;
    this.count = i + 1;
  }

  /** The rows as one run: their records sorted by (time, line), back to back. The buffer is cleared. */
  seal(): Buffer {
    const order = this.sortedOrder();
    const run = Buffer.allocUnsafe(this.recordBytes);
    let p = 0;
    for (let k = 0; k < order.length; k++) {
      this.locate(order[k]!);
      const len = this.recBuf.readUInt32LE(this.recOff);
      this.recBuf.copy(run, p, this.recOff, this.recOff + len);
      p += len;
    }
    this.clear();
    return run;
  }

  /** Points recBuf/recOff at row i (in insertion order). */
  locate(i: number): void {
    const a = this.addrs[i]!;
    const b = Math.floor(a / 4294967296);
    this.recBuf = this.blocks[b]!;
    this.recOff = a - b * 4294967296;
  }

  /** The rows' indices sorted by (time, line). */
  sortedOrder(): Uint32Array {
    const n = this.count;
    const times = this.times;
    let min = Infinity;
    let max = -Infinity;
    let integral = true;
    for (let i = 0; i < n; i++) {
      const t = times[i]!;
      if (t === -Infinity) continue; // a bad line before any valid row
      if (t < min) min = t;
      if (t > max) max = t;
      if (!Number.isInteger(t)) integral = false;
    }
    // Rows were added in file order, so insertion index order is line order, and (time, index) packs into one exact
    // double for a plain numeric sort: times are whole seconds (the schemas' integers) from 1969-12-29 to 2100, and a
    // chunk holds at most ~200k rows, so (span + 2) · rows stays far below 2^53.
    const span = max >= min ? max - min + 2 : 1;
    invariant(integral && span * n <= SAFE, `sort keys out of range: ${n} rows over ${span} s`);
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = times[i]!;
      keys[i] = (t === -Infinity ? 0 : t - min + 1) * n + i;
    }
    keys.sort();
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[k] = keys[k]! % n;
    return order;
  }

  clear(): void {
    this.blocks = [];
    this.blockBytesTotal = 0;
    this.used = 0;
    this.count = 0;
    this.recordBytes = 0;
    this.times = new Float64Array(64);
    this.addrs = new Float64Array(64);
  }
}

/** Writes records to a run file through one staging buffer. */
class RunWriter {
  bytes = 0;
  private readonly stage = Buffer.allocUnsafe(STAGE_BYTES);
  private n = 0;

  private constructor(private readonly fh: FileHandle) {}

  static async create(path: string): Promise<RunWriter> {
    return new RunWriter(await open(path, 'wx'));
  }

  /** Whether a record of `len` bytes can be copied in without a flush. */
  fits(len: number): boolean {
    return this.n + len <= this.stage.length;
  }

  /** Copies a record in (after fits() said yes). */
  copy(src: Buffer, off: number, len: number): void {
    src.copy(this.stage, this.n, off, off + len);
    this.n += len;
    this.bytes += len;
  }

  /** Writes a record that did not fit: flushes, then copies it in, or writes it directly if larger than the stage. */
  async write(src: Buffer, off: number, len: number): Promise<void> {
    await this.flush();
    if (this.fits(len)) {
      this.copy(src, off, len);
      return;
    }
    await writeAll(this.fh, src, off, len);
    this.bytes += len;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh.close();
  }

  private async flush(): Promise<void> {
    if (this.n === 0) return;
    await writeAll(this.fh, this.stage, 0, this.n);
    this.n = 0;
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, off: number, len: number): Promise<void> {
  while (len > 0) {
    const { bytesWritten } = await fh.write(buf, off, len);
    off += bytesWritten;
    len -= bytesWritten;
  }
}

/** A run's records in order; the head record (buf[start, start + len)) has the key (timeS, line). */
interface RunSource {
  done: boolean;
  timeS: number;
  line: number;
  buf: Buffer;
  start: number;
  len: number;
  /** Moves past the head record. True when `load()` must be awaited (more to read, or the end to confirm). */
  advance(): boolean;
  /** Makes a whole record the head, or marks the run done. */
  load(): Promise<void>;
  close(): Promise<void>;
}

/** Reads off `buf` the record starting at `start` when a whole one is there: its length and key. */
function locateRecord(r: RunSource, end: number): boolean {
  const avail = end - r.start;
  if (avail < HEADER_BYTES) return false;
  const len = r.buf.readUInt32LE(r.start);
  if (avail < len) return false;
  r.len = len;
  r.timeS = r.buf.readDoubleLE(r.start + 4);
  r.line = r.buf.readDoubleLE(r.start + 12);
  return true;
}

/** A run held in memory: its records back to back in one buffer. */
class MemoryRun implements RunSource {
  done = false;
  timeS = 0;
  line = 0;
  start = 0;
  len = 0;

  constructor(readonly buf: Buffer) {}

  advance(): boolean {
    this.start += this.len;
    return !locateRecord(this, this.buf.length);
  }

  load(): Promise<void> {
    if (!locateRecord(this, this.buf.length)) {
      invariant(this.start === this.buf.length, 'a sort run ends inside a record');
      this.done = true;
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Reads a run file's records in order through one buffer. */
class FileRun implements RunSource {
  done = false;
  timeS = 0;
  line = 0;
  buf: Buffer;
  start = 0;
  len = 0;
  private end = 0;
  private filePos = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
    readBytes: number,
  ) {
    this.buf = Buffer.allocUnsafe(readBytes);
  }

  static async open(path: string, readBytes: number): Promise<FileRun> {
    const fh = await open(path, 'r');
    try {
      const r = new FileRun(fh, (await fh.stat()).size, readBytes);
      await r.load();
      return r;
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  advance(): boolean {
    this.start += this.len;
    return !locateRecord(this, this.end);
  }

  async load(): Promise<void> {
    while (!locateRecord(this, this.end)) {
      if (this.filePos === this.size) {
        invariant(this.start === this.end, 'a sort run ends inside a record');
        this.done = true;
        return;
      }
      // Keep the partial record, make room for the whole of it, read the next part.
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
      if (this.end >= 4) {
        const need = this.buf.readUInt32LE(0);
        if (need > this.buf.length) {
          const bigger = Buffer.allocUnsafe(need);
          this.buf.copy(bigger, 0, 0, this.end);
          this.buf = bigger;
        }
      }
      const { bytesRead } = await this.fh.read(this.buf, this.end, this.buf.length - this.end, this.filePos);
      invariant(bytesRead > 0, 'a sort run is shorter than its size');
      this.end += bytesRead;
      this.filePos += bytesRead;
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

function before(a: RunSource, b: RunSource): boolean {
  return a.timeS < b.timeS || (a.timeS === b.timeS && a.line < b.line);
}

/** The records of several runs in (time, line) order: a binary heap of their readers. */
class RunMerger {
  private pending: RunSource | null = null;
  private readonly heap: RunSource[];

  /** Merges `runs` (each already loaded; done ones are dropped). */
  constructor(runs: RunSource[]) {
    this.heap = runs.filter((r) => !r.done);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** The run holding the first record, or null when all are done. */
  head(): RunSource | null {
    return this.heap.length > 0 ? this.heap[0]! : null;
  }

  /** Moves past the first record. True when `settle()` must be awaited. */
  advance(): boolean {
    const r = this.heap[0]!;
    if (r.advance()) {
      this.pending = r;
      return true;
    }
    this.siftDown(0);
    return false;
  }

  async settle(): Promise<void> {
    const r = this.pending!;
    this.pending = null;
    await r.load();
    if (r.done) {
      await r.close();
      const last = this.heap.pop()!;
      if (last !== r) this.heap[0] = last;
    }
    if (this.heap.length > 0) this.siftDown(0);
  }

  async close(): Promise<void> {
    await Promise.all(this.heap.map((r) => r.close()));
    this.heap.length = 0;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && before(h[l + 1]!, h[l]!) ? l + 1 : l;
      if (!before(h[c]!, x)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = x;
  }
}

/** Opens file runs (closing those opened if one fails). */
async function openFileRuns(paths: readonly string[], readBytes: number): Promise<FileRun[]> {
  const runs: FileRun[] = [];
  try {
    for (const p of paths) runs.push(await FileRun.open(p, readBytes));
  } catch (err) {
    await Promise.all(runs.map((r) => r.close()));
    throw err;
  }
  return runs;
}

/** Prefix of the folder each sort makes for its runs inside the spill folder. */
export const SORT_DIR_PREFIX = 'dyadflow-sort-';

/**
 * Removes the run folders that sorts left in `spillDir` (a process killed mid-replay cannot remove its own). Only for
 * a spill folder no other live process sorts into: the stream calls it under its output directory's lock.
 */
export async function removeStaleSortRuns(spillDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(spillDir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => n.startsWith(SORT_DIR_PREFIX)).map((n) => join(spillDir, n));
  await Promise.all(stale.map((p) => rm(p, { recursive: true, force: true })));
  return stale;
}

/** Options of SortedRowCursor.sort. */
export interface SortOptions {
  /**
   * Bytes of rows held in memory (sorted runs and the chunk being filled); runs beyond it are written to disk. The
   * merge's read buffers of runs on disk take up to a quarter as much again.
   */
  memoryBytes: number;
  /** Where this sort makes its own temporary folder of runs (removed by close()). */
  spillDir: string;
  /** Runs on disk merged at once (default 64); tests lower it to exercise merge passes. */
  fanIn?: number;
}

/** What sorting a file found and did. */
export interface SortStats {
  /** Rows read (bad lines and deletes included). */
  rows: number;
  /** Valid rows earlier than a valid row before them in the file. */
  outOfOrder: number;
  /** Sorted runs written to disk (0: the file was sorted in memory). */
  runs: number;
  /** Sorted runs kept in memory. */
  memoryRuns: number;
  /** Bytes written to those runs (first pass). */
  spillBytes: number;
}

/** A file's rows in (time, line) order, merged from sorted runs in memory and on disk. */
export class SortedRowCursor implements RowCursor {
  readonly row: Row = emptyRow();
  done = false;
  rowsBefore = 0;
  taken = 0;
  private merger: RunMerger | null = null;

  private constructor(
    readonly path: string,
    readonly fileKind: FileKind,
    readonly stats: SortStats,
    private readonly memoryRuns: readonly Buffer[],
    private readonly fileRuns: readonly string[],
    private readonly dir: string | null,
    private readonly readBytes: number,
  ) {}

  /** Reads `path` whole and sorts it; the cursor then stands on its first row. */
  static async sort(path: string, fileKind: FileKind, opts: SortOptions): Promise<SortedRowCursor> {
    const fanIn = Math.max(2, opts.fanIn ?? DEFAULT_FAN_IN);
    const budget = Math.max(1, opts.memoryBytes);
    // A few chunks per budget, so that small budgets still keep some runs in memory.
    const chunkBytes = Math.min(MAX_CHUNK_BYTES, Math.max(1, Math.floor(budget / 4)));
    // Read buffers of the runs on disk: a quarter of the budget over fanIn runs, between 4 KiB and 1 MiB each.
    const readBytes = Math.min(MAX_READ_BYTES, Math.max(MIN_READ_BYTES, Math.floor(budget / (4 * fanIn))));
    const buffer = new RunBuffer(Math.min(MAX_BLOCK_BYTES, Math.max(256, Math.floor(chunkBytes / 4))));
    const reader = await FileRowCursor.open(path, fileKind);
    const memoryRuns: Buffer[] = [];
    let memoryRunBytes = 0;
    let dir: string | null = null;
    let fileRuns: string[] = [];
    let spillBytes = 0;
    let cursor: SortedRowCursor | undefined;
    try {
      const seal = async (last: boolean): Promise<void> => {
        const run = buffer.seal();
        // Keep the run in memory while the runs and a chunk still to fill fit the budget; else it goes to disk.
        if (memoryRunBytes + run.length + (last ? 0 : chunkBytes) <= budget) {
          memoryRuns.push(run);
          memoryRunBytes += run.length;
          return;
        }
        if (dir === null) {
          await mkdir(opts.spillDir, { recursive: true });
          dir = await mkdtemp(join(opts.spillDir, SORT_DIR_PREFIX));
        }
        const runPath = join(dir, `run-${fileRuns.length}.bin`);
        await writeFile(runPath, run, { flag: 'wx' });
        fileRuns.push(runPath);
        spillBytes += run.length;
      };
      while (!reader.done) {
        buffer.add(reader.row);
        if (buffer.bytes >= chunkBytes) await seal(false);
        if (reader.next()) await reader.fill();
      }
      if (buffer.count > 0) await seal(true);
      const stats: SortStats = { rows: reader.rowsBefore, outOfOrder: reader.outOfOrder, runs: fileRuns.length, memoryRuns: memoryRuns.length, spillBytes };
      if (fileRuns.length > fanIn) fileRuns = await mergePasses(fileRuns, dir!, fanIn, readBytes);
      cursor = new SortedRowCursor(path, fileKind, stats, memoryRuns, fileRuns, dir, readBytes);
      await cursor.restart();
      return cursor;
    } catch (err) {
      await cursor?.close();
      if (dir !== null) await rm(dir, { recursive: true, force: true });
      throw err;
    } finally {
      await reader.close();
    }
  }

  /** Goes back to the first row. */
  async restart(): Promise<void> {
    this.rowsBefore = 0;
    this.taken = 0;
    this.done = false;
    await this.merger?.close();
    this.merger = null;
    const runs: RunSource[] = this.memoryRuns.map((b) => new MemoryRun(b));
    for (const r of runs) await r.load();
    runs.push(...(await openFileRuns(this.fileRuns, this.readBytes)));
    this.merger = new RunMerger(runs);
    this.decode();
  }

  next(): boolean {
    this.rowsBefore++;
    this.taken = 0;
    if (this.merger!.advance()) return true;
    this.decode();
    return false;
  }

  async fill(): Promise<void> {
    await this.merger!.settle();
    this.decode();
  }

  /** Releases the runs: closes their files and removes the sort's folder. */
  async close(): Promise<void> {
    this.done = true;
    await this.merger?.close();
    this.merger = null;
    if (this.dir !== null) await rm(this.dir, { recursive: true, force: true });
  }

  private decode(): void {
    const r = this.merger!.head();
    if (r === null) {
      this.done = true;
      return;
    }
    decodeRow(r.buf, r.start, this.row);
  }
}

/** Merges file runs, fanIn at a time, until at most fanIn are left (the merge that feeds the cursor is the last pass). */
async function mergePasses(runs: string[], dir: string, fanIn: number, readBytes: number): Promise<string[]> {
  let pass = 0;
  while (runs.length > fanIn) {
    const next: string[] = [];
    for (let g = 0; g < runs.length; g += fanIn) {
      const group = runs.slice(g, g + fanIn);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      const out = join(dir, `pass-${pass}-${next.length}.bin`);
      const merger = new RunMerger(await openFileRuns(group, readBytes));
      const w = await RunWriter.create(out);
      try {
        for (let r = merger.head(); r !== null; r = merger.head()) {
          if (w.fits(r.len)) w.copy(r.buf, r.start, r.len);
          else await w.write(r.buf, r.start, r.len);
          if (merger.advance()) await merger.settle();
        }
      } finally {
        await w.close();
        await merger.close();
      }
      await Promise.all(group.map((p) => rm(p, { force: true })));
      next.push(out);
    }
    runs = next;
    pass++;
  }
  return runs;
}
