// The stages of the stream (pipelines/stream.ts composes them with RxJS) and the context they share: the output
// directory, the incremental state, the model, the run's random generator, the source. Each stage is an async
// function of one closed window; long synchronous work (fold, features, scoring, training) runs in slices of a
// few tens of milliseconds with the event loop turning in between, so a signal is handled within a slice and no
// slice blocks the loop for long (issue 11 item 5).
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import {
  AppendOnlyFile,
  RUN_LAYOUT,
  StreamDeadLetters,
  checkRunConfig,
  latestRunCheckpoint,
  pruneCheckpoints,
  pruneWindows,
  recoverRunDirectory,
  writeLatestModel,
  writeRunCheckpoint,
} from '../src/adapters/checkpoint/run-dir.js';
import type { CheckpointArray } from '../src/adapters/checkpoint/checkpoint-file.js';
import { writeFileAtomic } from '../src/adapters/fs/atomic-file.js';
import { fingerprintTableSliced } from '../src/adapters/model-store/fingerprint.js';
import { loadModel, saveModel } from '../src/adapters/model-store/model-store.js';
import { writeFeatureTableArrow } from '../src/adapters/arrow/index.js';
import { DEFAULT_PARQUET_WRITE_OPTIONS, writeFeatureTableParquet, type ParquetWriteOptions } from '../src/adapters/parquet/index.js';
import { createDeadLetterCounter, type DeadLetterSink } from '../src/adapters/recsys16/bad-row.js';
import { readProfiles } from '../src/adapters/recsys16/read-profiles.js';
import { removeStaleSortRuns } from '../src/adapters/source/external-sort.js';
import { buildWindowManifest, writeWindowManifest, type WindowClosedBy } from '../src/adapters/snapshot/window-manifest.js';
import { SNAPSHOT_FILES } from '../src/adapters/snapshot/manifest.js';
import { InputError, InvariantError } from '../src/core/errors.js';
import type { EventBatch, EventSource, JsonValue, LostInput } from '../src/core/events/source.js';
import type { ImpressionTable, InteractionTable, ProfileTable } from '../src/core/events/tables.js';
import { PREQUENTIAL_TASKS, WindowMetricsJob, popularityScores, type PrequentialTask, type TaskWindowMetrics, type WindowMetrics } from '../src/core/evaluation/prequential.js';
import type { Spread } from '../src/core/features/feature-table.js';
import { WindowSnapshotJob, itemLabelCounts, type WindowFeatureReport } from '../src/core/features/window-snapshot.js';
import { FoldJob } from '../src/core/matrix/batch-fold.js';
import { ImplicitState, type ImplicitStateCheckpoint, type StateBytes } from '../src/core/matrix/implicit-state.js';
import {
  createModel,
  createTrainer,
  emptyScaler,
  ScalerFitJob,
  mergeScalers,
  modelKind,
  resolveModelOptions,
  rowRange,
  scoreBookmark,
  scoreClick,
  scoreReply,
  type Model,
  type ModelKind,
  type ModelOptions,
  type Trainer,
  type TrainResult,
} from '../src/core/model/index.js';
import { Rng, type RngState } from '../src/core/random/rng.js';
import { METRICS_LINE_FORMAT_VERSION, renderStreamCharts, renderStreamReport, type StreamMetricsLine } from '../src/core/report/stream-report.js';
import { WindowEvents, lateFlags, lateTables, type WindowEventCounts } from '../src/core/window/window-events.js';
import { windowAt, type EventWindow } from '../src/core/window/window.js';

/** Every option that decides a run's outputs (run.json stores them; a resume must match them). */
export interface StreamOptions {
  /** Window length in seconds (`--window`, default one ISO week). */
  windowS: number;
  /** Neighbour features (method.md §3): the stream has no subsampling, split or leakage option. */
  features: { k: number; similarity: 'weighted' | 'binary'; neighbourhood: 'item' | 'global'; spread: Spread; leaveOneOut: boolean };
  /** The model trained every window (its kind and trainer options; maxEpochs comes from epochsPerWindow). */
  model: Partial<Omit<ModelOptions, 'seed' | 'maxEpochs'>> & { kind: ModelKind };
  epochsPerWindow: number;
  /** The one seed of every random draw. */
  seed: number;
  parquet: Required<ParquetWriteOptions>;
}

/** The defaults of `dyadflow run`. */
export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  windowS: 7 * 86400,
  features: { k: 50, similarity: 'weighted', neighbourhood: 'item', spread: 'std', leaveOneOut: true },
  model: { kind: 'mtl' },
  epochsPerWindow: 5,
  seed: 1,
  parquet: { ...DEFAULT_PARQUET_WRITE_OPTIONS },
};

/** The resolved model options of a run (the trainer's every value, so run.json states exactly what it did). */
function modelOptionsOf(o: StreamOptions): ModelOptions {
  return resolveModelOptions({ ...o.model, seed: o.seed, maxEpochs: o.epochsPerWindow });
}

/** What run.json stores and compares on resume: every option that decides an output byte. */
export function streamOptionsForConfig(o: StreamOptions): Record<string, unknown> {
  return {
    windowS: o.windowS,
    features: { ...o.features },
    model: { ...modelOptionsOf(o) },
    epochsPerWindow: o.epochsPerWindow,
    seed: o.seed,
    parquet: { ...o.parquet },
  };
}

