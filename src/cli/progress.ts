// Progress of a command on stderr (issue 9, usability): every phase is announced; on a terminal the current phase
// shows a bar when it has a count (records, epochs) and its elapsed time otherwise, and each phase ends as one
// line with its duration. Without a terminal (or with --json), one line per phase and no bars.
import cliProgress from 'cli-progress';
import type { CliIo } from './io.js';

/** A progress reporter for one phase: a bar on a terminal, nothing otherwise (logs carry the phases). */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** Creates a progress bar for `label` with `total` steps; silent when stderr is not a TTY or `quiet`. */
export function createProgress(io: CliIo, label: string, total: number, quiet = false): Progress {
  if (!io.isTTY || quiet) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(14)} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(1, total), 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}

/** Writes one human log line to stderr (not in --json quiet mode). Wall-clock facts belong here, never in outputs. */
export function logLine(io: CliIo, text: string, quiet = false): void {
  if (!quiet) io.stderr(text + '\n');
}

/** The phases of one command run. */
export interface PhaseReporter {
  /** A phase starts (the previous one ends). */
  phase(name: string): void;
  /** Progress within the current phase: a bar on a terminal, nothing otherwise. */
  progress(done: number, total: number, label?: string): void;
  /** Ends the last phase's display. */
  stop(): void;
}

const TICK_MS = 1000;

/**
 * Phase lines of `command` on stderr. With `live` (a terminal without --json) the current phase shows its elapsed
 * seconds, or a bar once progress arrives, and ends as `command: phase (1.2 s)`; otherwise each phase is one line
 * `command: phase` as it starts.
 */
export function createPhaseReporter(io: CliIo, command: string, live = io.isTTY): PhaseReporter {
  if (!live) {
    return {
      phase: (name) => io.stderr(`${command}: ${name}\n`),
      progress: () => {},
      stop: () => {},
    };
  }
  let label: string | null = null;
  let startedMs = 0;
  let ticker: ReturnType<typeof setInterval> | null = null;
  let bar: Progress | null = null;
  let barLabel = '';
  const elapsed = (): string => `${((performance.now() - startedMs) / 1000).toFixed(1)} s`;
  const draw = (): void => {
    if (label !== null && bar === null) io.stderr(`\r\x1b[2K${label} … ${elapsed()}`);
  };
  const end = (): void => {
    if (ticker !== null) clearInterval(ticker);
    ticker = null;
    bar?.stop();
    bar = null;
    if (label !== null) io.stderr(`\r\x1b[2K${label} (${elapsed()})\n`);
    label = null;
  };
  return {
    phase(name: string): void {
      end();
      label = `${command}: ${name}`;
      startedMs = performance.now();
      draw();
      ticker = setInterval(draw, TICK_MS);
      ticker.unref();
    },
    progress(done: number, total: number, sub = ''): void {
      if (label === null) return;
      if (bar === null || sub !== barLabel) {
        bar?.stop();
        io.stderr('\r\x1b[2K');
        barLabel = sub;
        bar = createProgress(io, sub || label, total);
      }
      bar.update(done);
    },
    stop: end,
  };
}
