// The Kafka source of the stream (issue 12): a consumer group on `<prefix>.interactions` and `<prefix>.impressions`
// behind the pull interface the file source has (core/events/source.ts).
//
// Flow. kafkajs fetches and calls eachBatch; eachBatch decodes the messages to columns (message-chunk.ts) into the
// partition's queue and returns at once, so kafkajs's heartbeats never wait on the pipeline. The queues are bounded by
// pausing, not by buffering: a partition is paused while its queue holds maxQueuedBytesPerPartition or more, or holds
// an event at or after the last pull's bound (it runs ahead of the open window), and resumed when neither holds. A
// pull hands out, partition by partition in offset order, the events before its bound; when nothing at all is due it
// waits (up to pullWaitMs) for a batch or a change of the watermark rather than return at once. A first pull with
// beforeS -Infinity hands out nothing and says, through its watermark, where the input starts.
//
// Positions. Per topic partition: the offset of the first message not yet handed out, and how many pairs of it were
// handed out when a batch ended inside an impression. The source never relies on the group's committed offsets: it
// seeks kafkajs to its own next offsets (past what it has queued) whenever the group assigns partitions (a start, a
// rebalance, a reconnect after a broker restart), and drops any message fetched a second time, so every message is
// handed out once. A run with no position starts at the earliest offsets. `checkpointed()` commits a checkpoint's offsets to the group, for
// monitoring only.
//
// Retention. A position below a partition's first kept offset (deleted by retention or deleteRecords) stops the
// source with an InputError naming the partitions and the lost ranges, at seek or when a fetch finds the gap;
// `fromEarliestAvailable` accepts the loss, goes on from the earliest kept offset and reports it once (`lost`).
//
// Watermark. Each partition has reached the event time of its first message not handed out (or of the last one
// handed out); the watermark is the minimum over all partitions of both topics (core WatermarkTracker) and never
// goes back. A partition with nothing queued that received nothing for idlePartitionTimeoutMs of wall clock is idle
// and stops holding it back (Flink's idleness; not while the consumer is cut off from its broker, and counted from
// the last join and from the last time this source resumed it: paused, it could not receive); batches say which
// partitions were idle and what the watermark would be without idleness, so the stream can record
// `closedByIdleness`. With untilIdleMs, once every partition is fetched
// to its end (high watermark) and nothing arrived for that long, the input has ended there: fetching stops, what is
// queued is handed out window by window, then `ended`. Without it the source runs until close().
//
// Ownership. The run owns every partition of both topics (group.ts): another member in the group stops the source
// with an error naming it.
//
// Dead letters. Invalid messages go to `<prefix>.dead-letters` (dead-letters.ts), acknowledged before the pull that
// passed them returns; at least once across a crash.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { setImmediate as turn } from 'node:timers/promises';
import type { Admin, Consumer, EachBatchPayload } from 'kafkajs';
import { DyadflowError, InputError, invariant } from '../../core/errors.js';
import type { EventBatch, EventSource, LostInput, PullRequest } from '../../core/events/source.js';
import { WatermarkTracker } from '../../core/window/watermark.js';
import { createKafka, withAdmin, type KafkaClientOptions } from './client.js';
import { DeadLetterSender } from './dead-letters.js';
import { wrapKafkaError } from './errors.js';
import { describeMember, ownerAssignor, type GroupMemberInfo, type MemberIdentity } from './group.js';
import { isProcessAlive } from '../fs/process-alive.js';
import type { MessageKind } from './event-decoder.js';
import { decodeMessages, type BadMessage } from './message-chunk.js';
import { EventBatchBuilder, PartitionQueue, TAKE_FULL, type TakeCounters } from './partition-queue.js';
import { connectProducer } from './producer.js';
import { ensureTopics, topicNames, type TopicNames } from './topics.js';

/** One topic partition's position: the first message not yet handed out, and pairs of it handed out already. */
export type KafkaPartitionPosition = { topic: string; partition: number; offset: number; pairs: number };

/** A Kafka source's position (JSON): every partition of both topics, sorted by topic then partition. */
export type KafkaSourcePosition = { source: 'kafka'; partitions: KafkaPartitionPosition[] };