/** How the stream gets its events: the CLI opens a file or Kafka source through this. */
export interface StreamSourceFactory {
  kind: 'file' | 'kafka';
  /** For the run log, e.g. the data folder or the brokers (not in reproducible files). */
  describe: string;
  /** The data folder of a file source: dead letters name files relative to it. */
  dataDir: string | null;
  /** Where users.csv and items.csv are read from (null: no profiles, context features 0). */
  profilesDir: string | null;
  /** Opens the source; a file source sends bad lines to `deadLetters` and may spill sorted runs under `spillDir`. */
  open(deps: { deadLetters: DeadLetterSink; spillDir: string; log: (line: string) => void }): Promise<EventSource>;
}

/** One closed window as the CLI shows it: the metrics line plus what is not reproducible. */
export interface WindowLine {
  metrics: StreamMetricsLine;
  closedBy: WindowClosedBy;
  seconds: number;
  stageSeconds: Record<string, number>;
  position: JsonValue;
  lag: Record<string, number> | null;
}

/** Progress and logs of a run (the CLI draws bars and tables with them). */
export interface StreamHooks {
  warn?: (message: string) => void;
  /** A line for the human log (stderr); run.log gets every line too. */
  log?: (message: string) => void;
  onWindow?: (line: WindowLine) => void;
  /** Phases of the open window: `filling` (events so far), then the stages; `fraction` when known. */
  onProgress?: (p: { window: string; phase: string; events?: number; fraction?: number }) => void;
}

/** A run of the stream. */
export interface StreamRequest {
  outDir: string;
  options: StreamOptions;
  /** Keep only the newest N snapshots and models (null: keep all). */
  keep: number | null;
  source: StreamSourceFactory;
  signal?: AbortSignal;
  hooks?: StreamHooks;
  /** Events per pull (bounds the memory of one batch). Default 65,536. */
  maxPullEvents?: number;
}

/** What a run did. */
export interface StreamSummary {
  outDir: string;
  /** Windows closed by this process, and in the directory in all. */
  windows: number;
  windowsTotal: number;
  resumedFrom: string | null;
  /** Stopped by a signal (the open window abandoned; the directory is at its last checkpoint). */
  stopped: boolean;
  /** The input ended and its last window is done. */
  ended: boolean;
  /** What followed the last window's events when the input ended after it (in no window; see checkpointEnd), else null. */
  trailing: WindowEventCounts | null;
  /** The metrics line of every window in the directory, this run's and earlier runs' (what report.md shows). */
  history: readonly StreamMetricsLine[];
  lastWindow: string | null;
  latestModel: string | null;
  /** Bad events of this process's pulls (dead letters) and bad profile rows. */
  badEvents: number;
  badProfileRows: number;
  seconds: number;
  /** The longest synchronous slice of stream work, in milliseconds (the event loop was blocked at most this long by it). */
  maxSliceMs: number;
  /** The longest slice of each kind of sliced work (fold, features, train, score, metrics, rebuild), in ms. */
  maxSliceByKind: Record<string, number>;
  /** The state at the end: sizes and the bytes of its typed arrays (pairs: everything that stores user pairs). */
  state: { users: number; items: number; entries: number; pairs: number; bytes: StateBytes };
}

/** A closed window on its way through the stages. */
export interface WindowWork {
  window: EventWindow;
  events: { interactions: InteractionTable; impressions: ImpressionTable };
  counts: WindowEventCounts;
  closedBy: WindowClosedBy;
  /** The input ended with this window: nothing follows. */
  last: boolean;
  /** Where the source stands after the window: the first event not yet folded. */
  position: JsonValue;
  lost: LostInput[];
  startedMs: number;
  stageMs: Record<string, number>;
  snapshot?: { table: import('../src/core/features/feature-table.js').FeatureTable; report: WindowFeatureReport };
  prequential?: Record<PrequentialTask, TaskWindowMetrics> | null;
  training?: TrainResult;
  after?: Partial<Record<PrequentialTask, WindowMetrics>>;
  metrics?: StreamMetricsLine;
}

/** What flows through the composition: one tick per pulled batch. */
export type Tick = { kind: 'pulled' } | { kind: 'closed'; window: WindowWork } | { kind: 'end' };

/** The kind of the checkpoint files of a run. */
export const CHECKPOINT_KIND = 'dyadflow.stream-state';
/** The checkpoint metadata format this build writes and reads. */
export const CHECKPOINT_META_VERSION = 1;

/** What a checkpoint holds besides the state's arrays. */
export interface CheckpointMeta {
  formatVersion: number;
  window: { id: string; startS: number; endS: number };
  seq: number;
  windowsTotal: number;
  position: JsonValue;
  rng: RngState;
  modelId: string | null;
  files: { metrics: number; deadLetters: number };
  stateCounts: Record<string, number>;
  ended: boolean;
  /**
   * Only in the checkpoint taken when the input ends after a window closed by the watermark: what came after that
   * window's events and is in no window (deletes and bad events, and on Kafka late events), so the counts add up.
   */
  trailing?: WindowEventCounts;
}

// Sliced work: the event loop turns every SLICE_MS; within a slice, calls of about CALL_MS each.
const SLICE_MS = 25;
const CALL_MS = 2;

class StreamAbort extends Error {
  constructor() {
    super('stopped by a signal');
    this.name = 'StreamAbort';
  }
}

