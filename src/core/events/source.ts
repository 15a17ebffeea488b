// What the stream pulls (issue 11 item 2, issue 12 item 1): one interface for the file source and the Kafka source.
// The stream is demand-driven: it asks for the next batch only when the previous one is folded, and never for events
// at or after the open window's end, so a source can hold back (pause) whatever runs ahead of the window and memory
// stays bounded by the state and one batch, not by how far the input runs ahead.
import type { InteractionTable } from './tables.js';

/** Impression (user, item) pairs, each with its event time (00:00 UTC on the Monday of its ISO week, method.md §5a). */
export interface ImpressionPairTable {
  length: number;
  userIds: Int32Array;
  itemIds: Int32Array;
  eventTimeS: Float64Array;
}

/** One request to a source. */
export interface PullRequest {
  /**
   * Hand out only events with event time < beforeS (the open window's end; Infinity: no bound). Events at or after
   * it stay in the source for a later pull: a batch never straddles a window's end.
   */
  beforeS: number;
  /** At most this many events (interactions plus impression pairs); a positive integer. */
  maxEvents: number;
}

/**
 * One batch of events, as columns. Every event has event time < the request's beforeS; a source whose partitions
 * are not in time order (Kafka) can hand out events older than earlier batches' watermarks: the stream counts those
 * late (method.md §5a). Within a batch, order carries no meaning: the state does not depend on it. The arrays are the
 * caller's: a source never writes to them after handing them out.
 */
export interface EventBatch {
  /** Interactions of types 1-3 (deletes are dropped at ingest and only counted). */
  interactions: InteractionTable;
  impressions: ImpressionPairTable;
  /** Deletes (type 4) passed in this batch: dropped, counted. */
  droppedDeletes: number;
  /** Input that could not be decoded or validated, passed in this batch: each went to the dead letters. */
  badEvents: number;
  /**
   * After this batch: no event with an earlier event time will be handed out later, late events apart (for Kafka:
   * the minimum over its partitions of what each has reached, method.md §5a). Infinity once the input has ended.
   * Never decreases. A window [s, e) may close once watermarkS >= e.
   */
  watermarkS: number;
  /** The input has ended: nothing more will be handed out (a file source at the end of its files). */
  ended: boolean;
  /**
   * Partitions (as `topic:partition`) that did not hold this batch's watermark back because they were idle, i.e. sent
   * nothing for the source's idle timeout (wall clock: Kafka). Absent or empty for a source without idleness.
   */
  idlePartitions?: readonly string[];
  /**
   * The watermark had no partition counted idle (absent: equal to watermarkS). A window [s, e) that closes on this
   * batch with watermarkWithoutIdlenessS < e <= watermarkS was closed by idleness: its manifest records
   * `closedByIdleness`, and such a run may legitimately differ from a file run.
   */
  watermarkWithoutIdlenessS?: number;
  /** Input found lost before it was read (Kafka retention) and accepted, reported once, in the next batch. */
  lost?: readonly LostInput[];
}

/** A range of input lost before it was read (deleted by Kafka retention), accepted explicitly. */
export type LostInput = {
  /** `topic:partition`. */
  partition: string;
  /** First and last lost offset (inclusive), and how many messages that is. */
  fromOffset: number;
  toOffset: number;
  messages: number;
};

/** A JSON value: what a position must be, so that a checkpoint can store it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A pull-based source of events. Positions name "the first event not yet handed out": a checkpoint stores
 * `position()` when a window closes, and a resume calls `seek()` with it, so that every event is handed out exactly
 * once across a crash. The same input gives the same batches for the same requests, and the same positions.
 */
export interface EventSource<P extends JsonValue = JsonValue> {
  /**
   * The next batch: events with event time < beforeS, at most maxEvents of them (empty if nothing is due yet). A
   * source of live input (Kafka) waits a bounded time for input before it returns an empty batch, so that a caller
   * that pulls again at once does not spin.
   */
  pull(request: PullRequest): Promise<EventBatch>;
  /** Where the source stands: the first event not yet handed out. JSON-serialisable, deterministic for an input. */
  position(): P;
  /**
   * Moves to a position an earlier `position()` returned (on this input: a source refuses a position that does not
   * fit its input, with an InputError). What follows is exactly what followed that position.
   */
  seek(position: P): Promise<void>;
  /** Releases files, connections and temporary files. Pulling afterwards is a bug. */
  close(): Promise<void>;
  /**
   * Optional: told once a checkpoint holding `position` is durable (a Kafka source commits its offsets to the
   * consumer group then, for monitoring only: resuming always uses the checkpoint's position).
   */
  checkpointed?(position: P): Promise<void>;
  /**
   * Optional: how far the source is behind its input now, per input stream (Kafka: messages per topic, the high
   * watermark minus the position). Wall-clock facts for the terminal, `--json` and run.log, never reproducible files.
   */
  lag?(): Promise<Record<string, number>>;
}
