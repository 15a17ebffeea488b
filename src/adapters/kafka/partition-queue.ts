// What the Kafka source holds of one topic partition: the decoded messages fetched and not yet handed out (chunks in
// offset order), how many pairs of the head impression were handed out already, and the next offset to fetch. The
// source bounds it by pausing the partition (source.ts); the queue only keeps the books.
import { MSG_BAD, MSG_DELETE, MSG_IMPRESSION, MSG_INTERACTION, type BadMessage, type MessageChunk } from './message-chunk.js';

/** Columns a pull fills, up to its maxEvents (interactions plus impression pairs). */
export class EventBatchBuilder {
  events = 0;
  interactions = 0;
  impressionPairs = 0;
  intUsers: Int32Array;
  intItems: Int32Array;
  intTypes: Uint8Array;
  intTimesS: Float64Array;
  impUsers: Int32Array;
  impItems: Int32Array;
  impTimesS: Float64Array;

  /**
   * `interactionCapacity`, `pairCapacity`: the columns' first sizes (what the queues hold, at most maxEvents each),
   * so that a pull allocates about what it hands out; the columns grow beyond them if need be.
   */
  constructor(
    readonly maxEvents: number,
    interactionCapacity: number,
    pairCapacity: number,
  ) {
    const a = Math.max(16, Math.min(maxEvents, interactionCapacity));
    const b = Math.max(16, Math.min(maxEvents, pairCapacity));
    // One allocation per side (two per pull), the 8-byte column first for alignment.
    const ints = new ArrayBuffer(a * 17);
    this.intTimesS = new Float64Array(ints, 0, a);
    this.intUsers = new Int32Array(ints, 8 * a, a);
    this.intItems = new Int32Array(ints, 12 * a, a);
    this.intTypes = new Uint8Array(ints, 16 * a, a);
    const pairs = new ArrayBuffer(b * 16);
    this.impTimesS = new Float64Array(pairs, 0, b);
    this.impUsers = new Int32Array(pairs, 8 * b, b);
    this.impItems = new Int32Array(pairs, 12 * b, b);
  }

  /** Appends one interaction. */
  pushInteraction(userId: number, itemId: number, type: number, timeS: number): void {
    const i = this.interactions;
    if (i === this.intUsers.length) {
      const n = Math.min(this.maxEvents, Math.max(16, i * 2));
      this.intUsers = grown(this.intUsers, new Int32Array(n));
      this.intItems = grown(this.intItems, new Int32Array(n));
      this.intTypes = grown(this.intTypes, new Uint8Array(n));
      this.intTimesS = grown(this.intTimesS, new Float64Array(n));
    }
    this.intUsers[i] = userId;
    this.intItems[i] = itemId;
    this.intTypes[i] = type;
    this.intTimesS[i] = timeS;
    this.interactions = i + 1;
    this.events++;
  }

  /** Appends `count` pairs of one impression: `items[from..from+count)` shown to `userId` at `timeS`. */
  pushPairs(userId: number, items: Int32Array, from: number, count: number, timeS: number): void {
    const j = this.impressionPairs;
    if (j + count > this.impUsers.length) {
      let n = Math.max(16, this.impUsers.length);
      while (n < j + count) n *= 2;
      n = Math.min(this.maxEvents, n);
      this.impUsers = grown(this.impUsers, new Int32Array(n));
      this.impItems = grown(this.impItems, new Int32Array(n));
      this.impTimesS = grown(this.impTimesS, new Float64Array(n));
    }
    this.impUsers.fill(userId, j, j + count);
    this.impItems.set(items.subarray(from, from + count), j);
    this.impTimesS.fill(timeS, j, j + count);
    this.impressionPairs = j + count;
    this.events += count;
  }
}

function grown<T extends Int32Array | Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Counters a pull adds to while taking from queues. */
export interface TakeCounters {
  droppedDeletes: number;
  badEvents: number;
}

/** Why taking from a queue stopped. */
export const TAKE_EMPTY = 0;
/** The head event is at or after the request's bound. */
export const TAKE_AHEAD = 1;
/** The batch is full. */
export const TAKE_FULL = 2;
/** Why taking stopped: TAKE_EMPTY, TAKE_AHEAD or TAKE_FULL. */
export type TakeResult = typeof TAKE_EMPTY | typeof TAKE_AHEAD | typeof TAKE_FULL;

/** One topic partition's fetched, not yet handed out messages (see the file's header). */
export class PartitionQueue {
  private chunks: MessageChunk[] = [];
  /** Row of the head message in chunks[0]. */
  private row = 0;
  /** Pairs of the head impression already handed out. */
  pairsTaken = 0;
  /** The offset the next fetched message must have: messages below it were queued already. */
  nextFetchOffset: number;
  /** Value bytes of the queued messages (not handed out), for the bound. */
  queuedBytes = 0;
  /** Events queued (interactions of types 1-3 and impression pairs), an upper bound of what a pull can take. */
  queuedEvents = 0;
  /** Event time of the last queued message that has one (NaN: none queued). */
  tailTimeS = NaN;