/** Everything the stages share. Created by openStream. */
export class StreamContext {
  readonly req: StreamRequest;
  readonly out: string;
  readonly modelOptions: ModelOptions;
  state: ImplicitState;
  model: Model | null;
  rng: Rng;
  source!: EventSource;
  deadLetters: StreamDeadLetters | null = null;
  metricsFile!: AppendOnlyFile;
  runLog!: AppendOnlyFile;
  profiles: { users: ProfileTable | null; items: ProfileTable | null } = { users: null, items: null };
  open: EventWindow | null = null;
  windowEvents = new WindowEvents();
  /** Late events and lost input seen while no window was open go to the next one. */
  pendingLost: LostInput[] = [];
  seq = 0;
  windowsTotal = 0;
  windowsHere = 0;
  lastModelId: string | null = null;
  lastWindow: { id: string; startS: number; endS: number } | null = null;
  ended = false;
  /** Whether the last checkpoint records the end of the input. */
  checkpointEnded = false;
  trailing: WindowEventCounts | null = null;
  resumedFrom: string | null = null;
  history: StreamMetricsLine[] = [];
  checkpointed = { metrics: 0, deadLetters: 0 };
  badProfileRows = 0;
  badEvents = 0;
  maxSliceMs = 0;
  /** The longest slice of each kind of sliced work (run.log and the bench). */
  readonly maxSliceByKind: Record<string, number> = {};
  private readonly budgets = new Map<string, number>();
  /** When the event loop last turned for sure (runSliced, yieldIfDue). */
  private lastTurnMs = 0;
  private readonly startedMs = performance.now();

  constructor(req: StreamRequest, state: ImplicitState, model: Model | null, rng: Rng) {
    this.req = req;
    this.out = req.outDir;
    this.modelOptions = modelOptionsOf(req.options);
    this.state = state;
    this.model = model;
    this.rng = rng;
  }

  /** A wall-clock line into run.log (and the human log). */
  async log(line: string): Promise<void> {
    this.req.hooks?.log?.(line);
    await this.runLog?.append(`${new Date().toISOString()} ${line}\n`);
  }

  /** Throws when the run's signal has fired: the open window is then abandoned. */
  throwIfAborted(): void {
    if (this.req.signal?.aborted) throw new StreamAbort();
  }

  /** Whether an error is the abort of a signal. */
  isAbort(err: unknown): boolean {
    return err instanceof StreamAbort;
  }

  /**
   * Runs a sliceable job (`run(budget)` → done) in slices of about SLICE_MS between two turns of the event loop.
   * Within a slice the job runs in small calls whose budget follows the clock (about CALL_MS each), so one slice
   * overshoots by at most one call; results never depend on the slicing. A job whose work units change meaning
   * between its phases names the current one (`unitKind`): each kind learns its own budget, so a budget grown on
   * cheap units is never spent on dear ones in one call. A slice starts with a turn when the loop has not turned
   * for SLICE_MS: sliced jobs back to back (and the short synchronous steps between them) would otherwise chain
   * their slices into one long stall.
   */
  async runSliced(job: { run(budget: number): boolean; readonly unitKind?: string }, kind: string, initialBudget = 1_000): Promise<void> {
    const keyOf = (): string => (job.unitKind === undefined ? kind : `${kind}/${job.unitKind}`);
    let key = keyOf();
    let budget = this.budgets.get(key) ?? initialBudget;
    for (;;) {
      this.throwIfAborted();
      await this.yieldIfDue();
      const sliceStart = performance.now();
      let done = false;
      for (;;) {
        const t0 = performance.now();
        done = job.run(budget);
        const dt = performance.now() - t0;
        if (dt < CALL_MS / 2) budget = Math.min(budget * 2, 1 << 30);
        else if (dt > CALL_MS * 2) budget = Math.max(1, Math.floor(budget / 2));
        const next = keyOf();
        if (next !== key) {
          this.budgets.set(key, budget);
          key = next;
          budget = this.budgets.get(key) ?? initialBudget;
        }
        if (done || performance.now() - sliceStart >= SLICE_MS) break;
      }
      const slice = performance.now() - sliceStart;
      if (slice > this.maxSliceMs) this.maxSliceMs = slice;
      if (slice > (this.maxSliceByKind[kind] ?? 0)) this.maxSliceByKind[kind] = slice;
      if (done) break;
      await this.yieldNow();
    }
    this.budgets.set(key, budget);
  }

  /** Turns the event loop (timers, I/O, signals run). */
  async yieldNow(): Promise<void> {
    await turn();
    this.lastTurnMs = performance.now();
  }

  /** Turns the event loop if it has not turned for SLICE_MS (call between synchronous steps of a stage). */
  async yieldIfDue(): Promise<void> {
    if (performance.now() - this.lastTurnMs >= SLICE_MS) await this.yieldNow();
  }

  /** Scores rows of a table in slices (scoring 290k rows at once would block the loop for ~100 ms per task). */
  async scoreSliced(score: (rows: Int32Array) => Float64Array, n: number): Promise<Float64Array> {
    const out = new Float64Array(n);
    let at = 0;
    await this.runSliced(
      {
        run: (budget) => {
          const end = Math.min(n, at + Math.max(1, budget));
          out.set(score(rowRange(at, end)), at);
          at = end;
          return at >= n;
        },
      },
      'score',
      1_024,
    );
    return out;
  }

  /** The ranking metrics of scores, computed in slices (WindowMetricsJob). */
  async metricsSliced(userIds: Int32Array, labels: Uint8Array, scores: Float64Array): Promise<WindowMetrics> {
    const job = new WindowMetricsJob(userIds, labels, scores);
    await this.runSliced(job, 'metrics', 4_096);
    return job.result();
  }

