// Dead letters: rows that failed to parse or validate, kept with their origin so a reader can fix the input,
// while reading goes on (issue 2, item 4).
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** A row that could not be read: its file, 1-based line number (the header is line 1), why, and its text. */
export interface BadRow {
  file: string;
  line: number;
  reason: string;
  raw: string;
}

/** Where bad rows go. `count` is the number of rows added so far. */
export interface DeadLetterSink {
  add(bad: BadRow): void;
  readonly count: number;
  close(): Promise<void>;
}

// Flush the ndjson buffer at this size: bad rows are rare, but a wholly broken 10M-row file must stay bounded.
const FLUSH_CHARS = 1 << 20;

/**
 * Dead letters as ndjson (one JSON object per bad row) at `path`. The file is created only when the first bad
 * row arrives, written to `path + '.tmp'` and renamed on close. After close the path holds exactly this run's
 * dead letters: a clean input leaves no file there (an earlier run's file is removed, not passed off as this one's).
 */
export function createDeadLetterFile(path: string): DeadLetterSink {
  const tmpPath = path + '.tmp';
  let fd = -1;
  let pending = '';
  let count = 0;
  let closed = false;
  const flush = (): void => {
    if (pending.length === 0) return;
    if (fd < 0) fd = openSync(tmpPath, 'w');
    writeSync(fd, pending);
    pending = '';
  };
  return {
    add(bad: BadRow): void {
      if (closed) throw new Error(`dead-letter file ${path} is closed`);
      pending += JSON.stringify({ file: bad.file, line: bad.line, reason: bad.reason, raw: bad.raw }) + '\n';
      count++;
      if (pending.length >= FLUSH_CHARS) flush();
    },
    get count(): number {
      return count;
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      flush();
      if (fd >= 0) {
        closeSync(fd);
        renameSync(tmpPath, path);
      } else {
        rmSync(path, { force: true });
      }
      return Promise.resolve();
    },
  };
}

/** Dead letters kept in memory (tests, and callers that report them themselves). */
export function createDeadLetterMemory(): DeadLetterSink & { rows: BadRow[] } {
  const rows: BadRow[] = [];
  return {
    rows,
    add(bad: BadRow): void {
      rows.push(bad);
    },
    get count(): number {
      return rows.length;
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}
