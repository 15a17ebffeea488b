// Fetched messages of one topic partition decoded to columns as they arrive: one chunk per kafkajs batch, one row
// per message in offset order, so that what the source holds is typed arrays, not message objects or the fetch
// response's buffers (an invalid value's first bytes are copied for its dead letter).
import { isoWeekStartS } from '../../core/time/iso-week.js';
import {
  decodeValueSlow,
  parseImpressionFast,
  parseInteractionFast,
  type ImpressionFields,
  type InteractionFields,
  type MessageKind,
} from './event-decoder.js';

/** A message that is an interaction of type 1-3. */
export const MSG_INTERACTION = 0;
/** A delete (type 4): dropped at ingest and counted, but it has an event time. */
export const MSG_DELETE = 1;
/** An impression: `itemCount` (user, item) pairs at one event time. */
export const MSG_IMPRESSION = 2;
/** A value that failed decoding or validation: it goes to the dead letters. */
export const MSG_BAD = 3;

/** An invalid message as the dead letters record it. */
export interface BadMessage {
  topic: string;
  partition: number;
  offset: number;
  reason: string;
  key: Buffer | null;
  /** The value's first bytes (a copy: the fetch response is not kept alive for it), null for a null value. */
  value: Buffer | null;
  /** The value's full length in bytes (0 for null). */
  valueBytes: number;
}

