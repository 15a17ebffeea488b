// One RecSys 2016 event file as a cursor over its rows: the row under the cursor (its "head") is parsed in place,
// one line at a time, from 1 MB chunks, so a file of any size is read in bounded memory and the reader can stop
// between any two rows (a pull that is full, a window's end). Rows are the file's lines: valid records (deletes
// included) and bad lines, each with the time that orders it (see Row.timeS). The parsing is the readers' own
// (parseInteractionLine, parseImpressionLine): bad lines are the same bad rows with the same reasons.
import { stat } from 'node:fs/promises';
import type { ImpressionRecord } from '../../core/events/records.js';
import { impressionTimeS } from '../../core/window/window.js';
import { IMPRESSION_COLUMNS, INTERACTION_COLUMNS } from '../recsys16/format.js';
import { scanLines, type LineChunk } from '../recsys16/lines.js';
import { parseImpressionLine } from '../recsys16/read-impressions.js';
import { parseInteractionLine, type InteractionFields } from '../recsys16/read-interactions.js';

/** A row holding one interaction (any type, deletes included). */
export const ROW_INTERACTION = 0;
/** A row holding one impression line: a user and the items shown in one ISO week. */
export const ROW_IMPRESSION = 1;
/** A line that failed to parse or validate: it goes to the dead letters when handed out. */
export const ROW_BAD = 2;
export type RowKind = typeof ROW_INTERACTION | typeof ROW_IMPRESSION | typeof ROW_BAD;

/**
 * The two event files, numbered in the order that breaks event-time ties between them: an impression goes first,
 * like the window it opens (as `produce` has always sent them).
 */
export const FILE_IMPRESSIONS = 0;
export const FILE_INTERACTIONS = 1;
export type FileKind = typeof FILE_IMPRESSIONS | typeof FILE_INTERACTIONS;

/** The row under a cursor, overwritten in place as the cursor moves (copy what must outlive the move). */
export interface Row {
  kind: RowKind;
  /**
   * The time that orders the row: an event's event time (an impression's is 00:00 UTC on the Monday of its ISO
   * week); for a bad line, the event time of the last valid row before it in the file (-Infinity if none), so a bad
   * line is handed out right after the row it follows, wherever the file is cut.
   */
  timeS: number;
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  userId: number;
  /** Interactions: the item and type (1-4). */
  itemId: number;
  type: number;
  /** Impressions: ISO year and week, and the items shown (`items[0, itemCount)`). */
  year: number;
  week: number;
  items: Int32Array;
  itemCount: number;
  /** Bad lines: why, and the line's text. */
  reason: string;
  raw: string;
}

/** A fresh row (all fields zero). */
export function emptyRow(): Row {
  return { kind: ROW_BAD, timeS: 0, line: 0, userId: 0, itemId: 0, type: 0, year: 0, week: 0, items: new Int32Array(16), itemCount: 0, reason: '', raw: '' };
}

/** Makes room for `n` items in a row. */
export function ensureItems(row: Row, n: number): void {
  if (row.items.length < n) row.items = new Int32Array(Math.max(n, row.items.length * 2));
}

/**
 * Rows of one event file in some order, one at a time. Stepping is synchronous within a chunk: `next()` says when
 * the next chunk must be awaited (`fill()`), so no await is paid per row.
 */
export interface RowCursor {
  readonly path: string;
  readonly fileKind: FileKind;
  /** The head row; valid while `done` is false. */
  readonly row: Row;
  /** No row left. */
  readonly done: boolean;
  /** Rows this cursor has moved past (bad lines and deletes included): how far into its order it stands. */
  readonly rowsBefore: number;
  /** Impression pairs of the head row already handed out (the caller's count, reset when the cursor moves). */
  taken: number;
  /** Moves past the head. True when `fill()` must be awaited before the new head is valid. */
  next(): boolean;
  /** Loads the next chunk after `next()` returned true (or the first one). */
  fill(): Promise<void>;
  close(): Promise<void>;
}

/** Where a file cursor starts: a line start an earlier cursor reported, with what it knew there. */
export interface FileCursorStart {
  offset: number;
  line: number;
  /** Event time of the last valid row before that line (-Infinity if none). */
  prevTimeS: number;
  /** Rows before that line. */
  rowsBefore: number;
}

/**
 * A file's rows in file order, parsed lazily. Also counts rows whose event time is earlier than a valid row before
 * them in the file (`outOfOrder`): the rows that would be late if the file were replayed as it stands.
 */
export class FileRowCursor implements RowCursor {
  readonly row: Row = emptyRow();
  done = false;
  rowsBefore: number;
  taken = 0;
  /** Event time of the last valid row the cursor moved past (-Infinity if none): the sort time of a bad head. */
  prevTimeS: number;
  /** Valid rows so far (from the start position) earlier than a valid row before them. */
  outOfOrder = 0;
  private maxTimeS = -Infinity;
  private lastLine: number; // line of the last row moved past
  private chunk: LineChunk | undefined;
  private i = 0;
  private readonly gen: AsyncGenerator<LineChunk, void>;
  private readonly interaction: InteractionFields = { user_id: 0, item_id: 0, interaction_type: 1, created_at: 0 };
  private readonly impression: ImpressionRecord = { user_id: 0, year: 0, week: 0, items: [] };
  private readonly weekStartS = new Map<number, number>(); // few distinct weeks: memoised

