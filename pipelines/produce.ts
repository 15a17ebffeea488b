// `dyadflow produce`: replay a RecSys 2016 dataset (interactions.csv, impressions.csv) into Kafka in event-time
// order (issue 3). Read top to bottom:
//   open both files (header and presence checked before any broker is contacted)
//   → create the topics if missing
//   → merge the two streams by event time (an impression's time is 00:00 UTC on the Monday of its ISO week,
//     method.md §5a; an impression goes first on a tie, like the window it opens)
//   → encode each record as validated JSON keyed by user id
//   → send in batches, a bounded number unacknowledged at once and none retried out of turn, so every partition
//     receives its records in order; paced by a token bucket when a rate is given
//   → summary; bad rows only in the dead-letter file (checked before anything is read or sent), never on a topic.
// A pull loop rather than RxJS: the files are pulled and sends wait for a bounded window of acknowledgements,
// which is the bound RxJS lacks.
import { join } from 'node:path';
import { DyadflowError, InputError } from '../src/core/errors.js';
import type { InteractionType } from '../src/core/events/records.js';
import {
  connectProducer,
  encodeImpression,
  encodeInteraction,
  ensureTopics,
  topicNames,
  TokenBucket,
  type KafkaClientOptions,
  type LimiterClock,
  type OutgoingMessage,
  type RecordProducer,
} from '../src/adapters/kafka/index.js';
import { withDeadLetters, type BadRowsReport, type DeadLetters } from '../src/adapters/recsys16/bad-row.js';
import { countDataLines } from '../src/adapters/recsys16/count-lines.js';
import {
  FILE_IMPRESSIONS,
  FILE_INTERACTIONS,
  FileRowCursor,
  nextCursor,
  ROW_BAD,
  ROW_IMPRESSION,
} from '../src/adapters/source/row-cursor.js';

/** Options of produceDataset. */
export interface ProduceOptions {
  /** Folder holding interactions.csv and impressions.csv. */
  dataDir: string;
  brokers: string[];
  /** Messages per second over both topics; undefined = as fast as possible. */
  ratePerS?: number;
  /** Topic prefix; default `dyadflow`. */
  topicPrefix?: string;
  /** Partitions of topics this creates. Default 3. */
  partitions?: number;
  /**
   * Where bad rows go (a dead-letter file, created only when there is one); default none: they are counted and
   * the first few reported. Never into the data folder unless named (issue 9 item 4).
   */
  deadLettersPath?: string | null;
  /** Largest number of messages per send. Default 5,000 (fewer when a rate is set: ~10 sends per second). */
  maxBatchMessages?: number;
  /** Largest number of value bytes per send, under the broker's 1 MB message.max.bytes. Default 768 KiB. */
  maxBatchBytes?: number;
  /** kafkajs client settings (log level and sink, timeouts, retries). */
  client?: KafkaClientOptions;
  /** Called after each send with the number of messages sent so far. */
  onProgress?: (sentMessages: number) => void;
  /** The rate limiter's clock (tests inject one). */
  clock?: LimiterClock;
  /**
   * Unacknowledged sends at once (default 2). kafkajs retries a failed send itself, inside its partition's
   * lane, so per-partition order holds either way. The producer is not idempotent: a retry after a lost
   * acknowledgement can write a message twice (at-least-once delivery).
   */
  maxInFlight?: number;
  /** A producer to use instead of connecting one (tests); it is closed at the end. */
  producer?: RecordProducer;
}

/** What a replay did. Counts are deterministic; `elapsedMs` and `messagesPerS` are wall-clock facts. */
export interface ProduceSummary {
  topics: { interactions: string; impressions: string };
  createdTopics: string[];
  messages: { interactions: number; impressions: number; total: number };
  /** Delete interactions (type 4) among the interaction messages: sent, consumers drop them. */
  deletes: number;
  /** Bad rows: how many (per file too), the dead-letter file holding them (null: none written) and the first few. */
  badRows: BadRowsReport & { interactions: number; impressions: number };
  /** Rows whose event time is earlier than a row before them in the same file (a file not in time order). */
  outOfOrder: { interactions: number; impressions: number };
  /** Event-time range of what was sent, unix seconds; null when nothing was sent. */
  firstEventS: number | null;
  lastEventS: number | null;
  sends: number;
  elapsedMs: number;
  messagesPerS: number;
}

// 5,000 rather than 10,000: measured ~10% faster and ~15% less CPU with the one-buffer Produce request (less live
// data per send, less GC); 20,000 was slower still (bench/kafka.ts --command-batch).
const DEFAULT_MAX_BATCH_MESSAGES = 5_000;
const DEFAULT_MAX_BATCH_BYTES = 768 * 1024;

/** Replays DIR's interactions and impressions into `<prefix>.interactions` / `<prefix>.impressions` in event-time order. */
export async function produceDataset(options: ProduceOptions): Promise<ProduceSummary> {
  // The dead-letter file is checked before anything is read or sent: a retry after a failure sends everything again.
  const { value, badRows } = await withDeadLetters(options.deadLettersPath ?? null, (deadLetters) => replay(options, deadLetters));
  return { ...value, badRows: { ...badRows, interactions: value.badRows.interactions, impressions: value.badRows.impressions } };
}

