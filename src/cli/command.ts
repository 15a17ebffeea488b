// What every subcommand shares: its registration signature and how it reports bad rows and timings. The commands
// import this module and commands/index.ts imports the commands, so nothing imports back (no cycle).
import type { Command } from 'commander';
import type { BadRowsReport } from '../adapters/recsys16/index.js';
import type { CliIo } from './io.js';

/** A subcommand: adds itself to the program; its action resolves to an exit code via `setExit`. */
export type CommandModule = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

/** "1 bad row", "2 bad rows". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Milliseconds as seconds with one decimal ("12.3 s"). */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `name 1.2 s` for each phase of a run's timings, in order, the total first ("4.5 s (load 1.2 s, ...)"). */
export function formatTimings(timings: Readonly<Record<string, number>>): string {
  const parts = Object.entries(timings)
    .filter(([name]) => name !== 'total')
    .map(([name, ms]) => `${name} ${seconds(ms)}`);
  return `${seconds(timings.total ?? 0)} (${parts.join(', ')})`;
}

/**
 * The bad rows of a run on stderr, whatever the flags (issue 9 item 3): the count and where they went, or, when
 * no file holds them, the first few with their file, line and reason.
 */
export function reportBadRows(io: CliIo, command: string, badRows: BadRowsReport): void {
  const count = plural(badRows.count, 'bad row');
  if (badRows.count === 0) {
    io.stderr(`${command}: ${count}\n`);
  } else if (badRows.deadLetters !== null) {
    io.stderr(`${command}: ${count} → ${badRows.deadLetters}\n`);
  } else {
    const which = badRows.count > badRows.first.length ? `the first ${badRows.first.length}` : badRows.count === 1 ? 'it' : 'they';
    io.stderr(`${command}: ${count}, not kept (--dead-letters FILE keeps them); ${which}:\n`);
    for (const b of badRows.first) io.stderr(`  ${b.file}:${b.line}: ${b.reason}\n`);
  }
}
