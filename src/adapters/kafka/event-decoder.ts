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

/** Whether `lit` is at `at` (and fits before `end`). */
function matches(buf: Uint8Array, at: number, end: number, lit: Uint8Array): boolean {
  const n = lit.length;
  if (at + n > end) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== lit[i]) return false;
  return true;
}

/**
 * A JSON non-negative integer of 1-10 digits with no leading zero at `at`, packed as value × 16 + its digit count
 * (so one number carries both, no allocation); -1 if the bytes there are not one.
 */
function uintAt(buf: Uint8Array, at: number, end: number): number {
  let v = 0;
  let i = at;
  const limit = Math.min(end, at + 10);
  while (i < limit) {
    const d = buf[i]! - ZERO;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    i++;
  }
  const digits = i - at;
  if (digits === 0 || (digits > 1 && buf[at] === ZERO)) return -1;
  // An 11th digit: out of every bound here; the validator says so.
  if (i < end) {
    const d = buf[i]! - ZERO;
    if (d >= 0 && d <= 9) return -1;
  }
  return v * 16 + digits;
}

/** Fast path for the producer's interaction form; false when the slow path must decide. */
export function parseInteractionFast(buf: Uint8Array, start: number, end: number, out: InteractionFields): boolean {
  let at = start;
  if (!matches(buf, at, end, I_USER)) return false;
  at += I_USER.length;
  let p = uintAt(buf, at, end);
  if (p < 0) return false;
  const user = (p - (p & 15)) / 16;
  at += p & 15;
  if (user > MAX_ID || !matches(buf, at, end, I_ITEM)) return false;
  at += I_ITEM.length;
  p = uintAt(buf, at, end);
  if (p < 0) return false;
  const item = (p - (p & 15)) / 16;
  at += p & 15;
  if (item > MAX_ID || !matches(buf, at, end, I_TYPE)) return false;
  at += I_TYPE.length;
  // interaction_type: one digit 1-4.
  const type = at < end ? buf[at]! - ZERO : -1;
  if (type < 1 || type > 4) return false;
  at++;
  if (!matches(buf, at, end, I_CREATED)) return false;
  at += I_CREATED.length;
  p = uintAt(buf, at, end);
  if (p < 0) return false;
  const created = (p - (p & 15)) / 16;
  at += p & 15;
  if (created > MAX_CREATED_AT_S || at + 1 !== end || buf[at] !== CLOSE_BRACE) return false;
  out.userId = user;
  out.itemId = item;
  out.type = type;
  out.createdAtS = created;
  return true;
}

// (year × 100 + week) → its Monday's unix seconds, or NaN for a week that does not exist.
const weekStartCache = new Map<number, number>();

function weekStartS(year: number, week: number): number {
  // The schema's bounds first: they also keep the cache key (year × 100 + week) one-to-one.
  if (year < 1970 || year > 2099 || week < 1 || week > 53) return NaN;
  const key = year * 100 + week;
  let t = weekStartCache.get(key);
  if (t === undefined) {
    t = isValidIsoWeek(year, week) ? isoWeekStartS(year, week) : NaN;
    weekStartCache.set(key, t);
  }
  return t;
}

/** Fast path for the producer's impression form; false when the slow path must decide. */
export function parseImpressionFast(buf: Uint8Array, start: number, end: number, out: ImpressionFields): boolean {
  let at = start;
  if (!matches(buf, at, end, P_USER)) return false;
  at += P_USER.length;
  let p = uintAt(buf, at, end);
  if (p < 0) return false;
  const user = (p - (p & 15)) / 16;
  at += p & 15;
  if (user > MAX_ID || !matches(buf, at, end, P_YEAR)) return false;
  at += P_YEAR.length;
  p = uintAt(buf, at, end);
  if (p < 0) return false;
  const year = (p - (p & 15)) / 16;
  at += p & 15;
  if (!matches(buf, at, end, P_WEEK)) return false;
  at += P_WEEK.length;
  p = uintAt(buf, at, end);
  if (p < 0) return false;
  const week = (p - (p & 15)) / 16;
  at += p & 15;
  if (!matches(buf, at, end, P_ITEMS)) return false;
  at += P_ITEMS.length;
  const t = weekStartS(year, week);
  if (t !== t) return false;
  let items = out.items;
  let n = 0;
  for (;;) {
    p = uintAt(buf, at, end);
    if (p < 0) return false;
    const item = (p - (p & 15)) / 16;
    at += p & 15;
    if (item > MAX_ID) return false;
    if (n === items.length) {
      const grown = new Int32Array(items.length * 2);
      grown.set(items);
      items = out.items = grown;
    }
    items[n++] = item;
    const c = buf[at];
    at++;
    if (c === COMMA) continue;
    if (c === CLOSE_BRACKET) break;
    return false;
  }
  if (at + 1 !== end || buf[at] !== CLOSE_BRACE) return false;
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
