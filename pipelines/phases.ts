// The one phase timer of the pipelines: consecutive named phases, each announced as it starts (for progress
// lines) and timed in wall-clock milliseconds. Timings are for --json and logs only, never for an output file.
import { performance } from 'node:perf_hooks';

/** Milliseconds per phase (whole milliseconds) and in total. */
export type PhaseTimings<P extends string> = Record<P | 'total', number>;

/** Times consecutive phases: `start(next)` ends the current one; `finish()` ends the last and returns the timings. */
export class PhaseTimer<P extends string> {
  private readonly t0 = performance.now();
  private mark = this.t0;
  private current: P | null = null;
  private readonly timings = {} as PhaseTimings<P>;

  constructor(private readonly onPhase?: (phase: P) => void) {}

  /** Ends the current phase (if any) and starts `next`, telling onPhase. */
  start(next: P): void {
    this.end();
    this.current = next;
    this.onPhase?.(next);
  }

  /** Ends the last phase; returns every phase's time and the total since the timer was made. */
  finish(): PhaseTimings<P> {
    this.end();
    this.timings.total = Math.round(performance.now() - this.t0);
    return this.timings;
  }

  private end(): void {
    const now = performance.now();
    if (this.current !== null) this.timings[this.current] = Math.round(now - this.mark);
    this.mark = now;
    this.current = null;
  }
}
