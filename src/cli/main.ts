import { Command, CommanderError } from 'commander';
import { DyadflowError, InputError } from '../core/errors.js';
import { COMMANDS } from './commands/index.js';
import { CliError, EXIT, debugEnabled, type CliIo } from './io.js';
import { dyadflowVersion } from './version.js';

/** Runs `dyadflow` with argv (without node and script) against io; resolves to the exit code. Testable in-process. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('dyadflow')
    .description('Implicit-feedback streams to point-in-time dyad features and multi-task recommendation models')
    .version(dyadflowVersion(), '--version', 'print the version and exit')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);
  for (const register of COMMANDS) register(program, io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

/** One line on stderr for a failed run, and its exit code (README, "Exit codes"). */
function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // --help and --version are exits, not failures; commander printed its own message.
    return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  }
  if (err instanceof CliError) {
    io.stderr(`dyadflow: ${oneLine(err.message)}\n`);
    return err.exitCode;
  }
  if (err instanceof InputError) {
    io.stderr(`dyadflow: ${oneLine(err.message)}\n`);
    return EXIT.badInput;
  }
  if (err instanceof DyadflowError) {
    io.stderr(`dyadflow: ${oneLine(err.message)} [${err.code}]\n`);
    return EXIT.failure;
  }
  if (isSystemError(err)) {
    // A path the user named cannot be created, read or written (EEXIST, ENOTDIR, EACCES, ...): one line.
    io.stderr(`dyadflow: ${oneLine(err.message)}\n`);
    return EXIT.badInput;
  }
  // Unforeseen (a bug, or a limit of Node such as "data is too long"): one line, the stack only when asked.
  if (debugEnabled() && err instanceof Error && err.stack) {
    io.stderr(`dyadflow: unexpected error: ${err.stack}\n`);
  } else {
    const what = err instanceof Error ? `${err.name}: ${oneLine(err.message)}` : oneLine(String(err));
    io.stderr(`dyadflow: unexpected error: ${what} (DYADFLOW_DEBUG=1 prints the stack)\n`);
  }
  return EXIT.failure;
}

/** The first line of a message (a library's multi-line message must not break the one-line rule). */
function oneLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl < 0 ? message : message.slice(0, nl) + ' …';
}

/** A Node.js system error from the file system or the OS (it names its syscall and code). */
function isSystemError(err: unknown): err is Error & { code: string; syscall: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && typeof (err as { syscall?: unknown }).syscall === 'string';
}
