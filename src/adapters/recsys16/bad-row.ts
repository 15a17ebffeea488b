// Dead letters: rows that failed to parse or validate, kept with their origin so a reader can fix the input,
// while reading goes on (issue 2, item 4; issue 9 items 1, 3, 4).
//
// A dead-letter file is ndjson whose first line is the header record DEAD_LETTERS_HEADER, so that a file can be
// recognised as one: a run replaces or removes only such a file, and any other file at the path is refused before
// any work (a run never deletes a file it did not write). The file is written through the one durable atomic
// write (src/adapters/fs/atomic-file.ts): rows stream into `<path>.tmp`, which `close` commits; `abort` (a failed
// run) removes the `.tmp` and leaves `path` as it was. Without a path the rows are only counted, and the first
// few are kept for the run's report.
import { access, constants, open, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../../core/errors.js';
import { createAtomicFile, removeTmpFile, syncDirectory, type AtomicFile } from '../fs/atomic-file.js';

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
  /** The run succeeded: commit what was added (see createDeadLetterFile). */
  close(): Promise<void>;
  /** Writes what is buffered; readers await it between chunks so a wholly broken input stays bounded in memory. */
  flush?(): Promise<void>;
}

/** A bad row as a run's report shows it (the raw text stays in the file). */
export interface BadRowSample {
  file: string;
  line: number;
  reason: string;
}

/** What every command reports about bad rows (`--json` and stderr). */
export interface BadRowsReport {
  count: number;
  /** The dead-letter file holding them all, or null when none was written (no path given, or no bad row). */
  deadLetters: string | null;
  /** The first few, in the order they were found. */
  first: BadRowSample[];
}

/** A sink of one run: it also says what it holds, and can be abandoned when the run fails. */
export interface DeadLetters extends DeadLetterSink {
  /** The file this run writes, or null (rows only counted). */
  readonly path: string | null;
  flush(): Promise<void>;
  /** The run failed: drop what was added; an earlier file at the path is left as it was. Never throws. */
  abort(): Promise<void>;
  report(): BadRowsReport;
}

/** The first record of every dead-letter file. */
export const DEAD_LETTERS_HEADER = { dyadflow: 'dead-letters', formatVersion: 1 } as const;

const HEADER_LINE = JSON.stringify(DEAD_LETTERS_HEADER);

/** How many bad rows a report quotes. */
export const BAD_ROW_SAMPLES = 5;

// Write the ndjson buffer out at this size: bad rows are rare, but a wholly broken 10M-row file must stay bounded.
const FLUSH_CHARS = 1 << 20;

function deadLettersError(path: string, why: string): InputError {
  return new InputError('DF_ERR_DEAD_LETTERS', `${path}: ${why}`);
}

/** Whether the file at `path` starts with the dead-letter header record (false when it is missing or unreadable). */
export async function isDeadLetterFile(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const expected = Buffer.from(HEADER_LINE + '\n', 'utf8');
    const buf = Buffer.alloc(expected.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead === expected.length && buf.equals(expected);
  } catch {
    return false;
  } finally {
    await fh.close();
  }
}

/** Removes `path` if it is a dead-letter file (an earlier run's); any other file there is left alone. */
export async function removeDeadLetterFile(path: string): Promise<void> {
  if (!(await isDeadLetterFile(path))) return;
  await rm(path, { force: true });
  await syncDirectory(dirname(path));
}

/**
 * Checks, before any work, that a run may write dead letters to `path`: its folder exists and is writable, the
 * path is not a folder, and a file already there is a dead-letter file. Each failure is an InputError (exit 2).
 */
export async function checkDeadLetterPath(path: string): Promise<void> {
  const dir = dirname(path);
  let dirStat;
  try {
    dirStat = await stat(dir);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw deadLettersError(path, code === 'ENOENT' ? `no such folder ${dir}` : `cannot use folder ${dir} (${String(code ?? err)})`);
  }
  if (!dirStat.isDirectory()) throw deadLettersError(path, `${dir} is not a folder`);
  try {
    await access(dir, constants.W_OK);
  } catch {
    throw deadLettersError(path, `folder ${dir} is not writable`);
  }
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return;
    throw deadLettersError(path, `cannot be checked (${String((err as { code?: unknown }).code ?? err)})`);
  }
  if (st.isDirectory()) throw deadLettersError(path, 'is a folder; dead letters need a file name');
  if (!(await isDeadLetterFile(path))) {
    throw deadLettersError(
      path,
      `exists and is not a dyadflow dead-letter file (its first line is not ${HEADER_LINE}); it is left as it is: move it or choose another path`,
    );
  }
}

