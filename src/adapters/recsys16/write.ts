// Streaming writers of the RecSys 2016 files (issue 2, item 4): tab-separated, header line, '\n' endings.
// Rows are encoded straight into 1 MiB Buffers written through the one durable atomic write
// (createAtomicFile: `path + '.tmp'`, fsync, rename on close, fsync of the folder), so a reader never sees half
// a file. At most one chunk is being written while the next is filled: write() returns a promise to await then.
import type { ImpressionRecord, InteractionRecord, ItemProfileRow, UserProfileRow } from '../../core/events/records.js';
import { createAtomicFile, type AtomicFile } from '../fs/atomic-file.js';
import { IMPRESSION_COLUMNS, INTERACTION_COLUMNS, ITEM_COLUMNS, USER_COLUMNS, headerLine } from './format.js';

/** A streaming file writer: await write()'s promise when it returns one (backpressure), then close() once. */
export interface RecsysWriter<T> {
  write(record: T): Promise<void> | void;
  /** Writes the rest and puts the file in place. */
  close(): Promise<void>;
  /** Drops the file being written (after a failure); an earlier file at the path stays as it was. */
  abort(): Promise<void>;
}

export type { ItemProfileRow, UserProfileRow } from '../../core/events/records.js';

const CHUNK_BYTES = 1 << 20;
// Room for the longest single value written without a check (an integer is ≤ 17 bytes).
const SLACK_BYTES = 64;

