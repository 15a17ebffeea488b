import { Command, CommanderError } from 'commander';
import { DyadflowError, InputError } from '../core/errors.js';
import { COMMANDS } from './commands/index.js';
import { CliError, EXIT, type CliIo } from './io.js';

/** Runs `dyadflow` with argv (without node and script) against io; resolves to the exit code. Testable in-process. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('dyadflow')
    .description('Implicit-feedback streams to point-in-time dyad features and multi-task recommendation models')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);
  for (const register of COMMANDS) register(program, io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are exits, not failures.
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (err instanceof CliError) {
      io.stderr(`dyadflow: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof InputError) {
      io.stderr(`dyadflow: ${err.message}\n`);
      return EXIT.badInput;
    }
    if (err instanceof DyadflowError) {
      io.stderr(`dyadflow: ${err.message} [${err.code}]\n`);
      return EXIT.failure;
    }
    if (isSystemError(err)) {
      // A path the user named cannot be created, read or written (EEXIST, ENOTDIR, EACCES, ...): one line.
      io.stderr(`dyadflow: ${err.message}\n`);
      return EXIT.badInput;
    }
    io.stderr(`dyadflow: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failure;
  }
}

/** A Node.js system error from the file system or the OS (it names its syscall and code). */
function isSystemError(err: unknown): err is Error & { code: string; syscall: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && typeof (err as { syscall?: unknown }).syscall === 'string';
}