  /** Runs a trainer in slices of steps. */
  async trainSliced(trainer: Trainer): Promise<void> {
    // Growing and packing units are far cheaper than triplet steps: each kind learns its own budget.
    await this.runSliced({ run: (budget) => trainer.run(budget), get unitKind() { return trainer.prepared ? 'steps' : 'prepare'; } }, 'train', 1_000);
  }

  /** Closes the source and the files; the summary of the run. */
  async finish(stopped: boolean): Promise<StreamSummary> {
    const seconds = (performance.now() - this.startedMs) / 1000;
    await this.log(
      `${stopped ? 'stopped by a signal' : this.ended ? 'input ended' : 'done'}: ${this.windowsHere} window(s) here, ${this.windowsTotal} in all, ` +
        `last ${this.lastWindow?.id ?? '–'}, latest model ${this.lastModelId ?? '–'}, ${seconds.toFixed(1)} s, longest slice ${this.maxSliceMs.toFixed(0)} ms ` +
        `(${Object.entries(this.maxSliceByKind)
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', ')})`,
    );
    await this.close();
    return {
      outDir: this.out,
      windows: this.windowsHere,
      windowsTotal: this.windowsTotal,
      resumedFrom: this.resumedFrom,
      stopped,
      ended: this.ended,
      trailing: this.trailing,
      history: this.history,
      lastWindow: this.lastWindow?.id ?? null,
      latestModel: this.lastModelId,
      badEvents: this.badEvents,
      badProfileRows: this.badProfileRows,
      seconds,
      maxSliceMs: this.maxSliceMs,
      maxSliceByKind: { ...this.maxSliceByKind },
      state: { users: this.state.users.size, items: this.state.items.size, entries: this.state.entryCount, pairs: this.state.pairCount, bytes: this.state.bytes() },
    };
  }

  /** After a failure: releases what is open (the directory stays at its last checkpoint for a resume). */
  async fail(): Promise<void> {
    await this.close().catch(() => undefined);
  }

  private closed = false;

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source?.close().catch(() => undefined);
    await this.deadLetters?.close().catch(() => undefined);
    await this.metricsFile?.close().catch(() => undefined);
    await this.runLog?.close().catch(() => undefined);
  }
}

/** Opens a run: its configuration, the last checkpoint if any (state, model, rng, files, source position). */
export async function openStream(req: StreamRequest): Promise<StreamContext> {
  const out = req.outDir;
  const o = req.options;
  await mkdir(out, { recursive: true });
  const spillDir = join(out, 'spill');
  await removeStaleSortRuns(spillDir);
  await checkRunConfig(out, streamOptionsForConfig(o));
  const warn = req.hooks?.warn ?? (() => {});
  const found = await latestRunCheckpoint(out, CHECKPOINT_KIND, warn);
  const meta = found ? (found.content.meta as CheckpointMeta) : null;
  if (meta && meta.formatVersion !== CHECKPOINT_META_VERSION) {
    // Like the container's own version (checkpoint-file.ts): an input this build cannot read, exit 2.
    throw new InputError('DF_ERR_CHECKPOINT_VERSION', `${found!.path}: checkpoint metadata version ${meta.formatVersion}; this build reads version ${CHECKPOINT_META_VERSION}`);
  }
  // The directory back to exactly what the checkpoint describes: windows after it and stray .tmp files go.
  const doneUpTo = meta?.window.id ?? null;
  const removed = await recoverRunDirectory(out, (id) => doneUpTo !== null && id <= doneUpTo, meta?.modelId ?? null);

  const ctx = new StreamContext(req, ImplicitState.empty(), null, meta ? Rng.fromState(meta.rng) : Rng.fromSeed(o.seed));
  try {
    ctx.runLog = await AppendOnlyFile.open(join(out, RUN_LAYOUT.log));
    await ctx.log(`run ${meta ? `resumes after ${meta.window.id} (checkpoint ${meta.seq})` : 'starts'} on ${req.source.kind} ${req.source.describe} (pid ${process.pid})`);
    if (removed.length > 0) await ctx.log(`recovered the directory: removed ${removed.join(', ')}`);
    // A run killed after its checkpoint, before the clean-up that follows it: the older checkpoints and --keep.
    const stale = await pruneCheckpoints(out);
    if (stale.length > 0) await ctx.log(`recovered the directory: removed ${stale.join(', ')}`);
    if (meta && req.keep !== null) {
      const pruned = await pruneWindows(out, req.keep, meta.modelId);
      if (pruned.length > 0) await ctx.log(`--keep ${req.keep}: pruned ${pruned.join(', ')}`);
    }
    ctx.checkpointed = meta ? { ...meta.files } : { metrics: 0, deadLetters: 0 };
    const metricsPath = join(out, RUN_LAYOUT.metrics);
    const metricsBytes = (await stat(metricsPath).catch(() => null))?.size ?? 0;
    ctx.metricsFile = await AppendOnlyFile.open(metricsPath, ctx.checkpointed.metrics);
    if (req.source.kind === 'file') {
      ctx.deadLetters = await StreamDeadLetters.open(join(out, RUN_LAYOUT.deadLetters), req.source.dataDir ?? '.', meta ? ctx.checkpointed.deadLetters : 0);
      if (!meta) ctx.checkpointed.deadLetters = ctx.deadLetters.bytes;
    }
    // Profiles: bad profile rows reach the dead letters once, on a fresh start (a resume's file already has them).
    ctx.profiles = await readProfileFiles(req.source.profilesDir, meta === null && ctx.deadLetters ? ctx.deadLetters : createDeadLetterCounter(), warn, (n) => (ctx.badProfileRows = n));
    if (meta) {
      ctx.resumedFrom = meta.window.id;
      ctx.seq = meta.seq;
      ctx.windowsTotal = meta.windowsTotal;
      ctx.lastWindow = meta.window;
      ctx.lastModelId = meta.modelId;
      ctx.ended = meta.ended;
      ctx.checkpointEnded = meta.ended;
      ctx.trailing = meta.trailing ?? null;
      ctx.history = parseMetricsLines(await readFile(metricsPath, 'utf8'));
    }
    // A window killed after its metrics line may have refreshed report.md and the charts: back to the checkpoint's.
    if (metricsBytes > ctx.checkpointed.metrics) await writeReport(ctx);
    if (meta) {
      const t0 = performance.now();
      const a = found!.content.arrays;
      const cp: ImplicitStateCheckpoint = {
        tracksPairs: true,
        userIds: a.userIds as Int32Array,
        itemIds: a.itemIds as Int32Array,
        entryUserIxs: a.entryUserIxs as Int32Array,
        entryItemIxs: a.entryItemIxs as Int32Array,
        entryTypes: a.entryTypes as Uint8Array,
        entryFirstSeenS: a.entryFirstSeenS as Float64Array,
      };
      const job = ImplicitState.rebuildJob(cp);
      await ctx.runSliced(job, 'rebuild');
      ctx.state = job.state;
      if (meta.modelId !== null) ctx.model = (await loadModel(join(out, RUN_LAYOUT.models, meta.modelId))).model;
      await ctx.log(`state rebuilt from the checkpoint in ${((performance.now() - t0) / 1000).toFixed(2)} s (${ctx.state.users.size} users, ${ctx.state.items.size} items)`);
    }
    ctx.source = await req.source.open({ deadLetters: ctx.deadLetters ?? createDeadLetterCounter(), spillDir, log: (line) => void ctx.log(line) });
    if (meta) await ctx.source.seek(meta.position as never);
  } catch (err) {
    // A signal while the state is rebuilt: nothing of a window is written yet; the stream stops at its first pull.
    if (ctx.isAbort(err)) return ctx;
    // Refused or failed while opening (a model or position it cannot read...): its files and source are closed.
    await ctx.fail();
    throw err;
  }
  return ctx;
}

