// The file source of the stream (issue 11, item 2): a RecSys 2016 folder (interactions.csv, impressions.csv)
// replayed in event-time order behind the EventSource interface. The two files are merged by event time, an
// impression first on a tie (nextCursor), each file in its own order; a file not already in event-time order is
// sorted first (external-sort.ts), and the run is told so. The replay is one order for a given input whichever way a
// file is read: by (event time, impressions first, line), a bad line right after the row it follows, so a sorted
// file and the same file read in place hand out the same events, dead letters and counts.
//
// Pull-based: each pull reads only as far as its request allows (events before `beforeS`, at most `maxEvents`), so
// memory is one chunk per file plus the batch (plus the sort's budget), whatever the files' size. Positions name the
// first row not yet handed out in each file: a byte offset and line number for a file read in place (a resume
// seeks straight there), or the count of rows handed out in sorted order (a resume sorts again, deterministically,
// and skips them).
import { mkdir, open, realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { InputError, invariant } from '../../core/errors.js';
import { INTERACTION_TYPE } from '../../core/events/records.js';
import type { EventBatch, EventSource, PullRequest } from '../../core/events/source.js';
import type { DeadLetterSink } from '../recsys16/bad-row.js';
import { openInput } from '../recsys16/lines.js';
import { SortedRowCursor, type SortStats } from './external-sort.js';
import {
  FILE_IMPRESSIONS,
  FILE_INTERACTIONS,
  FileRowCursor,
  nextCursor,
  ROW_BAD,
  ROW_IMPRESSION,
  statSize,
  type FileKind,
  type RowCursor,
} from './row-cursor.js';

/** Memory for sorting files that are not in event-time order, shared by the two files (256 MiB). */
export const DEFAULT_SORT_MEMORY_BYTES = 256 * 1024 * 1024;

/** Where one file stands: the first row not yet handed out. */
export type FilePosition = {
  /** The file's size: a resume refuses a file that changed since. */
  bytes: number;
  /** Rows handed out so far in the replay order (bad lines and deletes included). */
  rows: number;
  /** Impression pairs of the next row already handed out (a pull can stop inside an impression line). */
  pairs: number;
  /** For a file read in place: where the next row's line starts, and the event time of the last valid row before it. */
  at: { offset: number; line: number; prevTimeS: number | null } | null;
};

/** A file source's position (JSON): one FilePosition per file. */
export type FileSourcePosition = {
  source: 'recsys16-files';
  impressions: FilePosition;
  interactions: FilePosition;
};

/** Told when a file had to be sorted before its replay. */
export interface FileSourceNotice {
  code: 'DF_NOTICE_INPUT_SORTED';
  file: string;
  /** Rows of the file (bad lines included) and how many valid rows were earlier than a valid row before them. */
  rows: number;
  outOfOrderRows: number;
  /** Sorted runs spilled to disk (0: sorted in memory) and their bytes; sorted runs kept in memory. */
  spilledRuns: number;
  spillBytes: number;
  memoryRuns: number;
  message: string;
}

/** Options of openFileSource. */
export interface FileSourceOptions {
  /** The folder holding interactions.csv and impressions.csv. */
  dataDir: string;
  /** Where bad lines go, each when the replay passes it. */
  deadLetters: DeadLetterSink;
  /**
   * Where a sort may spill runs (in a `dyadflow-sort-*` folder of its own, removed on close; after a crash,
   * removeStaleSortRuns clears them); never the input folder.
   */
  spillDir: string;
  /**
   * Memory for sorting, shared by the files that need it (sorted runs kept in memory; beyond it runs spill to disk,
   * and their read buffers take up to a quarter as much again). Default DEFAULT_SORT_MEMORY_BYTES.
   */
  sortMemoryBytes?: number;
  /** `always` sorts even a file already in order (tests and benchmarks of the sort path). Default `auto`. */
  sort?: 'auto' | 'always';
  /** Runs merged at once by the sort (tests lower it). */
  sortFanIn?: number;
  /** Told when a file is sorted before its replay. */
  onNotice?: (notice: FileSourceNotice) => void;
}

const FILE_NAMES = ['impressions.csv', 'interactions.csv'] as const;
const POSITION_KEYS = ['impressions', 'interactions'] as const;
const INITIAL_BATCH_CAPACITY = 4096;

/**
 * Opens a RecSys 2016 folder as an event source: checks that both files are there (an InputError naming a missing
 * one), finds whether each is in event-time order (a read of the file), sorts those that are not, and stands on the
 * first event.
 */
export async function openFileSource(options: FileSourceOptions): Promise<FileSource> {
  const paths = FILE_NAMES.map((name) => join(options.dataDir, name)) as [string, string];
  for (const p of paths) await (await openInput(p)).close();
  await checkSpillDir(options.spillDir, options.dataDir);
  const needsSort: [boolean, boolean] = [false, false];
  for (const kind of [FILE_IMPRESSIONS, FILE_INTERACTIONS] as const) {
    needsSort[kind] = options.sort === 'always' || !(await inEventTimeOrder(paths[kind], kind));
  }
  const sorting = (needsSort[0] ? 1 : 0) + (needsSort[1] ? 1 : 0);
  if (sorting > 0) await mkdir(options.spillDir, { recursive: true });
  const memoryBytes = Math.floor((options.sortMemoryBytes ?? DEFAULT_SORT_MEMORY_BYTES) / Math.max(1, sorting));
  const cursors: RowCursor[] = [];
  try {
    for (const kind of [FILE_IMPRESSIONS, FILE_INTERACTIONS] as const) {
      const path = paths[kind];
      if (!needsSort[kind]) {
        cursors.push(await FileRowCursor.open(path, kind));
        continue;
      }
      const sorted = await SortedRowCursor.sort(path, kind, { memoryBytes, spillDir: options.spillDir, fanIn: options.sortFanIn });
      cursors.push(sorted);
      options.onNotice?.(sortedNotice(path, sorted.stats));
    }
    const bytes = await Promise.all(paths.map(async (p) => (await statSize(p)) ?? 0));
    return new FileSource(paths, cursors as [RowCursor, RowCursor], bytes as [number, number], options.deadLetters);
  } catch (err) {
    await Promise.all(cursors.map((c) => c.close()));
    throw err;
  }
}

/** RecSys 2016 files replayed in event-time order, pulled in batches (see the file's header). */
export class FileSource implements EventSource<FileSourcePosition> {
  private closed = false;

  /** Use openFileSource. */
  constructor(
    private readonly paths: readonly [string, string],
    private readonly cursors: [RowCursor, RowCursor],
    private readonly bytes: readonly [number, number],
    private readonly deadLetters: DeadLetterSink,
  ) {}

  /** Whether each file was sorted before its replay (false: read in place). */
  get sorted(): { impressions: boolean; interactions: boolean } {
    return {
      impressions: this.cursors[FILE_IMPRESSIONS] instanceof SortedRowCursor,
      interactions: this.cursors[FILE_INTERACTIONS] instanceof SortedRowCursor,
    };
  }

  async pull(request: PullRequest): Promise<EventBatch> {
    invariant(!this.closed, 'pull on a closed file source');
    const { beforeS, maxEvents } = request;
    invariant(Number.isInteger(maxEvents) && maxEvents > 0, `maxEvents must be a positive integer, got ${maxEvents}`);
    invariant(!Number.isNaN(beforeS), 'beforeS must be a number');
    // Let the event loop turn once per pull: a replay from sorted runs in memory does no I/O, and a chain of pulls
    // resolved in microtasks alone would starve timers and signal handlers for as long as it runs.
    await turn();
    const out = new BatchBuilder(maxEvents);
    const imp = this.cursors[FILE_IMPRESSIONS];
    const int = this.cursors[FILE_INTERACTIONS];
    let droppedDeletes = 0;
    let badEvents = 0;
    for (;;) {
      const c = nextCursor(imp, int);
      if (c === null) break;
      const row = c.row;
      // A bad line before a file's first valid row has the time -Infinity and comes first: it is passed even by the
      // pull before -Infinity that finds where the input starts (else it would hold the watermark at -Infinity and
      // that pull would be repeated for ever).
      if (row.timeS >= beforeS && row.timeS !== -Infinity) break;
      if (row.kind === ROW_BAD) {
        // Bad lines and deletes cost no room in the batch: they are passed (and counted) even when it is full.
        this.deadLetters.add({ file: c.path, line: row.line, reason: row.reason, raw: row.raw });
        badEvents++;
      } else if (row.kind === ROW_IMPRESSION) {
        const room = maxEvents - out.events;
        if (room === 0) break;
        const k = Math.min(room, row.itemCount - c.taken);
        out.pushPairs(row.userId, row.items, c.taken, k, row.timeS);
        c.taken += k;
        if (c.taken < row.itemCount) break; // the batch is full inside this line
      } else if (row.type === INTERACTION_TYPE.delete) {
        droppedDeletes++;
      } else {
        if (out.events === maxEvents) break;
        out.pushInteraction(row.userId, row.itemId, row.type, row.timeS);
      }
      if (c.next()) await c.fill();
    }
    const ended = imp.done && int.done;
    return {
      ...out.finish(),
      droppedDeletes,
      badEvents,
      watermarkS: ended ? Infinity : Math.min(headTimeS(imp), headTimeS(int)),
      ended,
    };
  }

  position(): FileSourcePosition {
    return {
      source: 'recsys16-files',
      impressions: this.filePosition(FILE_IMPRESSIONS),
      interactions: this.filePosition(FILE_INTERACTIONS),
    };
  }

  async seek(position: FileSourcePosition): Promise<void> {
    invariant(!this.closed, 'seek on a closed file source');
    checkPositionShape(position);
    for (const kind of [FILE_IMPRESSIONS, FILE_INTERACTIONS] as const) {
      const path = this.paths[kind];
      const p = position[POSITION_KEYS[kind]];
      const size = await statSize(path);
      if (size !== p.bytes)
        throw new InputError('DF_ERR_SOURCE_POSITION', `${path}: the file changed since the position was taken (${p.bytes} bytes then, ${size ?? 'missing'} now)`);
      const old = this.cursors[kind];
      let c: RowCursor;
      if (old instanceof SortedRowCursor) {
        await old.restart();
        c = old;
        await skipRows(c, p.rows, path);
      } else {
        await old.close();
        if (p.at !== null) {
          await checkLineStart(path, p.at.offset, size);
          c = await FileRowCursor.open(path, kind, {
            offset: p.at.offset,
            line: p.at.line,
            prevTimeS: p.at.prevTimeS ?? -Infinity,
            rowsBefore: p.rows,
          });
        } else {
          c = await FileRowCursor.open(path, kind);
          await skipRows(c, p.rows, path);
        }
        this.cursors[kind] = c;
      }
      if (p.pairs > 0) {
        if (c.done || c.row.kind !== ROW_IMPRESSION || p.pairs >= c.row.itemCount)
          throw new InputError('DF_ERR_SOURCE_POSITION', `${path}: the position's row ${p.rows + 1} is not an impression line with more than ${p.pairs} items`);
        c.taken = p.pairs;
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.cursors.map((c) => c.close()));
  }

  private filePosition(kind: FileKind): FilePosition {
    const c = this.cursors[kind];
    const at =
      c instanceof FileRowCursor
        ? { offset: c.headOffset, line: c.headLine, prevTimeS: c.prevTimeS === -Infinity ? null : c.prevTimeS }
        : null;
    return { bytes: this.bytes[kind], rows: c.rowsBefore, pairs: c.taken, at };
  }
}

/** The head's sort time, or Infinity for a finished file (it holds nothing back). */
function headTimeS(c: RowCursor): number {
  return c.done ? Infinity : c.row.timeS;
}

/** Whether a file's valid rows are in event-time order (bad lines aside). Reads the file up to the first row that is not. */
async function inEventTimeOrder(path: string, kind: FileKind): Promise<boolean> {
  const c = await FileRowCursor.open(path, kind);
  try {
    while (!c.done) {
      if (c.outOfOrder > 0) return false;
      if (c.next()) await c.fill();
    }
    return c.outOfOrder === 0;
  } finally {
    await c.close();
  }
}

function sortedNotice(path: string, s: SortStats): FileSourceNotice {
  const where = s.runs === 0 ? 'in memory' : `through ${s.runs} runs on disk (${s.spillBytes} bytes) and ${s.memoryRuns} in memory`;
  return {
    code: 'DF_NOTICE_INPUT_SORTED',
    file: path,
    rows: s.rows,
    outOfOrderRows: s.outOfOrder,
    spilledRuns: s.runs,
    spillBytes: s.spillBytes,
    memoryRuns: s.memoryRuns,
    message: `${path}: ${s.outOfOrder} of ${s.rows} rows out of event-time order; sorted ${where} before the replay`,
  };
}

/** Refuses a spill folder that is the input folder: spill files never go there. */
async function checkSpillDir(spillDir: string, dataDir: string): Promise<void> {
  const data = await realpath(dataDir).catch(() => resolve(dataDir));
  const spill = await realpath(spillDir).catch(() => resolve(spillDir));
  if (spill === data) throw new InputError('DF_ERR_INPUT_SPILL_DIR', `${spillDir}: sort runs never go into the input folder ${dataDir}; give another folder`);
}

async function skipRows(c: RowCursor, rows: number, path: string): Promise<void> {
  while (c.rowsBefore < rows) {
    if (c.done) throw new InputError('DF_ERR_SOURCE_POSITION', `${path}: the position is past the file's ${c.rowsBefore} rows`);
    if (c.next()) await c.fill();
  }
}

/** A read-in-place position must point at a line start: the byte before it is a newline. */
async function checkLineStart(path: string, offset: number, size: number | undefined): Promise<void> {
  if (size !== undefined && offset === size) return;
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(1);
    const { bytesRead } = offset > 0 ? await fh.read(b, 0, 1, offset - 1) : { bytesRead: 0 };
    if (bytesRead !== 1 || b[0] !== 10) throw new InputError('DF_ERR_SOURCE_POSITION', `${path}: byte ${offset} of the position is not the start of a line`);
  } finally {
    await fh.close();
  }
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** A position comes from a checkpoint file: its shape is checked before it is trusted. */
function checkPositionShape(position: unknown): asserts position is FileSourcePosition {
  const bad = (why: string): never => {
    throw new InputError('DF_ERR_SOURCE_POSITION', `not a position of a RecSys 2016 file source: ${why}`);
  };
  if (typeof position !== 'object' || position === null) bad('not an object');
  const p = position as Record<string, unknown>;
  if (p.source !== 'recsys16-files') bad(`source ${JSON.stringify(p.source)}`);
  for (const key of POSITION_KEYS) {
    const f = p[key] as Record<string, unknown> | null | undefined;
    if (typeof f !== 'object' || f === null) bad(`no ${key}`);
    if (!isCount(f!.bytes) || !isCount(f!.rows) || !isCount(f!.pairs)) bad(`${key}: bytes, rows and pairs must be counts`);
    const at = f!.at as Record<string, unknown> | null | undefined;
    if (at === null) continue;
    if (typeof at !== 'object' || !isCount(at.offset) || !isCount(at.line) || !(at.prevTimeS === null || typeof at.prevTimeS === 'number'))
      bad(`${key}.at must be null or { offset, line, prevTimeS }`);
  }
}

/** The columns of one batch, grown by doubling up to maxEvents. */
class BatchBuilder {
  events = 0;
  private nInt = 0;
  private nImp = 0;
  private intUsers: Int32Array;
  private intItems: Int32Array;
  private intTypes: Uint8Array;
  private intTimes: Float64Array;
  private impUsers: Int32Array;
  private impItems: Int32Array;
  private impTimes: Float64Array;

  constructor(private readonly maxEvents: number) {
    const n = Math.min(maxEvents, INITIAL_BATCH_CAPACITY);
    this.intUsers = new Int32Array(n);
    this.intItems = new Int32Array(n);
    this.intTypes = new Uint8Array(n);
    this.intTimes = new Float64Array(n);
    this.impUsers = new Int32Array(n);
    this.impItems = new Int32Array(n);
    this.impTimes = new Float64Array(n);
  }

  pushInteraction(userId: number, itemId: number, type: number, timeS: number): void {
    const i = this.nInt;
    if (i === this.intUsers.length) {
      const n = Math.min(this.maxEvents, i * 2);
      this.intUsers = grow(this.intUsers, new Int32Array(n));
      this.intItems = grow(this.intItems, new Int32Array(n));
      this.intTypes = grow(this.intTypes, new Uint8Array(n));
      this.intTimes = grow(this.intTimes, new Float64Array(n));
    }
    this.intUsers[i] = userId;
    this.intItems[i] = itemId;
    this.intTypes[i] = type;
    this.intTimes[i] = timeS;
    this.nInt = i + 1;
    this.events++;
  }

  pushPairs(userId: number, items: Int32Array, from: number, count: number, timeS: number): void {
    const j = this.nImp;
    if (j + count > this.impUsers.length) {
      let n = this.impUsers.length;
      while (n < j + count) n *= 2;
      n = Math.min(this.maxEvents, n);
      this.impUsers = grow(this.impUsers, new Int32Array(n));
      this.impItems = grow(this.impItems, new Int32Array(n));
      this.impTimes = grow(this.impTimes, new Float64Array(n));
    }
    this.impUsers.fill(userId, j, j + count);
    this.impItems.set(items.subarray(from, from + count), j);
    this.impTimes.fill(timeS, j, j + count);
    this.nImp = j + count;
    this.events += count;
  }

  finish(): Pick<EventBatch, 'interactions' | 'impressions'> {
    const a = this.nInt;
    const b = this.nImp;
    return {
      interactions: {
        length: a,
        userIds: this.intUsers.subarray(0, a),
        itemIds: this.intItems.subarray(0, a),
        types: this.intTypes.subarray(0, a),
        createdAtS: this.intTimes.subarray(0, a),
      },
      impressions: {
        length: b,
        userIds: this.impUsers.subarray(0, b),
        itemIds: this.impItems.subarray(0, b),
        eventTimeS: this.impTimes.subarray(0, b),
      },
    };
  }
}

function grow<T extends Int32Array | Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