/** Options of openKafkaSource. */
export interface KafkaSourceOptions {
  brokers: string[];
  /** The consumer group; a run's default is groupIdForOutput(outDir) (group.ts). */
  groupId: string;
  /** Topic prefix (default `dyadflow`): reads `P.interactions`, `P.impressions`, writes `P.dead-letters`. */
  topicPrefix?: string;
  /** kafkajs client settings (client id, log sink, `connection` from --kafka-config). */
  client?: KafkaClientOptions;
  /** Wall-clock silence after which a partition with nothing queued stops holding the watermark back. Default 30 s. */
  idlePartitionTimeoutMs?: number;
  /** End of input: every partition fetched to its end and nothing arrived for this long. Default: never. */
  untilIdleMs?: number;
  /** Accept positions that retention deleted: go on from the earliest kept offset and report the loss. */
  fromEarliestAvailable?: boolean;
  /** Consumer session timeout: how soon a killed member's partitions come back. Default 10 s (the broker's minimum is 6 s). */
  sessionTimeoutMs?: number;
  /** Default 1 s. */
  heartbeatIntervalMs?: number;
  /** How long a pull with nothing due waits for input. Default 1 s. */
  pullWaitMs?: number;
  /** Decoded-but-not-handed-out value bytes at which a partition is paused. Default 4 MiB. */
  maxQueuedBytesPerPartition?: number;
  /** Larger values are dead letters without being parsed. Default 256 KiB. */
  maxValueBytes?: number;
  /** kafkajs maxBytesPerPartition per fetch. Default 1 MiB. */
  maxFetchBytesPerPartition?: number;
  /** kafkajs maxWaitTimeInMs: how long the broker holds a fetch with no data. Default 250 ms. */
  fetchWaitMs?: number;
  /** Progress and warnings, one line each (run.log): partitions going idle, reconnects, losses. */
  log?: (line: string) => void;
  /** Wall clock in ms (tests). Default Date.now. */
  now?: () => number;
}

/** One topic partition of the source. */
interface Lane {
  key: string;
  topic: string;
  partition: number;
  kind: MessageKind;
  queue: PartitionQueue;
  /** Wall clock of the last message that arrived (or of the last (re)join, or of its resume). */
  lastArrivalMs: number;
  /** Whether this source asked kafkajs to pause it. */
  paused: boolean;
}

const DEFAULTS = {
  idlePartitionTimeoutMs: 30_000,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  pullWaitMs: 1_000,
  maxQueuedBytesPerPartition: 4 * 1024 * 1024,
  maxValueBytes: 256 * 1024,
  maxFetchBytesPerPartition: 1024 * 1024,
  fetchWaitMs: 250,
};

/** Error codes of the Kafka source. */
export const KAFKA_SOURCE_ERROR = {
  /** A position fell off the topics' retention (InputError). */
  retention: 'DF_ERR_SOURCE_RETENTION',
  /** A position does not fit the topics (InputError). */
  position: 'DF_ERR_SOURCE_POSITION',
  /** Another member joined the run's consumer group. */
  groupMember: 'DF_ERR_KAFKA_GROUP_MEMBER',
} as const;

const laneKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/** How often, at most, the end of input is checked with the broker (a ListOffsets request). */
const END_CHECK_INTERVAL_MS = 500;

/** The error of positions that retention deleted. */
function retentionError(lost: readonly LostInput[]): InputError {
  const ranges = lost.map((l) => `${l.partition} offsets ${l.fromOffset}-${l.toOffset} (${l.messages} messages)`).join(', ');
  return new InputError(
    KAFKA_SOURCE_ERROR.retention,
    `Kafka retention deleted input this run has not read: ${ranges}. Rerun with --from-earliest-available to accept the loss (it is counted), or start a new output directory`,
  );
}

/**
 * Opens the source: checks that both input topics exist (an InputError naming a missing one), creates the
 * dead-letter topic if missing, and stands at the earliest offsets (call seek() to resume). Consuming starts at the
 * first pull.
 */
export async function openKafkaSource(options: KafkaSourceOptions): Promise<KafkaEventSource> {
  const names = topicNames(options.topicPrefix);
  const kafka = createKafka(options.brokers, options.client);
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw wrapKafkaError(err, `cannot connect to Kafka at ${options.brokers.join(',')}`);
  }
  try {
    let existing: string[];
    try {
      existing = await admin.listTopics();
    } catch (err) {
      throw wrapKafkaError(err, `cannot list topics on ${options.brokers.join(',')}`);
    }
    for (const t of [names.interactions, names.impressions]) {
      if (!existing.includes(t))
        throw new InputError('DF_ERR_INPUT_TOPIC', `topic ${t} does not exist at ${options.brokers.join(',')}: \`dyadflow produce\` creates it (or check --topic-prefix)`);
    }
    await ensureTopics(options.brokers, [names.deadLetters], { ...options.client, partitions: 1 });
    const lanes: Lane[] = [];
    for (const [topic, kind] of [
      [names.impressions, 'impressions'],
      [names.interactions, 'interactions'],
    ] as const) {
      const offsets = await fetchOffsets(admin, topic);
      for (const o of offsets.sort((a, b) => a.partition - b.partition)) {
        lanes.push({ key: laneKey(topic, o.partition), topic, partition: o.partition, kind, queue: new PartitionQueue(topic, o.partition, o.low), lastArrivalMs: 0, paused: false });
      }
    }
    return new KafkaEventSource(options, names, kafka, admin, lanes);
  } catch (err) {
    await admin.disconnect().catch(() => undefined);
    throw err;
  }
}