function parseMetricsLines(text: string): StreamMetricsLine[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as StreamMetricsLine);
}

async function readProfileFiles(
  dir: string | null,
  sink: DeadLetterSink,
  warn: (m: string) => void,
  setBad: (n: number) => void,
): Promise<{ users: ProfileTable | null; items: ProfileTable | null }> {
  if (dir === null) {
    warn('no profiles given: user and item context features will be 0');
    return { users: null, items: null };
  }
  const before = sink.count;
  const read = async (name: string, kind: 'users' | 'items'): Promise<ProfileTable | null> => {
    try {
      return await readProfiles(join(dir, name), kind, { deadLetters: sink });
    } catch (err) {
      if ((err as { code?: string }).code === 'DF_ERR_INPUT_MISSING') {
        warn(`${join(dir, name)}: ${err instanceof Error ? err.message.replace(/^.*?: /, '') : 'missing'}; ${kind === 'users' ? 'user' : 'item'} context features will be 0`);
        return null;
      }
      throw err;
    }
  };
  const users = await read('users.csv', 'users');
  const items = await read('items.csv', 'items');
  await sink.flush?.();
  setBad(sink.count - before);
  return { users, items };
}

/** Pulls the next batch: events of the open window (or, with none open, where the input starts). */
export async function pullBatch(ctx: StreamContext): Promise<EventBatch> {
  ctx.throwIfAborted();
  const beforeS = ctx.open ? ctx.open.endS : -Infinity;
  const batch = await ctx.source.pull({ beforeS, maxEvents: ctx.req.maxPullEvents ?? 65_536 });
  await ctx.deadLetters?.flush();
  ctx.badEvents += batch.badEvents;
  return batch;
}

/**
 * Window by event time (method.md §5a): opens the window of the input's next event, keeps its on-time events,
 * folds late ones into the state at once, and closes it when the watermark passes its end or the input ends.
 */