  private constructor(
    readonly path: string,
    readonly fileKind: FileKind,
    /** The file's size when the cursor opened it. */
    readonly bytes: number,
    start: FileCursorStart | undefined,
  ) {
    this.rowsBefore = start?.rowsBefore ?? 0;
    this.prevTimeS = start?.prevTimeS ?? -Infinity;
    this.lastLine = (start?.line ?? 2) - 1;
    const columns = fileKind === FILE_IMPRESSIONS ? IMPRESSION_COLUMNS : INTERACTION_COLUMNS;
    this.gen = scanLines(path, columns, start === undefined ? {} : { from: { offset: start.offset, line: start.line } });
  }

  /**
   * Opens `path` and loads its first row (from `start`, or the first data line): a missing file or a wrong header is
   * an InputError here, before any row is handed out.
   */
  static async open(path: string, fileKind: FileKind, start?: FileCursorStart): Promise<FileRowCursor> {
    const cursor = new FileRowCursor(path, fileKind, (await statSize(path)) ?? 0, start);
    try {
      await cursor.fill();
    } catch (err) {
      await cursor.close();
      throw err;
    }
    return cursor;
  }

  /** Byte offset of the head row's line (the file's size once done). */
  get headOffset(): number {
    return this.chunk === undefined ? this.bytes : this.chunk.offsets[this.i]!;
  }

  /** Line number of the head row (once done: one past the last row). */
  get headLine(): number {
    return this.chunk === undefined ? this.lastLine + 1 : this.row.line;
  }

  next(): boolean {
    if (this.row.kind !== ROW_BAD) this.prevTimeS = this.row.timeS;
    this.lastLine = this.row.line;
    this.rowsBefore++;
    this.taken = 0;
    this.i++;
    if (this.i < this.chunk!.count) {
      this.parse();
      return false;
    }
    return true;
  }

  async fill(): Promise<void> {
    const r = await this.gen.next();
    if (r.done) {
      this.chunk = undefined;
      this.done = true;
      return;
    }
    this.chunk = r.value;
    this.i = 0;
    this.parse();
  }

  async close(): Promise<void> {
    this.chunk = undefined;
    this.done = true;
    await this.gen.return();
  }

  private parse(): void {
    const chunk = this.chunk!;
    const i = this.i;
    const buf = chunk.buf;
    const s = chunk.starts[i]!;
    const e = chunk.ends[i]!;
    const row = this.row;
    row.line = chunk.lineNos[i]!;
    let reason: string | null;
    if (this.fileKind === FILE_INTERACTIONS) {
      const rec = this.interaction;
      reason = parseInteractionLine(buf, s, e, rec);
      if (reason === null) {
        row.kind = ROW_INTERACTION;
        row.timeS = rec.created_at;
        row.userId = rec.user_id;
        row.itemId = rec.item_id;
        row.type = rec.interaction_type;
      }
    } else {
      const rec = this.impression;
      reason = parseImpressionLine(buf, s, e, rec);
      if (reason === null) {
        row.kind = ROW_IMPRESSION;
        const key = rec.year * 100 + rec.week;
        let t = this.weekStartS.get(key);
        if (t === undefined) {
          t = impressionTimeS(rec.year, rec.week);
          this.weekStartS.set(key, t);
        }
        row.timeS = t;
        row.userId = rec.user_id;
        row.year = rec.year;
        row.week = rec.week;
        const n = rec.items.length;
        ensureItems(row, n);
        const items = row.items;
        for (let k = 0; k < n; k++) items[k] = rec.items[k]!;
        row.itemCount = n;
      }
    }
    if (reason !== null) {
      row.kind = ROW_BAD;
      row.timeS = this.prevTimeS;
      row.reason = reason;
      row.raw = buf.toString('utf8', s, e);
      return;
    }
    if (row.timeS < this.maxTimeS) this.outOfOrder++;
    else this.maxTimeS = row.timeS;
  }
}

/** The size of a file in bytes, or undefined when it cannot be stat'ed (opening it then reports why). */
export async function statSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/**
 * The cursor whose head row comes first, or null when both are done: by sort time, then impressions before
 * interactions (each cursor keeps its own file's order). The one merge rule of the two event files (the file source
 * and `produce`).
 */
export function nextCursor<C extends RowCursor>(impressions: C, interactions: C): C | null {
  if (impressions.done) return interactions.done ? null : interactions;
  if (interactions.done) return impressions;
  // On a tie in time the impression goes first: its line number never decides between the two files.
  return interactions.row.timeS < impressions.row.timeS ? interactions : impressions;
}
