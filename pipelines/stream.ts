// The stream (issue 11; architecture.md "Data flow", the stream driver), top to bottom like the diagram:
//
//   source (file or Kafka; decode + validate, bad events → dead letters) ─ pulled on demand
//   ─▶ window by event time (late events folded into the state at once)
//   ─▶ at each close: snapshot of the window's dyads, features from the state before it → snapshots/<id>/
//   ─▶ evaluate the current model on it (prequential), beside popularity and the random expectation
//   ─▶ warm-started epochs on it ─▶ models/<id>/ and models/LATEST
//   ─▶ one line into metrics.ndjson ─▶ fold the window's events into the state ─▶ checkpoint ─▶ pull again
//
// Demand-driven: the next batch is pulled only when the previous one has gone through every stage (the `demand`
// subject at the end of the composition), so memory is the state plus one window's events, however far the input
// runs ahead. No stage blocks the event loop for long: the fold, the features, scoring and training run in slices
// (stream-stages.ts), so SIGINT and SIGTERM are handled within a slice. A window either completes with its
// checkpoint or is abandoned; a resume starts from the last checkpoint.
import { Subject, concatMap, defer, from, of, startWith, takeWhile, tap, type Observable, type OperatorFunction } from 'rxjs';
import { withDirectoryLock } from '../src/adapters/fs/dir-lock.js';
import {
  StreamContext,
  abandonWindow,
  appendMetrics,
  assignToWindow,
  checkpointEnd,
  checkpointWindow,
  cutSnapshot,
  evaluateWindow,
  foldWindow,
  openStream,
  publishModel,
  pullBatch,
  trainWindow,
  type StreamRequest,
  type StreamSummary,
  type Tick,
  type WindowWork,
} from './stream-stages.js';

export type { StreamHooks, StreamOptions, StreamRequest, StreamSummary, WindowLine, StreamSourceFactory } from './stream-stages.js';
export { DEFAULT_STREAM_OPTIONS, streamOptionsForConfig } from './stream-stages.js';

/** Applies `stage` to closed windows; every other tick passes through untouched. */
function onClosed(stage: (w: WindowWork, ctx: StreamContext) => Promise<WindowWork>, ctx: StreamContext): OperatorFunction<Tick, Tick> {
  return concatMap((t: Tick): Observable<Tick> => (t.kind === 'closed' ? defer(() => from(stage(t.window, ctx).then((window) => ({ kind: 'closed' as const, window })))) : of(t)));
}

/** Whether nothing follows this tick: the input ended (with or without a last window to close). */
function isFinal(t: Tick): boolean {
  return t.kind === 'end' || (t.kind === 'closed' && t.window.last);
}

/** The composition itself: one pass over the source, as described in the header. */
function streamOf(ctx: StreamContext): Observable<Tick> {
  const demand = new Subject<void>();
  const ticks: Observable<Tick> = demand.pipe(
    startWith(undefined),
    concatMap(() => defer(() => from(pullBatch(ctx)))), // source → decode + validate → batch
    concatMap((batch) => defer(() => from(assignToWindow(ctx, batch)))), // window by event time; late → state
  );
  const windows: Observable<Tick> = ticks.pipe(
    onClosed(cutSnapshot, ctx), // features from the state before the window → Parquet, Arrow, manifest
    onClosed(evaluateWindow, ctx), // the current model, popularity, random: test before train
    onClosed(trainWindow, ctx), // warm-started epochs
    onClosed(publishModel, ctx), // models/<id>/, then LATEST
    onClosed(appendMetrics, ctx), // metrics.ndjson, report.md
    onClosed(foldWindow, ctx), // the window's events into the state
    onClosed(checkpointWindow, ctx), // state, positions, rng, file lengths
  );
  return windows.pipe(
    takeWhile((t) => !isFinal(t), true),
    tap((t) => {
      if (!isFinal(t)) demand.next(); // only now pull the next batch
    }),
  );
}

/**
 * Runs the stream into `req.outDir` until the input ends (or the signal aborts), resuming from the directory's last
 * checkpoint when there is one. Holds the directory's lock throughout.
 */
export async function runStream(req: StreamRequest): Promise<StreamSummary> {
  return withDirectoryLock(
    req.outDir,
    'run',
    async () => {
      const ctx = await openStream(req);
      try {
        await new Promise<void>((resolve, reject) => {
          streamOf(ctx).subscribe({ error: reject, complete: resolve });
        });
        await checkpointEnd(ctx); // the input ended after a window the watermark closed: record the end
        return await ctx.finish(false);
      } catch (err) {
        if (ctx.isAbort(err)) {
          await abandonWindow(ctx);
          return await ctx.finish(true);
        }
        await ctx.fail();
        throw err;
      }
    },
    req.hooks?.warn,
  );
}
