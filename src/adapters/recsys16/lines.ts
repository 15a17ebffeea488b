// Byte-level line scanning of the tab-separated RecSys 2016 files: read a file in large chunks into one reused
// Buffer and hand out line boundaries, so 10M-row files stream in bounded memory with no per-line strings.
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../../core/errors.js';
import { headerLine } from './format.js';

const CHUNK_BYTES = 1 << 20;
/** A line longer than this is not a RecSys 2016 row: it is skipped (a bad row) rather than buffered without bound. */
export const MAX_LINE_BYTES = 64 << 20;

/**
 * The lines found in one chunk: line i spans `buf[starts[i], ends[i])` (line ending excluded), is line
 * `lineNos[i]` of the file (1-based; the header is line 1 and never appears here) and starts at byte `offsets[i]`
 * of the file. An empty line has `starts[i] === ends[i]`. Valid only until the next chunk is pulled: the buffer is
 * reused.
 */
export interface LineChunk {
  buf: Buffer;
  count: number;
  starts: Int32Array;
  ends: Int32Array;
  lineNos: Float64Array;
  offsets: Float64Array;
}

/** How much of a line over MAX_LINE_BYTES is kept for its dead letter. */
export const LONG_LINE_HEAD_CHARS = 200;

/** Options of scanLines. */
export interface ScanOptions {
  /** Start reading data lines at this line start (see LineStart). */
  from?: LineStart;
  /**
   * Called for a data line longer than MAX_LINE_BYTES, with its line number and its first characters; reading
   * skips to the next newline and goes on. Without it such a line stops reading with an InputError.
   */
  onLongLine?: (line: number, head: string) => void;
}

/** Where to start reading data lines: the byte offset of a line start and that line's 1-based number. */
export interface LineStart {
  offset: number;
  line: number;
}

/** Opens a required input file, turning "missing" or "unreadable" into a one-line InputError. */
export async function openInput(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw inputMissing(path, err);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    await fh.close();
    throw inputMissing(path, err);
  }
  return fh;
}

