// Message values of `P.interactions` and `P.impressions` decoded straight from their bytes (the consumer's hot path).
// The rule is the schema's (schemas/*.schema.json, through the compiled validators in adapters/schemas): a value is
// valid exactly when JSON.parse of it passes the validator, and then it means what the validator saw. The fast path
// reads only the form our producer writes (messages.ts: the fields in schema order, integers without sign, exponent
// or leading zero, no spaces), checks the schema's bounds on the way, and hands anything else (another field order,
// spaces, `1.0`, out-of-range or unknown values, garbage) to JSON.parse and the validator, which decide and say why.
// test/adapters/kafka/event-decoder.test.ts checks the two paths agree on valid and invalid values alike.
import type { ImpressionRecord, InteractionRecord } from '../../core/events/records.js';
import { isValidIsoWeek, isoWeekStartS } from '../../core/time/iso-week.js';
import { validateImpression, validateInteraction } from '../schemas/validators.js';

/** Which topic a value came from: each has its own record type. */
export type MessageKind = 'interactions' | 'impressions';

/** A decoded interaction; one object reused across calls (the caller copies the fields out). */
export interface InteractionFields {
  userId: number;
  itemId: number;
  type: number;
  createdAtS: number;
}

/** A decoded impression; `items[0..itemCount)` is a scratch array reused across calls. */
export interface ImpressionFields {
  userId: number;
  eventTimeS: number;
  items: Int32Array;
  itemCount: number;
}

const MAX_ID = 2147483647;
// schemas/interaction.schema.json: created_at at most 2100-01-01.
const MAX_CREATED_AT_S = 4102444800;

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

const I_USER = ascii('{"user_id":');
const I_ITEM = ascii(',"item_id":');
const I_TYPE = ascii(',"interaction_type":');
const I_CREATED = ascii(',"created_at":');
const P_USER = I_USER;
const P_YEAR = ascii(',"year":');
const P_WEEK = ascii(',"week":');
const P_ITEMS = ascii(',"items":[');
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const ZERO = 0x30;

/** Cursor over one value's bytes; `fail` once set means the fast path gives up. */
class ByteReader {
  buf: Uint8Array = new Uint8Array(0);
  at = 0;
  end = 0;

  reset(buf: Uint8Array, start: number, end: number): void {
    this.buf = buf;
    this.at = start;
    this.end = end;
  }

  literal(lit: Uint8Array): boolean {
    const n = lit.length;
    if (this.at + n > this.end) return false;
    const buf = this.buf;
    for (let i = 0; i < n; i++) if (buf[this.at + i] !== lit[i]) return false;
    this.at += n;
    return true;
  }

  /** A JSON non-negative integer of at most 10 digits with no leading zero; -1 if the bytes are not one. */
  uint(): number {
    const buf = this.buf;
    const start = this.at;
    let v = 0;
    let i = start;
    const limit = Math.min(this.end, start + 10);
    while (i < limit) {
      const d = buf[i]! - ZERO;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || (digits > 1 && buf[start] === ZERO)) return -1;
    // An 11th digit (or more): out of every bound here; the validator says so.
    if (i < this.end) {
      const d = buf[i]! - ZERO;
      if (d >= 0 && d <= 9) return -1;
    }
    this.at = i;
    return v;
  }

  byte(b: number): boolean {
    if (this.at < this.end && this.buf[this.at] === b) {
      this.at++;
      return true;
    }
    return false;
  }
}

const reader = new ByteReader();

/** Fast path for the producer's interaction form; false when the slow path must decide. */
export function parseInteractionFast(buf: Uint8Array, start: number, end: number, out: InteractionFields): boolean {
  const r = reader;
  r.reset(buf, start, end);
  if (!r.literal(I_USER)) return false;
  const user = r.uint();
  if (user < 0 || user > MAX_ID || !r.literal(I_ITEM)) return false;
  const item = r.uint();
  if (item < 0 || item > MAX_ID || !r.literal(I_TYPE)) return false;
  const type = r.uint();
  if (type < 1 || type > 4 || !r.literal(I_CREATED)) return false;
  const created = r.uint();
  if (created < 0 || created > MAX_CREATED_AT_S || !r.byte(CLOSE_BRACE) || r.at !== end) return false;
  out.userId = user;
  out.itemId = item;
  out.type = type;
  out.createdAtS = created;
  return true;
}

// (year × 100 + week) → its Monday's unix seconds, or NaN for a week that does not exist.
const weekStartCache = new Map<number, number>();

function weekStartS(year: number, week: number): number {
  const key = year * 100 + week;
  let t = weekStartCache.get(key);
  if (t === undefined) {
    t = year >= 1970 && year <= 2099 && isValidIsoWeek(year, week) ? isoWeekStartS(year, week) : NaN;
    weekStartCache.set(key, t);
  }
  return t;
}

/** Fast path for the producer's impression form; false when the slow path must decide. */
export function parseImpressionFast(buf: Uint8Array, start: number, end: number, out: ImpressionFields): boolean {
  const r = reader;
  r.reset(buf, start, end);
  if (!r.literal(P_USER)) return false;
  const user = r.uint();
  if (user < 0 || user > MAX_ID || !r.literal(P_YEAR)) return false;
  const year = r.uint();
  if (year < 0 || !r.literal(P_WEEK)) return false;
  const week = r.uint();
  if (week < 0 || !r.literal(P_ITEMS)) return false;
  const t = weekStartS(year, week);
  if (t !== t) return false;
  let n = 0;
  for (;;) {
    const item = r.uint();
    if (item < 0 || item > MAX_ID) return false;
    if (n === out.items.length) {
      const grown = new Int32Array(out.items.length * 2);
      grown.set(out.items);
      out.items = grown;
    }
    out.items[n++] = item;
    if (r.byte(COMMA)) continue;
    if (r.byte(CLOSE_BRACKET)) break;
    return false;
  }
  if (!r.byte(CLOSE_BRACE) || r.at !== end) return false;
  out.userId = user;
  out.eventTimeS = t;
  out.itemCount = n;
  return true;
}

/** The outcome of the slow path: a record, or why the value is invalid. */
export type SlowDecoded =
  | { ok: true; kind: 'interaction'; record: InteractionRecord }
  | { ok: true; kind: 'impression'; record: ImpressionRecord }
  | { ok: false; reason: string };

/**
 * The schema's verdict on a value of a `kind` topic: JSON.parse, then the compiled validator. `maxValueBytes` bounds
 * what is parsed at all (a value larger than any record is refused before it costs a parse). A record of the other
 * topic's type is named as such.
 */
export function decodeValueSlow(value: Uint8Array | null, kind: MessageKind, maxValueBytes: number): SlowDecoded {
  if (value === null) return { ok: false, reason: 'null message value' };
  if (value.length > maxValueBytes) return { ok: false, reason: `message value of ${value.length} bytes exceeds the ${maxValueBytes}-byte limit` };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));
  } catch {
    return { ok: false, reason: 'message value is not JSON' };
  }
  if (kind === 'interactions') {
    const v = validateInteraction(json);
    if (v.ok) return { ok: true, kind: 'interaction', record: v.value };
    if (validateImpression(json).ok) return { ok: false, reason: 'an impression record on the interactions topic' };
    return { ok: false, reason: v.reason };
  }
  const v = validateImpression(json);
  if (v.ok) return { ok: true, kind: 'impression', record: v.value };
  if (validateInteraction(json).ok) return { ok: false, reason: 'an interaction record on the impressions topic' };
  return { ok: false, reason: v.reason };
}