async function replay(options: ProduceOptions, deadLetters: DeadLetters): Promise<ProduceSummary> {
  const startMs = performance.now();
  const names = topicNames(options.topicPrefix);
  const rate = options.ratePerS;
  if (rate !== undefined && !(rate > 0 && Number.isFinite(rate)))
    throw new InputError('DF_ERR_INPUT_RATE', `invalid rate ${rate}: a positive number of messages per second`);
  let maxBatchMessages = options.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES;
  if (rate !== undefined) maxBatchMessages = Math.max(1, Math.min(maxBatchMessages, Math.ceil(rate / 10)));
  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const interactionsPath = join(options.dataDir, 'interactions.csv');
  const impressionsPath = join(options.dataDir, 'impressions.csv');
  let interactionCursor: FileRowCursor | undefined;
  let impressionCursor: FileRowCursor | undefined;
  let producer: RecordProducer | undefined = options.producer;
  try {
    // Open both files and read their first rows before touching Kafka: a missing file or a wrong header is exit 2 at
    // once. Each file is read as it stands (the file source sorts; produce sends rows where they are and counts them).
    interactionCursor = await FileRowCursor.open(interactionsPath, FILE_INTERACTIONS);
    impressionCursor = await FileRowCursor.open(impressionsPath, FILE_IMPRESSIONS);

    const createdTopics = options.producer
      ? []
      : await ensureTopics(options.brokers, [names.interactions, names.impressions], {
          ...options.client,
          partitions: options.partitions ?? 3,
        });
    producer ??= await connectProducer(options.brokers, { ...options.client, maxInFlight: options.maxInFlight ?? 2 });

    const bucket = rate === undefined ? undefined : new TokenBucket(rate, maxBatchMessages, options.clock);
    let interactionBuf: OutgoingMessage[] = [];
    let impressionBuf: OutgoingMessage[] = [];
    let bufBytes = 0;
    let sent = 0;
    let sends = 0;
    const flush = async (): Promise<void> => {
      const n = interactionBuf.length + impressionBuf.length;
      if (n === 0) return;
      if (bucket) await bucket.take(n);
      await producer!.send([
        { topic: names.interactions, messages: interactionBuf },
        { topic: names.impressions, messages: impressionBuf },
      ]);
      sent += n; // handed to the producer; acknowledged by the final flush() at the latest
      sends++;
      interactionBuf = [];
      impressionBuf = [];
      bufBytes = 0;
      options.onProgress?.(sent);
    };

    const counts = { interactions: 0, impressions: 0, deletes: 0 };
    const badRows = { interactions: 0, impressions: 0 };
    let firstEventS: number | null = null;
    let lastEventS: number | null = null;
    const record = { user_id: 0, item_id: 0, interaction_type: 1 as InteractionType, created_at: 0 };
    // The merge rule of the two files is the file source's (nextCursor): event time, an impression first on a tie.
    for (let c = nextCursor(impressionCursor, interactionCursor); c !== null; c = nextCursor(impressionCursor, interactionCursor)) {
      const row = c.row;
      const isImpression = c === impressionCursor;
      if (row.kind === ROW_BAD) {
        deadLetters.add({ file: c.path, line: row.line, reason: row.reason, raw: row.raw });
        if (isImpression) badRows.impressions++;
        else badRows.interactions++;
        if (c.next()) await c.fill();
        continue;
      }
      const eventS = row.timeS;
      let enc;
      let raw: unknown;
      if (row.kind === ROW_IMPRESSION) {
        raw = { user_id: row.userId, year: row.year, week: row.week, items: Array.from(row.items.subarray(0, row.itemCount)) };
        enc = encodeImpression(raw);
      } else {
        record.user_id = row.userId;
        record.item_id = row.itemId;
        record.interaction_type = row.type as InteractionType;
        record.created_at = row.timeS;
        raw = record;
        enc = encodeInteraction(record);
      }
      if (!enc.ok) {
        deadLetters.add({ file: c.path, line: row.line, reason: enc.reason, raw: JSON.stringify(raw) });
        if (c.next()) await c.fill();
        continue;
      }
      const message: OutgoingMessage = enc.message;
      if (isImpression) {
        impressionBuf.push(message);
        counts.impressions++;
      } else {
        interactionBuf.push(message);
        counts.interactions++;
        if (row.type === 4) counts.deletes++;
      }
      if (c.next()) await c.fill();
      firstEventS = firstEventS === null ? eventS : Math.min(firstEventS, eventS);
      lastEventS = lastEventS === null ? eventS : Math.max(lastEventS, eventS);
      bufBytes += message.value.length + message.key.length;
      if (interactionBuf.length + impressionBuf.length >= maxBatchMessages || bufBytes >= maxBatchBytes) await flush();
    }
    await flush();
    await producer.flush();

    const elapsedMs = performance.now() - startMs;
    const total = counts.interactions + counts.impressions;
    return {
      topics: { interactions: names.interactions, impressions: names.impressions },
      createdTopics,
      messages: { interactions: counts.interactions, impressions: counts.impressions, total },
      deletes: counts.deletes,
      // The report is completed by produceDataset once the dead letters are committed.
      badRows: { count: deadLetters.count, deadLetters: null, first: [], interactions: badRows.interactions, impressions: badRows.impressions },
      outOfOrder: { interactions: interactionCursor.outOfOrder, impressions: impressionCursor.outOfOrder },
      firstEventS,
      lastEventS,
      sends,
      elapsedMs,
      messagesPerS: elapsedMs > 0 ? (total * 1000) / elapsedMs : 0,
    };
  } catch (err) {
    if (err instanceof DyadflowError) throw err;
    throw new DyadflowError('DF_ERR_PRODUCE', `produce failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    await interactionCursor?.close().catch(() => undefined);
    await impressionCursor?.close().catch(() => undefined);
    await producer?.close();
  }
}

/** About how many messages a replay of DIR will send (data lines of both files): the progress bar's total. */
export async function estimateMessages(dataDir: string): Promise<number> {
  const counts = await Promise.all(['interactions.csv', 'impressions.csv'].map((name) => countDataLines(join(dataDir, name))));
  return counts[0]! + counts[1]!;
}
