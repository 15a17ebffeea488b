/** What a command may touch of its process: output streams and whether stderr is a terminal. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress bars are drawn only then. */
  isTTY: boolean;
}

/** The real process's io. */
export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stderr.isTTY),
  };
}

/** Whether DYADFLOW_DEBUG asks for stack traces and library logs (any value but empty or 0). */
export function debugEnabled(): boolean {
  const v = process.env.DYADFLOW_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/** Exit codes of the CLI (README, "Exit codes"). */
export const EXIT = {
  ok: 0,
  /**
   * A run that failed for a reason other than its input: a file it could not write, Kafka, a broken invariant,
   * or an unexpected error (a bug, or a limit of Node). The message says whether retrying may help.
   */
  failure: 1,
  /**
   * The command as given cannot run: a missing or unreadable input, a wrong header, a bad option, a path it may
   * not use (a dead-letter path holding another file, a folder that does not exist), or an output directory
   * another run holds. Retrying the same command does not help.
   */
  badInput: 2,
} as const;

/** An error the CLI reports as one line with an exit code, never a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.badInput) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