/** Keeps the count and the first few rows of a sink. */
class Tally {
  count = 0;
  readonly first: BadRowSample[] = [];
  note(bad: BadRow): void {
    this.count++;
    if (this.first.length < BAD_ROW_SAMPLES) this.first.push({ file: bad.file, line: bad.line, reason: bad.reason });
  }
}

/**
 * Dead letters as a dead-letter file at `path` (call checkDeadLetterPath first: openDeadLetters does). Nothing is
 * created until the first bad row. `close` commits: the header and the rows replace `path` atomically, or, with no
 * bad row, an earlier dead-letter file at `path` is removed (an old file must not pass for this run's) while any
 * other file is left alone. `abort` leaves `path` as it was.
 */
export function createDeadLetterFile(path: string): DeadLetters {
  const tally = new Tally();
  let file: AtomicFile | null = null;
  let pending = '';
  let chain: Promise<void> = Promise.resolve();
  let state: 'open' | 'closed' | 'aborted' = 'open';

  const writePending = (): void => {
    if (pending.length === 0) return;
    const text = pending;
    pending = '';
    chain = chain.then(async () => {
      if (file === null) {
        file = await createAtomicFile(path);
        await file.write(Buffer.from(HEADER_LINE + '\n', 'utf8'));
      }
      await file.write(Buffer.from(text, 'utf8'));
    });
  };

  return {
    path,
    add(bad: BadRow): void {
      if (state !== 'open') throw new Error(`dead-letter file ${path} is ${state}`);
      pending += JSON.stringify({ file: bad.file, line: bad.line, reason: bad.reason, raw: bad.raw }) + '\n';
      tally.note(bad);
      if (pending.length >= FLUSH_CHARS) writePending();
    },
    get count(): number {
      return tally.count;
    },
    async flush(): Promise<void> {
      writePending();
      await chain;
    },
    async close(): Promise<void> {
      if (state !== 'open') return;
      state = 'closed';
      try {
        writePending();
        await chain;
      } catch (err) {
        await (file as AtomicFile | null)?.abort();
        throw err;
      }
      if (file !== null) await (file as AtomicFile).commit();
      else await removeDeadLetterFile(path);
    },
    async abort(): Promise<void> {
      if (state !== 'open') return;
      state = 'aborted';
      pending = '';
      await chain.catch(() => undefined);
      await (file as AtomicFile | null)?.abort();
    },
    report(): BadRowsReport {
      return { count: tally.count, deadLetters: tally.count > 0 && state !== 'aborted' ? path : null, first: [...tally.first] };
    },
  };
}

/** Dead letters that are only counted (no file): the count and the first few rows, for the run's report. */
export function createDeadLetterCounter(): DeadLetters {
  const tally = new Tally();
  return {
    path: null,
    add: (bad: BadRow) => tally.note(bad),
    get count(): number {
      return tally.count;
    },
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
    abort: () => Promise.resolve(),
    report: () => ({ count: tally.count, deadLetters: null, first: [...tally.first] }),
  };
}

/** Dead letters kept in memory with their raw text (tests, and callers that report them themselves). */
export function createDeadLetterMemory(): DeadLetters & { rows: BadRow[] } {
  const counter = createDeadLetterCounter();
  const rows: BadRow[] = [];
  return {
    ...counter,
    rows,
    add(bad: BadRow): void {
      rows.push(bad);
      counter.add(bad);
    },
    get count(): number {
      return rows.length;
    },
  };
}

/**
 * The sink of a run: a dead-letter file at `path` (checked first: see checkDeadLetterPath; a `.tmp` a killed run
 * left there is removed), or a counter when `path` is null.
 */
export async function openDeadLetters(path: string | null): Promise<DeadLetters> {
  if (path === null) return createDeadLetterCounter();
  await checkDeadLetterPath(path);
  await removeTmpFile(path);
  return createDeadLetterFile(path);
}

/**
 * The one open/run/close block of dead letters: opens the sink of `path` (null: counted only), runs `body` with
 * it, commits it when `body` succeeds and abandons it when `body` throws (an earlier file stays as it was).
 */
export async function withDeadLetters<T>(path: string | null, body: (sink: DeadLetters) => Promise<T>): Promise<{ value: T; badRows: BadRowsReport }> {
  const sink = await openDeadLetters(path);
  let value: T;
  try {
    value = await body(sink);
  } catch (err) {
    await sink.abort();
    throw err;
  }
  await sink.close();
  return { value, badRows: sink.report() };
}