/** Encodes rows into large Buffers and streams them to an atomic file. */
class ChunkedFile {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private readonly file: Promise<AtomicFile>;
  /** Every chunk handed over so far, written in order. */
  private writing: Promise<void>;
  private error: unknown = null;
  private drain: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly path: string) {
    this.file = createAtomicFile(path);
    // An open or write error is kept and reported from write() or close(), never left unhandled.
    this.writing = this.file.then(
      () => undefined,
      (err: unknown) => {
        this.error ??= err;
      },
    );
  }

  /** Ensures room for `n` more bytes, flushing when the chunk is full. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushChunk();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  /** Writes a non-negative or negative integer in plain decimal (no exponent). */
  int(v: number, field: string): void {
    if (!Number.isSafeInteger(v)) throw new TypeError(`${this.path}: ${field} must be a safe integer, got ${v}`);
    const buf = this.buf;
    let pos = this.pos;
    if (v < 0) {
      buf[pos++] = 45;
      v = -v;
    }
    if (v < 10) {
      buf[pos++] = 48 + v;
    } else {
      let digits = 1;
      for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
      let p = pos + digits;
      pos = p;
      while (v >= 10) {
        const q = Math.floor(v / 10);
        buf[--p] = 48 + (v - q * 10);
        v = q;
      }
      buf[--p] = 48 + v;
    }
    this.pos = pos;
  }

  /** Writes a string field (latin1/ASCII expected; UTF-8 encoded), refusing tabs and line breaks. */
  str(s: string, field: string): void {
    if (/[\t\r\n]/.test(s)) throw new TypeError(`${this.path}: ${field} must not contain tabs or line breaks`);
    this.text(s);
  }

  /** Writes text as is (the header). */
  text(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.room(n + SLACK_BYTES);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Writes one byte (a tab, a comma, a newline). */
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** Called after each row: hands the chunk over once it is nearly full; resolves when the previous one is written. */
  endRow(): Promise<void> | void {
    if (this.error) throw this.error;
    if (this.pos + 4 * SLACK_BYTES > this.buf.length) this.flushChunk();
    const drain = this.drain;
    if (drain === null) return;
    this.drain = null;
    return drain;
  }

  /** Hands the filled part of the chunk to the file; the caller waits for the writes before it (one in flight). */
  private flushChunk(): void {
    if (this.pos === 0) return;
    const out = this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    this.pos = 0;
    const before = this.writing;
    this.writing = before.then(async () => {
      if (this.error) return;
      try {
        await (await this.file).write(out);
      } catch (err) {
        this.error ??= err;
      }
    });
    this.drain = before;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushChunk();
    this.drain = null;
    await this.writing;
    if (this.error) {
      await this.dropTmp();
      throw this.error;
    }
    await (await this.file).commit();
  }

  async abort(): Promise<void> {
    this.closed = true;
    this.drain = null;
    await this.writing;
    await this.dropTmp();
  }

  private async dropTmp(): Promise<void> {
    const file = await this.file.catch(() => null);
    await file?.abort();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

function writer<T>(path: string, columns: readonly string[], row: (f: ChunkedFile, r: T) => void): RecsysWriter<T> {
  const f = new ChunkedFile(path);
  f.text(headerLine(columns));
  f.byte(10);
  return {
    write(record: T): Promise<void> | void {
      if (f.isClosed) throw new Error(`${path}: write after close`);
      f.room(4 * SLACK_BYTES);
      row(f, record);
      f.byte(10);
      return f.endRow();
    },
    close: () => f.close(),
    abort: () => f.abort(),
  };
}

const TAB = 9;
const COMMA = 44;

/** Streaming writer of interactions.csv. */
export function createInteractionWriter(path: string): RecsysWriter<InteractionRecord> {
  return writer<InteractionRecord>(path, INTERACTION_COLUMNS, (f, r) => {
    f.int(r.user_id, 'user_id');
    f.byte(TAB);
    f.int(r.item_id, 'item_id');
    f.byte(TAB);
    f.int(r.interaction_type, 'interaction_type');
    f.byte(TAB);
    f.int(r.created_at, 'created_at');
  });
}

/** Streaming writer of impressions.csv (items comma-separated, in the record's order). */
export function createImpressionWriter(path: string): RecsysWriter<ImpressionRecord> {
  return writer<ImpressionRecord>(path, IMPRESSION_COLUMNS, (f, r) => {
    f.int(r.user_id, 'user_id');
    f.byte(TAB);
    f.int(r.year, 'year');
    f.byte(TAB);
    f.int(r.week, 'week');
    f.byte(TAB);
    const items = r.items;
    for (let i = 0; i < items.length; i++) {
      f.room(SLACK_BYTES);
      if (i > 0) f.byte(COMMA);
      f.int(items[i]!, 'items');
    }
  });
}

/** Streaming writer of users.csv. */
export function createUserWriter(path: string): RecsysWriter<UserProfileRow> {
  return writer<UserProfileRow>(path, USER_COLUMNS, (f, r) => {
    f.int(r.id, 'id');
    f.byte(TAB);
    f.str(r.jobroles, 'jobroles');
    f.room(SLACK_BYTES * 4);
    for (const k of ['career_level', 'discipline_id', 'industry_id'] as const) {
      f.byte(TAB);
      f.int(r[k], k);
    }
    f.byte(TAB);
    f.str(r.country, 'country');
    f.room(SLACK_BYTES * 6);
    for (const k of ['region', 'experience_n_entries_class', 'experience_years_experience', 'experience_years_in_current', 'edu_degree'] as const) {
      f.byte(TAB);
      f.int(r[k], k);
    }
    f.byte(TAB);
    f.str(r.edu_fieldofstudies, 'edu_fieldofstudies');
  });
}

/** A coordinate in plain decimal (never an exponent), or NULL. */
function coordinate(v: number | null, field: string): string {
  if (v === null) return 'NULL';
  if (!Number.isFinite(v) || Math.abs(v) > 1000) throw new TypeError(`${field} must be a coordinate in degrees, got ${v}`);
  const text = String(v);
  if (!text.includes('e')) return text;
  // Tiny values print with an exponent: write them as fixed-point instead.
  return v.toFixed(12).replace(/0+$/, '').replace(/\.$/, '');
}

/** Streaming writer of items.csv. */
export function createItemWriter(path: string): RecsysWriter<ItemProfileRow> {
  return writer<ItemProfileRow>(path, ITEM_COLUMNS, (f, r) => {
    f.int(r.id, 'id');
    f.byte(TAB);
    f.str(r.title, 'title');
    f.room(SLACK_BYTES * 4);
    for (const k of ['career_level', 'discipline_id', 'industry_id'] as const) {
      f.byte(TAB);
      f.int(r[k], k);
    }
    f.byte(TAB);
    f.str(r.country, 'country');
    f.room(SLACK_BYTES * 2);
    f.byte(TAB);
    f.int(r.region, 'region');
    f.byte(TAB);
    f.str(coordinate(r.latitude, 'latitude'), 'latitude');
    f.byte(TAB);
    f.str(coordinate(r.longitude, 'longitude'), 'longitude');
    f.room(SLACK_BYTES * 2);
    f.byte(TAB);
    f.int(r.employment, 'employment');
    f.byte(TAB);
    f.str(r.tags, 'tags');
    f.room(SLACK_BYTES * 3);
    f.byte(TAB);
    f.int(r.created_at, 'created_at');
    f.byte(TAB);
    f.int(r.active_during_test, 'active_during_test');
  });
}