export async function assignToWindow(ctx: StreamContext, batch: EventBatch): Promise<Tick> {
  if (batch.lost) ctx.pendingLost.push(...batch.lost);
  if (ctx.open === null) {
    // Counts of a pull made while no window was open (bad lines, deletes before the first valid row) go to the next window.
    ctx.windowEvents.add(batch, null, null);
    if (batch.interactions.length + batch.impressions.length > 0) throw new InvariantError('a source handed out events before -Infinity');
    if (batch.ended && !Number.isFinite(batch.watermarkS)) {
      ctx.ended = true;
      return { kind: 'end' };
    }
    if (!Number.isFinite(batch.watermarkS)) return { kind: 'pulled' }; // a live source with nothing yet
    ctx.open = windowAt(batch.watermarkS, ctx.req.options.windowS);
    ctx.req.hooks?.onProgress?.({ window: ctx.open.id, phase: 'filling', events: 0 });
    return { kind: 'pulled' };
  }
  const open = ctx.open;
  const flags = lateFlags(batch, open.startS);
  if (flags.late > 0) {
    // Late events join the state the open window's features come from (method.md §5a), in no window's dyads.
    const late = lateTables(batch, flags);
    await ctx.runSliced(new FoldJob(ctx.state, late), 'fold');
    ctx.windowEvents.addLate(flags.late);
    await ctx.log(`${open.id}: ${flags.late} late event(s) folded into the state`);
  }
  ctx.windowEvents.add(batch, flags.interactions, flags.impressions);
  ctx.req.hooks?.onProgress?.({ window: open.id, phase: 'filling', events: ctx.windowEvents.size });
  if (!(batch.ended || batch.watermarkS >= open.endS)) return { kind: 'pulled' };

  const closedBy: WindowClosedBy = batch.ended
    ? 'end-of-input'
    : batch.watermarkWithoutIdlenessS !== undefined && batch.watermarkWithoutIdlenessS < open.endS
      ? 'idleness'
      : 'watermark';
  if (closedBy === 'idleness') await ctx.log(`${open.id}: closed by idleness (idle partitions: ${(batch.idlePartitions ?? []).join(', ') || '–'})`);
  const buffered = ctx.windowEvents;
  ctx.windowEvents = new WindowEvents();
  ctx.open = null;
  if (buffered.size === 0) {
    // Nothing on time in it (only bad or late events): no snapshot; its counts go to the next window.
    ctx.windowEvents = buffered;
    if (batch.ended) {
      ctx.ended = true;
      return { kind: 'end' };
    }
    return { kind: 'pulled' };
  }
  const { interactions, impressions, counts } = buffered.finish();
  const lost = ctx.pendingLost;
  ctx.pendingLost = [];
  return {
    kind: 'closed',
    window: {
      window: open,
      events: { interactions, impressions },
      counts,
      closedBy,
      last: batch.ended,
      position: ctx.source.position(),
      lost,
      startedMs: performance.now(),
      stageMs: {},
    },
  };
}

async function timed<T>(w: WindowWork, stage: string, ctx: StreamContext, body: () => Promise<T>): Promise<T> {
  ctx.req.hooks?.onProgress?.({ window: w.window.id, phase: stage });
  const t0 = performance.now();
  const v = await body();
  w.stageMs[stage] = performance.now() - t0;
  return v;
}

/** The window's snapshot: its dyads with features from the state before it, written as Parquet, Arrow, manifest. */
export async function cutSnapshot(w: WindowWork, ctx: StreamContext): Promise<WindowWork> {
  return timed(w, 'snapshot', ctx, async () => {
    const o = ctx.req.options;
    const job = new WindowSnapshotJob(w.events, ctx.state, ctx.profiles, o.features);
    await ctx.runSliced(job, 'features');
    const { table, report } = job.result();
    const dir = join(ctx.out, RUN_LAYOUT.snapshots, w.window.id);
    await mkdir(dir, { recursive: true });
    ctx.throwIfAborted();
    const parquet = await writeFeatureTableParquet(join(dir, SNAPSHOT_FILES.parquet), table, o.features.spread, o.parquet);
    ctx.throwIfAborted();
    const arrow = await writeFeatureTableArrow(join(dir, SNAPSHOT_FILES.arrow), table, o.features.spread);
    const manifest = buildWindowManifest({
      window: { id: w.window.id, startS: w.window.startS, endS: w.window.endS },
      closedBy: w.closedBy,
      options: { features: { ...o.features }, parquet: { ...o.parquet } },
      events: w.counts,
      report,
      source: { kind: ctx.req.source.kind, position: w.position, ...(w.lost.length > 0 ? { lost: w.lost as unknown as JsonValue } : {}) },
      files: { 'features.parquet': parquet, 'features.arrow': arrow },
      spread: o.features.spread,
    });
    await writeWindowManifest(dir, manifest);
    w.snapshot = { table, report };
    return w;
  });
}

function labelsOf(w: WindowWork, task: PrequentialTask): Uint8Array {
  const t = w.snapshot!.table;
  return task === 'click' ? t.click : task === 'bookmark' ? t.bookmark : t.reply;
}

const SCORERS = { click: scoreClick, bookmark: scoreBookmark, reply: scoreReply } as const;

/** The model's scores of every row for the tasks it has (sliced). */
async function scoreTasks(ctx: StreamContext, model: Model, w: WindowWork): Promise<Partial<Record<PrequentialTask, Float64Array>>> {
  const table = w.snapshot!.table;
  const tasks = modelKind(model.options.kind).tasks;
  const out: Partial<Record<PrequentialTask, Float64Array>> = {};
  for (const task of PREQUENTIAL_TASKS) {
    if (!tasks.includes(task)) continue;
    out[task] = await ctx.scoreSliced((rows) => SCORERS[task](model, table, rows), table.length);
  }
  return out;
}

/** Prequential evaluation: the model from the windows before scores this one, beside popularity and random. */
export async function evaluateWindow(w: WindowWork, ctx: StreamContext): Promise<WindowWork> {
  return timed(w, 'evaluate', ctx, async () => {
    // The first window has no model before it: nothing to evaluate (method.md §5a).
    if (!ctx.model) {
      w.prequential = null;
      return w;
    }
    const table = w.snapshot!.table;
    await ctx.yieldIfDue();
    const counts = itemLabelCounts(ctx.state);
    await ctx.yieldIfDue();
    const scores = await scoreTasks(ctx, ctx.model, w);
    const prequential = {} as Record<PrequentialTask, TaskWindowMetrics>;
    for (const task of PREQUENTIAL_TASKS) {
      ctx.throwIfAborted();
      const byItem = counts[task];
      const popularity = popularityScores(table.itemIds, (id) => {
        const ix = ctx.state.items.indexOf(id);
        return ix < 0 ? 0 : byItem[ix]!;
      });
      await ctx.yieldIfDue();
      // One scorer at a time, the loop turning in between (each ranking of ~300k dyads takes ~100 ms).
      const labels = labelsOf(w, task);
      let positives = 0;
      for (let i = 0; i < labels.length; i++) positives += labels[i]!;
      const model = scores[task] ? await ctx.metricsSliced(table.userIds, labels, scores[task]) : null;
      const pop = await ctx.metricsSliced(table.userIds, labels, popularity);
      const random = await ctx.metricsSliced(table.userIds, labels, new Float64Array(labels.length));
      prequential[task] = { positives, model, popularity: pop, random };
    }
    w.prequential = prequential;
    return w;
  });
}