  constructor(
    readonly topic: string,
    readonly partition: number,
    startOffset: number,
  ) {
    this.nextFetchOffset = startOffset;
  }

  /** Whether nothing is queued. */
  get empty(): boolean {
    return this.chunks.length === 0;
  }

  /** The offset of the first message not yet handed out: the head's, or the next to fetch when nothing is queued. */
  get headOffset(): number {
    const c = this.chunks[0];
    return c ? c.offsets[this.row]! : this.nextFetchOffset;
  }

  /** Drops everything queued and starts again at `offset` (`pairs` of its impression handed out already). */
  reset(offset: number, pairs: number): void {
    this.chunks = [];
    this.row = 0;
    this.pairsTaken = pairs;
    this.nextFetchOffset = offset;
    this.queuedBytes = 0;
    this.queuedEvents = 0;
    this.tailTimeS = NaN;
  }

  /** Appends a decoded chunk (its first row at nextFetchOffset or later) and moves nextFetchOffset past `lastOffset`. */
  append(chunk: MessageChunk, lastOffset: number): void {
    if (lastOffset + 1 > this.nextFetchOffset) this.nextFetchOffset = lastOffset + 1;
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queuedBytes += chunk.valueBytes;
    this.queuedEvents += chunk.events;
    for (let i = chunk.length - 1; i >= 0; i--) {
      const t = chunk.timesS[i]!;
      if (t === t) {
        this.tailTimeS = t;
        break;
      }
    }
  }

  /**
   * The head's event time; -Infinity when the head is a bad message not passed yet (it has no time, and the partition
   * has not passed it: a window must not close before it is, or its dead letter would land in a window that depends on
   * fetch timing); NaN when nothing is queued.
   */
  headTimeS(): number {
    const c = this.chunks[0];
    if (!c) return NaN;
    const t = c.timesS[this.row]!;
    return t === t ? t : -Infinity;
  }

  /** Whether the head message is an impression of which some pairs were handed out already. */
  get headPartlyTaken(): boolean {
    return this.pairsTaken > 0;
  }

  private advance(c: MessageChunk): void {
    this.pairsTaken = 0;
    if (++this.row === c.length) {
      this.chunks.shift();
      this.row = 0;
      this.queuedBytes -= c.valueBytes;
      if (this.chunks.length === 0) {
        this.queuedBytes = 0;
        this.queuedEvents = 0;
        this.tailTimeS = NaN;
      }
    }
  }

  /**
   * Hands out messages in offset order into `out` while their event time is before `beforeS` and there is room:
   * interactions and impression pairs into the batch, deletes counted, bad messages into `bad` (they cost no room and
   * have no time: they pass whenever they reach the head). An impression may be split across batches.
   * Throws `Error` when the head impression has fewer pairs than already taken (a position that does not fit).
   */
  take(beforeS: number, out: EventBatchBuilder, counters: TakeCounters, bad: BadMessage[]): TakeResult {
    for (;;) {
      const c = this.chunks[0];
      if (!c) return TAKE_EMPTY;
      const i = this.row;
      const kind = c.kinds[i]!;
      if (kind === MSG_BAD) {
        bad.push(c.bad.get(i)!);
        counters.badEvents++;
        this.advance(c);
        continue;
      }
      const t = c.timesS[i]!;
      if (t >= beforeS) return TAKE_AHEAD;
      if (kind === MSG_DELETE) {
        counters.droppedDeletes++;
        this.advance(c);
      } else if (kind === MSG_INTERACTION) {
        if (out.events >= out.maxEvents) return TAKE_FULL;
        out.pushInteraction(c.userIds[i]!, c.itemIds[i]!, c.types[i]!, t);
        this.queuedEvents--;
        this.advance(c);
      } else if (kind === MSG_IMPRESSION) {
        const room = out.maxEvents - out.events;
        if (room === 0) return TAKE_FULL;
        const count = c.itemCounts[i]!;
        if (this.pairsTaken >= count)
          throw new Error(`${this.topic}[${this.partition}] offset ${c.offsets[i]}: an impression of ${count} items, but the position says ${this.pairsTaken} were handed out`);
        const k = Math.min(room, count - this.pairsTaken);
        out.pushPairs(c.userIds[i]!, c.items, c.itemIds[i]! + this.pairsTaken, k, t);
        this.pairsTaken += k;
        this.queuedEvents -= k;
        if (this.pairsTaken < count) return TAKE_FULL;
        this.advance(c);
      }
    }
  }
}