/** `p`, or a retriable timeout error after `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DyadflowError('DF_ERR_KAFKA_TIMEOUT', `${what} took longer than ${ms} ms`, { retriable: true })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function fetchOffsets(admin: Admin, topic: string): Promise<{ partition: number; low: number; high: number }[]> {
  try {
    return (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }));
  } catch (err) {
    throw wrapKafkaError(err, `cannot read the offsets of ${topic}`);
  }
}

/**
 * The lag of a stored position now, without joining any group (`dyadflow status`): per topic, the partitions' high
 * watermarks minus the position's offsets (a partition missing from the position counts from its earliest offset).
 */
export async function lagOfPosition(brokers: string[], position: KafkaSourcePosition, client: KafkaClientOptions = {}): Promise<Record<string, number>> {
  checkPositionShape(position);
  const offsets = new Map(position.partitions.map((p) => [laneKey(p.topic, p.partition), p.offset]));
  const topics = [...new Set(position.partitions.map((p) => p.topic))].sort();
  return withAdmin(brokers, client, async (admin) => {
    const out: Record<string, number> = {};
    for (const topic of topics) {
      let sum = 0;
      for (const o of await fetchOffsets(admin, topic)) sum += Math.max(0, o.high - (offsets.get(laneKey(topic, o.partition)) ?? o.low));
      out[topic] = sum;
    }
    return out;
  });
}

/** The Kafka source (see the file's header). Make it with openKafkaSource. */
export class KafkaEventSource implements EventSource<KafkaSourcePosition> {
  private readonly opts: typeof DEFAULTS & KafkaSourceOptions;
  private readonly lanes: Lane[];
  /** Members of dead runs already named in the log (each once). */
  private readonly deadMembersSeen = new Set<string>();
  private readonly byKey = new Map<string, Lane>();
  private readonly consumer: Consumer;
  private readonly deadLetters: DeadLetterSender;
  private readonly identity: MemberIdentity;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private tracker = new WatermarkTracker();
  private watermarkS = -Infinity;
  private started = false;
  private closed = false;
  private pulling = false;
  private failure: Error | undefined;
  private boundS = Infinity;
  private inputEnded = false;
  private lost: LostInput[] = [];
  private wake: (() => void) | undefined;
  private rotation = 0;
  private memberId = '';
  private lastEndCheckMs = -Infinity;
  /** False from a consumer crash (a broker gone, say) to the next join: silence then is not idleness. */
  private connected = true;
  /** Bumped by seek(): a batch that was being decoded across a seek is dropped. */
  private generation = 0;