/** The part of a kafkajs message the queue reads. */
export interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** How much of an invalid value the dead letter keeps (the broker's default message limit is 1 MiB). */
export const DEAD_LETTER_VALUE_BYTES = 64 * 1024;

/** One kafkajs batch of one partition, decoded: a column per field, one row per message in offset order. */
export class MessageChunk {
  readonly offsets: Float64Array;
  readonly timesS: Float64Array;
  readonly userIds: Int32Array;
  /** Interactions: the item; impressions: the index of the message's first item in `items`. */
  readonly itemIds: Int32Array;
  /** Impressions: the number of items of the message. */
  readonly itemCounts: Int32Array;
  readonly kinds: Uint8Array;
  readonly types: Uint8Array;
  items: Int32Array;
  itemsLength = 0;
  length = 0;
  /** Events the chunk holds: interactions of types 1-3 and impression pairs. */
  events = 0;
  /** Bad messages by row. */
  readonly bad = new Map<number, BadMessage>();
  /** Bytes of the messages' values, for the queue's bound. */
  valueBytes = 0;

  constructor(capacity: number, kind: MessageKind) {
    // One allocation for the columns (a chunk is made per fetched batch: fewer, larger buffers cost the GC less).
    const n = capacity;
    const buf = new ArrayBuffer(n * (8 + 8 + 4 + 4 + 4 + 1 + 1));
    this.offsets = new Float64Array(buf, 0, n);
    this.timesS = new Float64Array(buf, 8 * n, n);
    this.userIds = new Int32Array(buf, 16 * n, n);
    this.itemIds = new Int32Array(buf, 20 * n, n);
    this.itemCounts = new Int32Array(buf, 24 * n, n);
    this.kinds = new Uint8Array(buf, 28 * n, n);
    this.types = new Uint8Array(buf, 29 * n, n);
    this.items = new Int32Array(kind === 'impressions' ? n * 16 : 0);
  }

  /** Appends an impression's items; returns where they start in `items`. */
  pushItems(items: Int32Array, count: number): number {
    const at = this.itemsLength;
    if (at + count > this.items.length) {
      let n = Math.max(1024, this.items.length * 2);
      while (n < at + count) n *= 2;
      const grown = new Int32Array(n);
      grown.set(this.items.subarray(0, at));
      this.items = grown;
    }
    this.items.set(items.subarray(0, count), at);
    this.itemsLength = at + count;
    return at;
  }
}

const interaction: InteractionFields = { userId: 0, itemId: 0, type: 0, createdAtS: 0 };
const impression: ImpressionFields = { userId: 0, eventTimeS: 0, items: new Int32Array(256), itemCount: 0 };

/**
 * Decodes fetched messages of a `kind` topic partition into a chunk: the fast byte parser first, the schema's
 * validator for anything else (event-decoder.ts). Messages whose offset is below `fromOffset` are skipped (a fetch
 * may start before it). Invalid values become bad rows with the reason.
 */
export function decodeMessages(
  topic: string,
  partition: number,
  kind: MessageKind,
  messages: readonly FetchedMessage[],
  fromOffset: number,
  maxValueBytes: number,
): MessageChunk {
  const chunk = new MessageChunk(messages.length, kind);
  const count = messages.length;
  // Offsets are consecutive in a batch unless the log has holes (compaction, transaction markers): then each is read.
  const first = count > 0 ? Number(messages[0]!.offset) : 0;
  const consecutive = count > 0 && Number(messages[count - 1]!.offset) - first === count - 1;
  let n = 0;
  for (let k = 0; k < count; k++) {
    const m = messages[k]!;
    const offset = consecutive ? first + k : Number(m.offset);
    if (offset < fromOffset) continue;
    const value = m.value;
    chunk.offsets[n] = offset;
    if (value !== null) chunk.valueBytes += value.length;
    let ok = false;
    if (value !== null && value.length <= maxValueBytes) {
      if (kind === 'interactions') {
        if (parseInteractionFast(value, 0, value.length, interaction)) {
          ok = true;
          putInteraction(chunk, n, interaction.userId, interaction.itemId, interaction.type, interaction.createdAtS);
        }
      } else if (parseImpressionFast(value, 0, value.length, impression)) {
        ok = true;
        putImpression(chunk, n, impression.userId, impression.eventTimeS, impression.items, impression.itemCount);
      }
    }
    if (!ok) {
      const slow = decodeValueSlow(value, kind, maxValueBytes);
      if (slow.ok && slow.kind === 'interaction') {
        const r = slow.record;
        putInteraction(chunk, n, r.user_id, r.item_id, r.interaction_type, r.created_at);
      } else if (slow.ok && slow.kind === 'impression') {
        const r = slow.record;
        const items = Int32Array.from(r.items);
        // Same event time rule as the fast path: 00:00 UTC on the Monday of the ISO week (method.md §5a).
        putImpression(chunk, n, r.user_id, isoWeekStartS(r.year, r.week), items, items.length);
      } else {
        chunk.kinds[n] = MSG_BAD;
        chunk.timesS[n] = NaN;
        chunk.bad.set(n, {
          topic,
          partition,
          offset,
          reason: slow.ok ? 'unexpected record' : slow.reason,
          key: m.key === null ? null : Buffer.from(m.key),
          value: value === null ? null : Buffer.from(value.subarray(0, DEAD_LETTER_VALUE_BYTES)),
          valueBytes: value === null ? 0 : value.length,
        });
      }
    }
    n++;
  }
  chunk.length = n;
  return chunk;
}

function putInteraction(chunk: MessageChunk, i: number, userId: number, itemId: number, type: number, createdAtS: number): void {
  chunk.kinds[i] = type === 4 ? MSG_DELETE : MSG_INTERACTION;
  if (type !== 4) chunk.events++;
  chunk.userIds[i] = userId;
  chunk.itemIds[i] = itemId;
  chunk.types[i] = type;
  chunk.timesS[i] = createdAtS;
}

function putImpression(chunk: MessageChunk, i: number, userId: number, eventTimeS: number, items: Int32Array, count: number): void {
  chunk.kinds[i] = MSG_IMPRESSION;
  chunk.userIds[i] = userId;
  chunk.timesS[i] = eventTimeS;
  chunk.itemIds[i] = chunk.pushItems(items, count);
  chunk.itemCounts[i] = count;
  chunk.events += count;
}