/** Warm-started epochs on the window: new ids get embeddings from hash(seed, id); the scaler takes in the window. */
export async function trainWindow(w: WindowWork, ctx: StreamContext): Promise<WindowWork> {
  return timed(w, 'train', ctx, async () => {
    const table = w.snapshot!.table;
    const all = new Uint8Array(table.length).fill(1);
    const model = ctx.model ?? createModel({ ...ctx.modelOptions }, emptyScaler());
    // The scaler's running mean and variance over every training dyad so far (method.md §4), in slices.
    const fit = new ScalerFitJob(table, all);
    await ctx.runSliced(fit, 'scaler', 4_096);
    model.scaler = mergeScalers(model.scaler, fit.result());
    const trainer = createTrainer(model, table, { rowMask: all, maxEpochs: ctx.req.options.epochsPerWindow }, ctx.rng);
    await ctx.trainSliced(trainer);
    w.training = trainer.result();
    ctx.model = model;
    // In-sample metrics after training, for the model's manifest ("metrics before and after training").
    const scores = await scoreTasks(ctx, model, w);
    const after: Partial<Record<PrequentialTask, WindowMetrics>> = {};
    for (const task of PREQUENTIAL_TASKS) if (scores[task]) after[task] = await ctx.metricsSliced(table.userIds, labelsOf(w, task), scores[task]);
    w.after = after;
    return w;
  });
}

/** models/<id>/ (parameters and manifest with its parent, snapshot and metrics), then LATEST. */
export async function publishModel(w: WindowWork, ctx: StreamContext): Promise<WindowWork> {
  return timed(w, 'model', ctx, async () => {
    const id = w.window.id;
    const dataFingerprint = await fingerprintTableSliced(w.snapshot!.table);
    await saveModel(join(ctx.out, RUN_LAYOUT.models, id), ctx.model!, {
      dataFingerprint,
      parent: ctx.lastModelId,
      snapshot: id,
      metrics: { before: w.prequential ?? null, afterInSample: w.after ?? null },
    });
    await writeLatestModel(ctx.out, id);
    return w;
  });
}

/** The window's line in metrics.ndjson (reproducible fields only) and the refreshed report.md. */
export async function appendMetrics(w: WindowWork, ctx: StreamContext): Promise<WindowWork> {
  return timed(w, 'metrics', ctx, async () => {
    const t = w.training!;
    const last = t.epochs.at(-1) ?? null;
    const line: StreamMetricsLine = {
      formatVersion: METRICS_LINE_FORMAT_VERSION,
      window: w.window.id,
      startS: w.window.startS,
      endS: w.window.endS,
      events: w.counts,
      snapshot: w.snapshot!.report,
      model: { id: w.window.id, parent: ctx.lastModelId, kind: ctx.model!.options.kind },
      prequential: w.prequential ?? null,
      training: {
        epochs: t.epochs.length,
        stoppedBy: t.stoppedBy,
        iterationsPerEpoch: t.iterationsPerEpoch,
        sampledUsers: t.sampledUsers,
        lastLoss: last ? { total: last.total, click: last.click, bookmark: last.bookmark, reply: last.reply, embedding: last.embedding } : null,
      },
    };
    await ctx.metricsFile.append(JSON.stringify(line) + '\n');
    ctx.history.push(line);
    w.metrics = line;
    await writeReport(ctx);
    return w;
  });
}

/** report.md and its charts, from every metrics line so far (derived: rewritten after each window). */
async function writeReport(ctx: StreamContext): Promise<void> {
  for (const [name, svg] of Object.entries(renderStreamCharts(ctx.history))) await writeFileAtomic(join(ctx.out, name), svg);
  await writeFileAtomic(join(ctx.out, RUN_LAYOUT.report), renderStreamReport(ctx.history, { options: streamOptionsForConfig(ctx.req.options) }));
}

/** Folds the window's events into the state: the next window's features will see them. */
export async function foldWindow(w: WindowWork, ctx: StreamContext): Promise<WindowWork> {
  return timed(w, 'fold', ctx, async () => {
    await ctx.runSliced(new FoldJob(ctx.state, w.events), 'fold');
    return w;
  });
}

