// Kafka message values are the RecSys 2016 records as JSON with the files' field names, keyed by user id
// (architecture.md, "Contracts"). Every record is checked by the compiled validator of schemas/ before it is
// encoded, and every value read back is checked the same way.
import type { ImpressionRecord, InteractionRecord } from '../../core/events/records.js';
import { isoWeekStartS } from '../../core/time/iso-week.js';
import { validateImpression, validateInteraction, type Validated } from '../schemas/validators.js';

/** One message to produce: key and value already serialised (so sends do no per-message work). */
export interface OutgoingMessage {
  /** The user id as a decimal string: all of a user's events land in one partition, in order. */
  key: string;
  /** The record as JSON. */
  value: string;
}

/** Outcome of encoding one record: the message, or why the record is invalid. */
export type Encoded = { ok: true; message: OutgoingMessage } | { ok: false; reason: string };

// Template strings in the schema's field order: equal to JSON.stringify of the validated record (integers only),
// and several times faster on the produce hot path.
function interactionJson(r: InteractionRecord): string {
  return `{"user_id":${r.user_id},"item_id":${r.item_id},"interaction_type":${r.interaction_type},"created_at":${r.created_at}}`;
}

function impressionJson(r: ImpressionRecord): string {
  return `{"user_id":${r.user_id},"year":${r.year},"week":${r.week},"items":[${r.items.join(',')}]}`;
}

/** Validates an interaction record and encodes it as a `<prefix>.interactions` message. */
export function encodeInteraction(record: unknown): Encoded {
  const v = validateInteraction(record);
  if (!v.ok) return v;
  return { ok: true, message: { key: String(v.value.user_id), value: interactionJson(v.value) } };
}

/** Validates an impression record and encodes it as a `<prefix>.impressions` message. */
export function encodeImpression(record: unknown): Encoded {
  const v = validateImpression(record);
  if (!v.ok) return v;
  return { ok: true, message: { key: String(v.value.user_id), value: impressionJson(v.value) } };
}

function parse(value: Uint8Array | string | null | undefined): { ok: true; json: unknown } | { ok: false; reason: string } {
  if (value === null || value === undefined) return { ok: false, reason: 'empty message value' };
  const text = typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'message value is not JSON' };
  }
}

/** Decodes and validates a `<prefix>.interactions` message value. */
export function decodeInteraction(value: Uint8Array | string | null | undefined): Validated<InteractionRecord> {
  const p = parse(value);
  return p.ok ? validateInteraction(p.json) : p;
}

/** Decodes and validates a `<prefix>.impressions` message value. */
export function decodeImpression(value: Uint8Array | string | null | undefined): Validated<ImpressionRecord> {
  const p = parse(value);
  return p.ok ? validateImpression(p.json) : p;
}

/** Event time of an impression: 00:00 UTC on the Monday of its ISO week (method.md §5a). */
export function impressionTimeS(record: ImpressionRecord): number {
  return isoWeekStartS(record.year, record.week);
}
