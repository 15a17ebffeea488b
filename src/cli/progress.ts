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