function inputMissing(path: string, err: unknown): InputError {
  const code = (err as { code?: string }).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(err)})`;
  return new InputError('DF_ERR_INPUT_MISSING', `${path}: ${why}`, { cause: err });
}

/** The wrong-header error, naming the expected header. */
function wrongHeader(path: string, found: string | null, columns: readonly string[]): InputError {
  const expected = JSON.stringify(headerLine(columns));
  const got = found === null ? 'an empty file' : `header ${JSON.stringify(found.length > 200 ? found.slice(0, 200) + '…' : found)}`;
  return new InputError('DF_ERR_INPUT_HEADER', `${path}: found ${got}, expected the header ${expected} (tab-separated)`);
}

/**
 * Streams the data lines of a tab-separated file whose first line must be exactly the header of `columns`
 * (a UTF-8 byte-order mark and `\r\n` endings are accepted). Empty lines are reported as lines (the caller
 * makes them bad rows) except trailing ones at the end of the file, which are ignored. With `from`, the header is
 * still checked, then reading resumes at that line start (an offset an earlier scan reported, or the file's size).
 */
export async function* scanLines(path: string, columns: readonly string[], opts: ScanOptions = {}): AsyncGenerator<LineChunk, void> {
  const fh = await openInput(path);
  try {
    let buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let cap = 8192;
    let starts = new Int32Array(cap);
    let ends = new Int32Array(cap);
    let lineNos = new Float64Array(cap);
    let offsets = new Float64Array(cap);
    let carry = 0; // bytes of an unfinished line kept at the start of buf
    let bufStart = 0; // file offset of buf[0]
    let lineNo = 0; // number of the last line seen
    let headerSeen = false;
    let pendingEmpty = 0; // empty lines not yet known to be followed by a non-empty one
    let emptyOffsets = new Float64Array(16); // their file offsets
    const expected = headerLine(columns);
    if (opts.from !== undefined) {
      await checkHeader(fh, path, columns);
      headerSeen = true;
      bufStart = opts.from.offset;
      lineNo = opts.from.line - 1;
    }
    for (;;) {
      if (carry === buf.length) {
        if (buf.length >= MAX_LINE_BYTES) {
          if (!headerSeen || opts.onLongLine === undefined)
            throw new InputError('DF_ERR_INPUT_LINE', `${path}:${lineNo + 1}: line longer than ${MAX_LINE_BYTES} bytes`);
          // A bad row (issue 9 item 8): the empty lines before it were waiting for a non-empty one, and this is one.
          if (pendingEmpty > 0) {
            if (pendingEmpty > cap) {
              cap = pendingEmpty;
              starts = new Int32Array(cap);
              ends = new Int32Array(cap);
              lineNos = new Float64Array(cap);
              offsets = new Float64Array(cap);
            }
            for (let k = 0; k < pendingEmpty; k++) {
              starts[k] = 0;
              ends[k] = 0;
              lineNos[k] = lineNo - pendingEmpty + 1 + k;
              offsets[k] = emptyOffsets[k]!;
            }
            const count = pendingEmpty;
            pendingEmpty = 0;
            yield { buf, count, starts, ends, lineNos, offsets };
          }
          lineNo++;
          opts.onLongLine(lineNo, buf.toString('utf8', 0, LONG_LINE_HEAD_CHARS));
          const next = await offsetPastNewline(fh, buf, bufStart + carry);
          if (next < 0) return; // the file ends inside the long line
          buf = Buffer.allocUnsafe(CHUNK_BYTES);
          bufStart = next;
          carry = 0;
          continue;
        }
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, carry, buf.length - carry, bufStart + carry);
      const end = carry + bytesRead;
      const eof = bytesRead === 0;
      let count = 0;
      let pos = 0;
      for (;;) {
        let nl = buf.indexOf(10, pos);
        if (nl < 0 || nl >= end) {
          if (!eof || pos >= end) break;
          nl = end; // last line without a final newline
        }
        let e = nl;
        if (e > pos && buf[e - 1] === 13) e--;
        lineNo++;
        if (!headerSeen) {
          let s = pos;
          if (lineNo === 1 && e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
          const found = buf.toString('utf8', s, e);
          if (found !== expected) throw wrongHeader(path, found, columns);
          headerSeen = true;
        } else if (e === pos) {
          if (pendingEmpty === emptyOffsets.length) emptyOffsets = growFloat64(emptyOffsets, pendingEmpty * 2);
          emptyOffsets[pendingEmpty++] = bufStart + pos;
        } else {
          if (count + pendingEmpty + 1 > cap) {
            cap = Math.max(cap * 2, count + pendingEmpty + 1);
            starts = growInt32(starts, cap);
            ends = growInt32(ends, cap);
            lineNos = growFloat64(lineNos, cap);
            offsets = growFloat64(offsets, cap);
          }
          for (let k = pendingEmpty; k > 0; k--) {
            starts[count] = pos;
            ends[count] = pos;
            lineNos[count] = lineNo - k;
            offsets[count] = emptyOffsets[pendingEmpty - k]!;
            count++;
          }
          pendingEmpty = 0;
          starts[count] = pos;
          ends[count] = e;
          lineNos[count] = lineNo;
          offsets[count] = bufStart + pos;
          count++;
        }
        pos = nl + 1;
      }
      if (!headerSeen && eof) throw wrongHeader(path, null, columns);
      if (count > 0) yield { buf, count, starts, ends, lineNos, offsets };
      if (eof) return;
      carry = end - pos;
      if (carry > 0) buf.copyWithin(0, pos, end);
      bufStart += pos;
    }
  } finally {
    await fh.close();
  }
}

/** The file offset just past the next newline at or after `from` (-1 when the file ends first); `buf` is scratch. */
async function offsetPastNewline(fh: FileHandle, buf: Buffer, from: number): Promise<number> {
  for (let p = from; ; ) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, p);
    if (bytesRead === 0) return -1;
    const nl = buf.indexOf(10);
    if (nl >= 0 && nl < bytesRead) return p + nl + 1;
    p += bytesRead;
  }
}

function growInt32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

function growFloat64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

/** Checks the first line of an open file against the header of `columns` (for a scan that starts further on). */
async function checkHeader(fh: FileHandle, path: string, columns: readonly string[]): Promise<void> {
  const expected = Buffer.from(headerLine(columns));
  // The header, an optional byte-order mark and a line ending: a longer first line is a wrong header either way.
  const head = Buffer.alloc(expected.length + 5);
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  let s = 0;
  if (bytesRead >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) s = 3;
  let e = head.indexOf(10, s);
  if (e < 0 || e >= bytesRead) e = bytesRead;
  const lineEnd = e;
  if (e > s && head[e - 1] === 13) e--;
  if (bytesRead === 0) throw wrongHeader(path, null, columns);
  if (lineEnd === bytesRead && bytesRead === head.length) throw wrongHeader(path, head.toString('utf8', s, e) + '…', columns);
  const found = head.toString('utf8', s, e);
  if (found !== expected.toString('utf8')) throw wrongHeader(path, found, columns);
}

/**
 * Splits `buf[s, e)` at tabs: field k spans `[fieldStarts[k], fieldEnds[k])` for k < `max`. Returns the number
 * of fields found (which may exceed `max`: then only the first `max` are recorded).
 */
export function splitTabs(buf: Buffer, s: number, e: number, fieldStarts: Int32Array, fieldEnds: Int32Array, max: number): number {
  let n = 0;
  let fs = s;
  for (let i = s; i < e; i++) {
    if (buf[i] === 9) {
      if (n < max) {
        fieldStarts[n] = fs;
        fieldEnds[n] = i;
      }
      n++;
      fs = i + 1;
    }
  }
  if (n < max) {
    fieldStarts[n] = fs;
    fieldEnds[n] = e;
  }
  return n + 1;
}

// A decimal number as JSON would write it; anything else in a numeric column is "not a number".
const NUMERIC = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The number in `buf[s, e)`: plain (optionally negative) digits on the fast path, other decimal notations
 * through Number(); NaN when the field is empty or not a number. The schema validator judges the value.
 */
export function parseNumber(buf: Buffer, s: number, e: number): number {
  if (s === e) return NaN;
  let i = s;
  const neg = buf[i] === 45;
  if (neg && ++i === e) return NaN;
  let v = 0;
  for (; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return parseNumberSlow(buf, s, e);
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

function parseNumberSlow(buf: Buffer, s: number, e: number): number {
  const text = buf.toString('latin1', s, e);
  return NUMERIC.test(text) ? Number(text) : NaN;
}

/** The reason for a field that is not a number, quoting (a prefix of) its text. */
export function notANumber(name: string, buf: Buffer, s: number, e: number): string {
  const text = buf.toString('utf8', s, Math.min(e, s + 40));
  return `${name} is not a number: ${JSON.stringify(e - s > 40 ? text + '…' : text)}`;
}
