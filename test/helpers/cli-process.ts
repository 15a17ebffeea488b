// The real `dyadflow` CLI as separate processes, for the tests that need them (two runs at once, kill -9). Tests
// run from TypeScript, so they need the CLI compiled: dist/ when it is newer than every source (as after
// `npm ci`), else a build of their own in .cache/test-cli (git-ignored), recompiled when a source file is newer;
// concurrent test files wait for one build under a lock directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, '.cache', 'test-cli');
const STAMP = join(OUT, '.built');
const LOCK = join(ROOT, '.cache', 'test-cli.lock');
const SOURCES = ['src', 'pipelines', 'schemas', 'types', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function newestMtimeMs(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name)));
  return newest;
}

function isFresh(): boolean {
  return existsSync(STAMP) && newestSourceMs() <= statSync(STAMP).mtimeMs;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

function newestSourceMs(): number {
  return Math.max(...SOURCES.map((s) => newestMtimeMs(join(ROOT, s))));
}

/** Path of a compiled CLI entry as fresh as the sources: dist's, or one compiled into .cache/test-cli. */
export async function compiledCli(): Promise<string> {
  const dist = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
  if (existsSync(dist) && newestSourceMs() <= statSync(dist).mtimeMs) return dist;
  const bin = join(OUT, 'src', 'cli', 'bin.js');
  if (isFresh()) return bin;
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is compiling; a lock older than 3 minutes belongs to a killed run.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 180_000) rmSync(LOCK, { recursive: true, force: true });
      await sleep(200);
    }
  }
  try {
    if (!isFresh()) {
      const started = Date.now();
      const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      if (tsc.status !== 0) throw new Error(`compiling the CLI for process tests failed:\n${tsc.stdout}${tsc.stderr}`);
      writeFileSync(STAMP, '');
      // The stamp dates from when compiling began: a source saved meanwhile makes the next call compile again.
      utimesSync(STAMP, started / 1000, started / 1000);
    }
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
  return bin;
}

/** How a process ended and what it printed. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running CLI process. */
export interface CliProcess {
  child: ChildProcess;
  /** Resolves when the process has ended. */
  done: Promise<ProcessResult>;
  /** Resolves once stderr matches `pattern` (rejects if the process ends first). */
  stderrMatches(pattern: RegExp): Promise<void>;
  /** What stderr holds so far. */
  stderr(): string;
  /** What stdout holds so far. */
  stdout(): string;
}

/** How startCli starts the process. */
export interface StartOptions {
  /** Variables set on top of this process's environment. */
  env?: Record<string, string>;
  /** Variables of this process's environment the child does not inherit (`env` may still set them). */
  unsetEnv?: string[];
  nodeArgs?: string[];
  /** The leader of its own process group (so that a signal to the group reaches everything it started). */
  detached?: boolean;
}

/** The end of a long stderr (progress lines included), for failure messages. */
export function tail(text: string, chars = 3000): string {
  return text.length > chars ? '…' + text.slice(-chars) : text;
}

/** Starts `node <compiled bin.js> argv` with extra environment variables and Node options. */
export async function startCli(argv: string[], opts: StartOptions = {}): Promise<CliProcess> {
  const bin = await compiledCli();
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of opts.unsetEnv ?? []) delete env[k];
  Object.assign(env, opts.env);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), bin, ...argv], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.pattern.test(stderr)) waiters.splice(i, 1)[0]!.resolve();
    }
  });
  const done = new Promise<ProcessResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    done,
    stderr: () => stderr,
    stdout: () => stdout,
    stderrMatches(pattern: RegExp): Promise<void> {
      if (pattern.test(stderr)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void done.then((r) => reject(new Error(`process ended (code ${r.code}, signal ${r.signal}) before stderr matched ${pattern}:\n${tail(r.stderr)}`)));
      });
    },
  };
}

/** Runs the CLI to its end. */
export async function runCliProcess(argv: string[], opts: StartOptions = {}): Promise<ProcessResult> {
  return (await startCli(argv, opts)).done;
}
