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

/** Exit codes of the CLI. */
export const EXIT = {
  ok: 0,
  /** A run that ended in a failure not caused by the user's input. */
  failure: 1,
  /** A missing or unreadable required input, a wrong header, a bad option. */
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
