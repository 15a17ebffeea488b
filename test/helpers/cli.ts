import { run } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

/** The outcome of an in-process CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dyadflow argv` in-process with captured output (no terminal, so no progress bars). */
export async function runCli(argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}