/** The checkpoint: state, source position, rng, model pointer and file lengths; then pruning and the window's report. */
export async function checkpointWindow(w: WindowWork, ctx: StreamContext): Promise<WindowWork> {
  // Not interrupted by a signal: once the window's outputs are written, its checkpoint completes it.
  ctx.req.hooks?.onProgress?.({ window: w.window.id, phase: 'checkpoint' });
  const t0 = performance.now();
  await ctx.deadLetters?.sync();
  await ctx.metricsFile.sync();
  ctx.windowsTotal++;
  ctx.windowsHere++;
  ctx.lastModelId = w.window.id;
  ctx.lastWindow = { id: w.window.id, startS: w.window.startS, endS: w.window.endS };
  ctx.ended = w.last;
  await writeCheckpoint(ctx, w.position, w.last);
  if (ctx.req.keep !== null) {
    const pruned = await pruneWindows(ctx.out, ctx.req.keep, ctx.lastModelId);
    if (pruned.length > 0) await ctx.log(`--keep ${ctx.req.keep}: pruned ${pruned.join(', ')}`);
  }
  await ctx.source.checkpointed?.(w.position);
  w.stageMs.checkpoint = performance.now() - t0;
  const seconds = (performance.now() - w.startedMs) / 1000;
  const lag = ctx.source.lag ? await ctx.source.lag().catch(() => null) : null;
  await ctx.log(
    `${w.window.id}: ${w.counts.interactions + w.counts.impressionPairs} events, ${w.snapshot!.report.dyads} dyads, closed by ${w.closedBy}, ` +
      `${seconds.toFixed(2)} s (${Object.entries(w.stageMs)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`)
        .join(', ')}), position ${JSON.stringify(w.position)}${lag ? `, lag ${JSON.stringify(lag)}` : ''}`,
  );
  ctx.req.hooks?.onWindow?.({
    metrics: w.metrics!,
    closedBy: w.closedBy,
    seconds,
    stageSeconds: Object.fromEntries(Object.entries(w.stageMs).map(([k, v]) => [k, v / 1000])),
    position: w.position,
    lag: lag as Record<string, number> | null,
  });
  return w;
}

/** Writes the next checkpoint after ctx.lastWindow: the state's entries, the position, rng, model pointer and file lengths. */
async function writeCheckpoint(ctx: StreamContext, position: JsonValue, ended: boolean, trailing?: WindowEventCounts): Promise<void> {
  const window = ctx.lastWindow;
  if (window === null) throw new InvariantError('a checkpoint before any window');
  ctx.seq++;
  // The entries only (histograms, norms, item lists and dot products are rebuilt from them on resume), written
  // straight from the state's arrays: nothing changes the state while the checkpoint is written.
  const st = ctx.state;
  const ne = st.entryCount;
  const cp = {
    userIds: st.users.ids(),
    itemIds: st.items.ids(),
    entryUserIxs: st.entryUserIx.subarray(0, ne),
    entryItemIxs: st.entryItemIx.subarray(0, ne),
    entryTypes: st.entryTypes.subarray(0, ne),
    entryFirstSeenS: st.entryFirstSeenS.subarray(0, ne),
  };
  const meta: CheckpointMeta = {
    formatVersion: CHECKPOINT_META_VERSION,
    window,
    seq: ctx.seq,
    windowsTotal: ctx.windowsTotal,
    position,
    rng: ctx.rng.getState(),
    modelId: ctx.lastModelId,
    files: { metrics: ctx.metricsFile.bytes, deadLetters: ctx.deadLetters?.bytes ?? 0 },
    stateCounts: { users: ctx.state.users.size, items: ctx.state.items.size, entries: ctx.state.entryCount },
    ended,
    ...(trailing ? { trailing } : {}),
  };
  await writeRunCheckpoint(ctx.out, ctx.seq, window.id, { kind: CHECKPOINT_KIND, meta, arrays: cp as Record<string, CheckpointArray> });
  ctx.checkpointed = { ...meta.files };
  ctx.checkpointEnded = ended;
}

/**
 * The input ended after a window that the watermark closed (what followed it held no event of a window: only deletes
 * or bad lines, or late events): a last checkpoint records the end, so a rerun finds the directory finished, and
 * the counts of what followed, which no window's manifest holds (status shows them).
 */
export async function checkpointEnd(ctx: StreamContext): Promise<void> {
  if (!ctx.ended || ctx.checkpointEnded || ctx.lastWindow === null) return;
  await ctx.deadLetters?.sync();
  await ctx.metricsFile.sync();
  const trailing = { ...ctx.windowEvents.counts };
  const position = ctx.source.position();
  await writeCheckpoint(ctx, position, true, trailing);
  ctx.trailing = trailing;
  await ctx.source.checkpointed?.(position);
  await ctx.log(
    `input ended after ${ctx.lastWindow.id}: ${trailing.droppedDeletes} delete(s), ${trailing.badEvents} bad and ${trailing.lateEvents} late event(s) ` +
      `after its events, in no window (recorded in checkpoint ${ctx.seq})`,
  );
}

/** After a signal: the open window is abandoned; what it wrote goes, so the directory is at its last checkpoint. */
export async function abandonWindow(ctx: StreamContext): Promise<void> {
  const doneUpTo = ctx.lastWindow?.id ?? null;
  const removed = await recoverRunDirectory(ctx.out, (id) => doneUpTo !== null && id <= doneUpTo, ctx.lastModelId);
  await ctx.metricsFile.truncate(ctx.checkpointed.metrics);
  await ctx.deadLetters?.truncate(ctx.checkpointed.deadLetters);
  const before = ctx.history.length;
  ctx.history = ctx.history.filter((l) => doneUpTo !== null && l.window <= doneUpTo);
  if (ctx.history.length !== before) await writeReport(ctx);
  await ctx.log(`stop requested: the open window is abandoned${removed.length > 0 ? ` (removed ${removed.join(', ')})` : ''}; a resume continues after ${doneUpTo ?? 'the start'}`);
}