  /** Use openKafkaSource. */
  constructor(
    options: KafkaSourceOptions,
    readonly topics: TopicNames,
    kafka: ReturnType<typeof createKafka>,
    private readonly admin: Admin,
    lanes: Lane[],
  ) {
    this.opts = { ...DEFAULTS, ...options };
    this.lanes = lanes;
    for (const l of lanes) this.byKey.set(l.key, l);
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.identity = {
      token: randomBytes(8).toString('hex'),
      clientId: options.client?.connection?.clientId ?? options.client?.clientId ?? 'dyadflow',
      host: hostname(),
      pid: process.pid,
    };
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [ownerAssignor(this.identity, (members) => this.onMembers(members))],
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: this.opts.heartbeatIntervalMs,
      rebalanceTimeout: Math.max(this.opts.sessionTimeoutMs, 30_000),
      maxBytesPerPartition: this.opts.maxFetchBytesPerPartition,
      maxWaitTimeInMs: this.opts.fetchWaitMs,
      allowAutoTopicCreation: false,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => this.onGroupJoin(e.payload.memberId, e.payload.memberAssignment));
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (this.closed) return;
      this.connected = false;
      if (e.payload.restart) this.log(`kafka source: consumer restarting after ${e.payload.error.name}: ${e.payload.error.message}`);
      else this.fail(wrapKafkaError(e.payload.error, 'the Kafka consumer stopped'));
    });
    this.deadLetters = new DeadLetterSender(topics.deadLetters, () =>
      connectProducer(options.brokers, { ...options.client, retries: Math.max(options.client?.retries ?? 5, 10) }),
    );
  }

  /** The consumer group. */
  get groupId(): string {
    return this.opts.groupId;
  }

  async pull(request: PullRequest): Promise<EventBatch> {
    invariant(!this.closed, 'pull on a closed Kafka source');
    invariant(!this.pulling, 'concurrent pulls on a Kafka source');
    const { beforeS, maxEvents } = request;
    invariant(Number.isInteger(maxEvents) && maxEvents > 0, `maxEvents must be a positive integer, got ${maxEvents}`);
    invariant(!Number.isNaN(beforeS), 'beforeS must be a number');
    this.pulling = true;
    try {
      this.throwIfFailed();
      if (!this.started) await this.start();
      this.boundS = beforeS;
      const deadlineMs = this.now() + this.opts.pullWaitMs;
      for (;;) {
        const out = new EventBatchBuilder(maxEvents, this.queuedEvents('interactions'), this.queuedEvents('impressions'));
        const counters: TakeCounters = { droppedDeletes: 0, badEvents: 0 };
        const bad: BadMessage[] = [];
        this.takeAll(beforeS, out, counters, bad);
        for (const lane of this.lanes) this.updateFlow(lane);
        const before = this.watermarkS;
        const wm = this.computeWatermark();
        const ended = this.inputEnded && this.lanes.every((l) => l.queue.empty);
        const nowMs = this.now();
        // The watermark at or past the bound already: the caller can close its window (or, with beforeS -Infinity,
        // open one) now, and nothing that arrives could be handed out to this pull.
        const answered = Number.isFinite(wm.watermarkS) && wm.watermarkS >= beforeS;
        if (out.events > 0 || bad.length > 0 || counters.droppedDeletes > 0 || wm.watermarkS > before || answered || ended || this.lost.length > 0 || nowMs >= deadlineMs) {
          // Nothing handed out: one turn of the event loop first, so that a caller pulling in a loop cannot starve
          // kafkajs (heartbeats, fetches, rebalances) of I/O with pulls answered at once.
          if (out.events === 0 && bad.length === 0) await turn();
          await this.deadLetters.send(bad).catch((err: unknown) => {
            throw wrapKafkaError(err, `cannot write dead letters to ${this.topics.deadLetters}`);
          });
          const lost = this.lost;
          this.lost = [];
          return {
            interactions: {
              length: out.interactions,
              userIds: out.intUsers.subarray(0, out.interactions),
              itemIds: out.intItems.subarray(0, out.interactions),
              types: out.intTypes.subarray(0, out.interactions),
              createdAtS: out.intTimesS.subarray(0, out.interactions),
            },
            impressions: {
              length: out.impressionPairs,
              userIds: out.impUsers.subarray(0, out.impressionPairs),
              itemIds: out.impItems.subarray(0, out.impressionPairs),
              eventTimeS: out.impTimesS.subarray(0, out.impressionPairs),
            },
            droppedDeletes: counters.droppedDeletes,
            badEvents: counters.badEvents,
            watermarkS: ended ? Infinity : wm.watermarkS,
            ended,
            idlePartitions: wm.idle,
            watermarkWithoutIdlenessS: ended ? Infinity : wm.withoutIdlenessS,
            ...(lost.length > 0 ? { lost } : {}),
          };
        }
        await this.waitForInput(Math.min(deadlineMs, this.nextDeadlineMs(nowMs)) - nowMs);
        this.throwIfFailed();
        // Closed while this pull waited (a shutdown): an empty batch, at once.
        if (this.closed) return emptyBatch(this.watermarkS);
        if (this.opts.untilIdleMs !== undefined && !this.inputEnded) await this.checkEndOfInput();
      }
    } finally {
      this.pulling = false;
    }
  }

  position(): KafkaSourcePosition {
    const partitions = this.lanes
      .map((l) => ({ topic: l.topic, partition: l.partition, offset: l.queue.headOffset, pairs: l.queue.pairsTaken }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    return { source: 'kafka', partitions };
  }

  async seek(position: KafkaSourcePosition): Promise<void> {
    invariant(!this.closed, 'seek on a closed Kafka source');
    checkPositionShape(position);
    const wanted = new Map<string, KafkaPartitionPosition>();
    for (const p of position.partitions) wanted.set(laneKey(p.topic, p.partition), p);
    for (const key of wanted.keys()) {
      if (!this.byKey.has(key))
        throw new InputError(KAFKA_SOURCE_ERROR.position, `the position names ${key}, which is not a partition of ${this.topics.interactions} or ${this.topics.impressions} (another topic prefix?)`);
    }
    const offsets = new Map<string, { low: number; high: number }>();
    for (const topic of [this.topics.impressions, this.topics.interactions]) {
      for (const o of await fetchOffsets(this.admin, topic)) offsets.set(laneKey(topic, o.partition), o);
    }
    const lost: LostInput[] = [];
    const targets = new Map<string, { offset: number; pairs: number }>();
    for (const lane of this.lanes) {
      const range = offsets.get(lane.key) ?? { low: 0, high: 0 };
      const p = wanted.get(lane.key);
      if (!p) {
        // A partition added to the topic after the position was taken: it starts at its beginning.
        this.log(`kafka source: ${lane.key} is not in the position (added since?): starting it at its earliest offset ${range.low}`);
        targets.set(lane.key, { offset: range.low, pairs: 0 });
        continue;
      }
      if (p.pairs > 0 && lane.kind !== 'impressions')
        throw new InputError(KAFKA_SOURCE_ERROR.position, `the position of ${lane.key} has pairs ${p.pairs}, but only impressions have pairs`);
      if (p.offset > range.high)
        throw new InputError(KAFKA_SOURCE_ERROR.position, `the position of ${lane.key} is offset ${p.offset}, past the partition's end ${range.high} (was the topic deleted and created again?)`);
      if (p.offset < range.low) {
        lost.push({ partition: lane.key, fromOffset: p.offset, toOffset: range.low - 1, messages: range.low - p.offset });
        targets.set(lane.key, { offset: range.low, pairs: 0 });
      } else targets.set(lane.key, { offset: p.offset, pairs: p.pairs });
    }
    if (lost.length > 0 && !this.opts.fromEarliestAvailable) throw retentionError(lost);
    for (const l of lost) this.log(`kafka source: accepted the loss of ${l.partition} offsets ${l.fromOffset}-${l.toOffset} (${l.messages} messages, deleted by retention)`);
    this.lost.push(...lost);
    this.tracker = new WatermarkTracker();
    this.watermarkS = -Infinity;
    this.inputEnded = false;
    this.generation++;
    for (const lane of this.lanes) {
      const t = targets.get(lane.key)!;
      lane.queue.reset(t.offset, t.pairs);
      if (this.started) this.consumer.seek({ topic: lane.topic, partition: lane.partition, offset: String(t.offset) });
      this.updateFlow(lane);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    // disconnect() leaves the group, so that a restart does not wait out this member's session.
    await this.consumer.disconnect().catch(() => undefined);
    await this.deadLetters.close().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }

  /** Commits a checkpoint's offsets to the consumer group (monitoring only; failures are logged, not thrown). */
  async checkpointed(position: KafkaSourcePosition): Promise<void> {
    if (!this.started || this.closed) return;
    try {
      checkPositionShape(position);
      await this.consumer.commitOffsets(position.partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.offset) })));
    } catch (err) {
      this.log(`kafka source: could not commit offsets to group ${this.opts.groupId} (monitoring only): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** What each partition holds now (decoded, not handed out) and whether its fetching is paused: for run.log and tests. */
  queues(): { partition: string; queuedBytes: number; queuedEvents: number; paused: boolean }[] {
    return this.lanes.map((l) => ({ partition: l.key, queuedBytes: l.queue.queuedBytes, queuedEvents: l.queue.queuedEvents, paused: l.paused }));
  }

  /** Messages behind per topic: each partition's high watermark now minus its position (asks the broker). */
  async lag(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const topic of [this.topics.interactions, this.topics.impressions]) {
      let sum = 0;
      for (const o of await fetchOffsets(this.admin, topic)) {
        const lane = this.byKey.get(laneKey(topic, o.partition));
        sum += Math.max(0, o.high - (lane ? lane.queue.headOffset : o.low));
      }
      out[topic] = sum;
    }
    return out;
  }

  private async start(): Promise<void> {
    this.started = true;
    const nowMs = this.now();
    for (const lane of this.lanes) lane.lastArrivalMs = nowMs;
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [this.topics.interactions, this.topics.impressions], fromBeginning: true });
      await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: true, partitionsConsumedConcurrently: 1, eachBatch: (p) => this.onBatch(p) });
    } catch (err) {
      throw wrapKafkaError(err, `cannot start consuming ${this.topics.interactions} and ${this.topics.impressions} in group ${this.opts.groupId}`);
    }
  }

  private fail(err: Error): void {
    if (this.failure || this.closed) return;
    this.failure = err;
    this.log(`kafka source: ${err.message}`);
    this.wake?.();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** The leader's view of the group: anyone but this source is an intruder. */
  private onMembers(members: GroupMemberInfo[]): void {
    const all = members.filter((m) => m.identity?.token !== this.identity.token);
    // A run killed while it joined can stay a member until its session times out (the restarted run meets it):
    // a dyadflow member of this host whose process is gone gets no partition and leaves by itself; not an intruder.
    const dead = all.filter((m) => m.identity !== undefined && m.identity.host === this.identity.host && !isProcessAlive(m.identity.pid));
    const others = all.filter((m) => !dead.includes(m));
    for (const m of dead) {
      if (this.deadMembersSeen.has(m.memberId)) continue;
      this.deadMembersSeen.add(m.memberId);
      this.log(`kafka source: ${describeMember(m)} is a member of a run that is no longer running; it holds nothing and leaves when its session times out`);
    }
    if (others.length === 0) return;
    this.fail(
      new DyadflowError(
        KAFKA_SOURCE_ERROR.groupMember,
        `another consumer joined group ${this.opts.groupId}: ${others.map(describeMember).join('; ')}. A run reads every partition of its topics: stop the other consumer, or give each run its own --group`,
      ),
    );
  }

  /** After every join: all partitions must be ours; then kafkajs is sent to our own offsets and pauses. */
  private onGroupJoin(memberId: string, assignment: Record<string, number[]>): void {
    if (this.closed) return;
    this.memberId = memberId;
    const missing = this.lanes.filter((l) => !(assignment[l.topic] ?? []).includes(l.partition));
    if (missing.length > 0) {
      void this.failNaming(missing);
      return;
    }
    const nowMs = this.now();
    this.connected = true;
    for (const lane of this.lanes) {
      this.consumer.seek({ topic: lane.topic, partition: lane.partition, offset: String(lane.queue.nextFetchOffset) });
      // Idleness counts from the (re)join: a partition silent while the broker was gone was not idle.
      lane.lastArrivalMs = nowMs;
      // A restarted kafkajs consumer forgets its pauses.
      if (lane.paused) this.consumer.pause([{ topic: lane.topic, partitions: [lane.partition] }]);
    }
    this.wake?.();
  }

  /** This member was not given every partition: name who holds them (from the group's description). */
  private async failNaming(missing: Lane[]): Promise<void> {
    let who = 'another member';
    try {
      const group = await this.consumer.describeGroup();
      const others = group.members.filter((m) => m.memberId !== this.memberId);
      if (others.length > 0) who = others.map((m) => `${m.memberId} (client id ${m.clientId}, host ${m.clientHost})`).join('; ');
    } catch {
      // The names are a courtesy: the error stands without them.
    }
    this.fail(
      new DyadflowError(
        KAFKA_SOURCE_ERROR.groupMember,
        `another consumer joined group ${this.opts.groupId} and holds ${missing.map((l) => l.key).join(', ')}: ${who}. A run reads every partition of its topics: stop the other consumer, or give each run its own --group`,
      ),
    );
  }

  private async onBatch({ batch, isStale }: EachBatchPayload): Promise<void> {
    if (this.closed || this.failure || isStale() || this.inputEnded) return;
    const lane = this.byKey.get(laneKey(batch.topic, batch.partition));
    if (!lane) return; // a partition added after the start: the next run reads it (the watermark would not wait for it)
    const q = lane.queue;
    const messages = batch.messages;
    if (messages.length === 0) return;
    const lastOffset = Number(batch.lastOffset());
    if (lastOffset < q.nextFetchOffset) return; // fetched again after a rejoin: queued already
    const firstOffset = Number(batch.firstOffset() ?? messages[0]!.offset);
    const generation = this.generation;
    if (firstOffset > q.nextFetchOffset && (!(await this.acceptGap(lane, firstOffset)) || generation !== this.generation || this.closed)) return;
    const chunk = decodeMessages(lane.topic, lane.partition, lane.kind, messages, q.nextFetchOffset, this.opts.maxValueBytes);
    q.append(chunk, lastOffset);
    lane.lastArrivalMs = this.now();
    this.updateFlow(lane);
    this.wake?.();
  }

  /**
   * Messages between the next expected offset and a batch's first are missing. Retention deleted them when the
   * partition's first kept offset is past the expected one: a loss (an error, or counted with fromEarliestAvailable).
   * Otherwise the log has a hole of its own (compaction, aborted transactions): nothing was lost to this run.
   */
  private async acceptGap(lane: Lane, firstOffset: number): Promise<boolean> {
    const expected = lane.queue.nextFetchOffset;
    let low = -1;
    try {
      // Bounded well under the session timeout: kafkajs heartbeats only between batches.
      const offsets = await withTimeout(fetchOffsets(this.admin, lane.topic), this.opts.sessionTimeoutMs / 2, `reading the offsets of ${lane.topic}`);
      low = offsets.find((o) => o.partition === lane.partition)?.low ?? -1;
    } catch (err) {
      this.fail(wrapKafkaError(err, `cannot check the offsets of ${lane.key} after a gap at ${expected}-${firstOffset - 1}`));
      return false;
    }
    if (low <= expected) {
      this.log(`kafka source: ${lane.key} has no messages at offsets ${expected}-${firstOffset - 1} (compaction or aborted transactions)`);
      return true;
    }
    const lost: LostInput = { partition: lane.key, fromOffset: expected, toOffset: Math.min(low, firstOffset) - 1, messages: Math.min(low, firstOffset) - expected };
    if (!this.opts.fromEarliestAvailable) {
      this.fail(retentionError([lost]));
      return false;
    }
    this.log(`kafka source: accepted the loss of ${lost.partition} offsets ${lost.fromOffset}-${lost.toOffset} (${lost.messages} messages, deleted by retention while the run was behind)`);
    this.lost.push(lost);
    if (lane.queue.pairsTaken > 0) lane.queue.pairsTaken = 0;
    return true;
  }

  /** Events queued in the partitions of one topic (interactions of types 1-3, or impression pairs). */
  private queuedEvents(kind: MessageKind): number {
    let n = 0;
    for (const l of this.lanes) if (l.kind === kind) n += l.queue.queuedEvents;
    return n;
  }

  /** Hands out what is due from every partition, starting at a rotating one so that none starves. */
  private takeAll(beforeS: number, out: EventBatchBuilder, counters: TakeCounters, bad: BadMessage[]): void {
    const n = this.lanes.length;
    const first = this.rotation++ % n;
    for (let k = 0; k < n; k++) {
      const lane = this.lanes[(first + k) % n]!;
      let result;
      try {
        result = lane.queue.take(beforeS, out, counters, bad);
      } catch (err) {
        throw new InputError(KAFKA_SOURCE_ERROR.position, `the position does not fit the topic: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (result === TAKE_FULL) return;
    }
  }

  /** Pauses a partition whose queue is full, runs ahead of the bound, or whose input ended; resumes it otherwise. */
  private updateFlow(lane: Lane): void {
    const q = lane.queue;
    const pause = this.inputEnded || q.queuedBytes >= this.opts.maxQueuedBytesPerPartition || q.tailTimeS >= this.boundS;
    if (pause === lane.paused) return;
    lane.paused = pause;
    // A partition this source paused could not send: its silence (for idleness, --until-idle) counts from its resume.
    if (!pause) lane.lastArrivalMs = this.now();
    if (!this.started || this.closed) return;
    const tp = [{ topic: lane.topic, partitions: [lane.partition] }];
    if (pause) this.consumer.pause(tp);
    else this.consumer.resume(tp);
  }

  /** The watermark now: partitions' progress, idleness, end of input (see the file's header). Never goes back. */
  private computeWatermark(): { watermarkS: number; withoutIdlenessS: number; idle: string[] } {
    const nowMs = this.now();
    const idle: string[] = [];
    let withoutIdlenessS = Infinity;
    for (const lane of this.lanes) {
      const head = lane.queue.headTimeS();
      const empty = lane.queue.empty;
      // A bad message at the head (-Infinity) holds its partition where it is until a pull passes it.
      if (head > -Infinity) this.tracker.advance(lane.key, head);
      else if (empty && this.inputEnded) this.tracker.advance(lane.key, Infinity);
      else this.tracker.addPartition(lane.key);
      const isIdle = this.connected && !this.inputEnded && empty && nowMs - lane.lastArrivalMs >= this.opts.idlePartitionTimeoutMs;
      if (isIdle !== this.tracker.isIdle(lane.key)) {
        this.tracker.setIdle(lane.key, isIdle);
        // Back from idleness: what it sends below the watermark is late; it does not pull the watermark back.
        if (!isIdle) this.tracker.advance(lane.key, this.watermarkS);
        this.log(`kafka source: ${lane.key} ${isIdle ? `is idle (nothing for ${this.opts.idlePartitionTimeoutMs} ms): it stops holding the watermark back` : 'is active again'}`);
      }
      if (isIdle) idle.push(lane.key);
      withoutIdlenessS = Math.min(withoutIdlenessS, this.tracker.reached(lane.key) ?? -Infinity);
    }
    this.watermarkS = Math.max(this.watermarkS, this.tracker.watermarkS());
    return { watermarkS: this.watermarkS, withoutIdlenessS: Math.min(withoutIdlenessS, this.watermarkS), idle };
  }

  /** The next wall-clock instant (after now) at which idleness or the end of input could change the watermark. */
  private nextDeadlineMs(nowMs: number): number {
    let next = Infinity;
    const later = (t: number): void => {
      if (t > nowMs && t < next) next = t;
    };
    for (const lane of this.lanes) {
      if (!lane.queue.empty || this.tracker.isIdle(lane.key)) continue;
      later(lane.lastArrivalMs + this.opts.idlePartitionTimeoutMs);
    }
    if (this.opts.untilIdleMs !== undefined && !this.inputEnded) {
      const quietUntil = Math.max(...this.lanes.map((l) => l.lastArrivalMs)) + this.opts.untilIdleMs;
      later(quietUntil > nowMs ? quietUntil : this.lastEndCheckMs + END_CHECK_INTERVAL_MS);
    }
    return next;
  }

  /** With untilIdleMs: has every partition been fetched to its end, with nothing arriving for that long? */
  private async checkEndOfInput(): Promise<void> {
    // Cut off from the broker, the consumer cannot receive: silence then is not quiet (as for idleness). Without this,
    // the admin client, back before the consumer rejoins, could end a run at a broker restart before producers resend.
    if (!this.connected) return;
    const nowMs = this.now();
    const lastArrivalMs = Math.max(...this.lanes.map((l) => l.lastArrivalMs));
    if (nowMs - lastArrivalMs < this.opts.untilIdleMs! || nowMs - this.lastEndCheckMs < END_CHECK_INTERVAL_MS) return;
    this.lastEndCheckMs = nowMs;
    try {
      for (const topic of [this.topics.impressions, this.topics.interactions]) {
        for (const o of await fetchOffsets(this.admin, topic)) {
          const lane = this.byKey.get(laneKey(topic, o.partition));
          if (lane && lane.queue.nextFetchOffset < o.high) return;
        }
      }
    } catch {
      return; // the broker does not answer: the end cannot be known now
    }
    this.inputEnded = true;
    this.log(`kafka source: every partition is read to its end and nothing arrived for ${this.opts.untilIdleMs} ms: end of input`);
    for (const lane of this.lanes) this.updateFlow(lane);
  }

  /** Waits until a batch arrives, the source fails or closes, or `ms` pass. */
  private waitForInput(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wake = done;
    });
  }
}

/** A batch with no events (what a pull returns when the source closes under it). */
function emptyBatch(watermarkS: number): EventBatch {
  return {
    interactions: { length: 0, userIds: new Int32Array(0), itemIds: new Int32Array(0), types: new Uint8Array(0), createdAtS: new Float64Array(0) },
    impressions: { length: 0, userIds: new Int32Array(0), itemIds: new Int32Array(0), eventTimeS: new Float64Array(0) },
    droppedDeletes: 0,
    badEvents: 0,
    watermarkS,
    ended: false,
  };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A position comes from a checkpoint file: its shape is checked before it is trusted. */
function checkPositionShape(position: unknown): asserts position is KafkaSourcePosition {
  const bad = (why: string): never => {
    throw new InputError(KAFKA_SOURCE_ERROR.position, `not a position of a Kafka source: ${why}`);
  };
  if (typeof position !== 'object' || position === null) bad('not an object');
  const p = position as Record<string, unknown>;
  if (p.source !== 'kafka') bad(`source ${JSON.stringify(p.source)}`);
  if (!Array.isArray(p.partitions)) bad('no partitions list');
  const seen = new Set<string>();
  for (const e of p.partitions as unknown[]) {
    const x = e as Record<string, unknown> | null;
    if (typeof x !== 'object' || x === null || typeof x.topic !== 'string' || !isCount(x.partition) || !isCount(x.offset) || !isCount(x.pairs))
      bad(`each partition needs topic, partition, offset and pairs (counts): ${JSON.stringify(e)}`);
    const key = laneKey(x!.topic as string, x!.partition as number);
    if (seen.has(key)) bad(`${key} appears twice`);
    seen.add(key);
  }
}
