// Helpers of the stream's fault tests: a real `dyadflow run` as its own process group, stopped at a chosen point by
// the test-only preload stream-hook.mjs and killed there (SIGKILL to the group) or signalled; file digests of an
// output directory; a seeded random generator for the kill points; datasets with bad lines.
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { LOCK_FILE } from '../../src/adapters/fs/dir-lock.js';
import { startCli, tail, type ProcessResult } from '../helpers/cli-process.js';

const HOOK = fileURLToPath(new URL('./stream-hook.mjs', import.meta.url));
/** The hook's variables: never inherited, so that only the point given here stops the run. */
const HOOK_VARIABLES = ['DYADFLOW_TEST_AT', 'DYADFLOW_TEST_DO', 'DYADFLOW_TEST_WINDOW'];

/** Where stream-hook.mjs stops or announces the process (see its header). */
export interface HookPoint {
  /** DYADFLOW_TEST_AT, e.g. `open:features.parquet.tmp`, `phase:2015-W36:train`. */
  at: string;
  /** File points count only once a progress line of this window was printed. */
  window?: string;
  do?: 'stop' | 'notify' | 'await-signal';
}

/** A `dyadflow run` process, the leader of its own process group. */
export interface RunProcess {
  child: ChildProcess;
  done: Promise<ProcessResult>;
  stderr(): string;
  stdout(): string;
  /** Resolves once stderr matches (rejects, with the stderr, if the process ends first). */
  waitFor(pattern: RegExp): Promise<void>;
  /** Sends `signal` to the whole process group. */
  signalGroup(signal: NodeJS.Signals): void;
  /** SIGKILL to the group; resolves once the process is gone, and checks it was the kill that ended it. */
  kill(): Promise<ProcessResult>;
}

/** Starts `dyadflow argv` (compiled) under the hook, detached into its own process group. */
export async function startRun(argv: string[], point: HookPoint | null = null): Promise<RunProcess> {
  const env: Record<string, string> = {};
  if (point) {
    env.DYADFLOW_TEST_AT = point.at;
    env.DYADFLOW_TEST_DO = point.do ?? 'stop';
    if (point.window !== undefined) env.DYADFLOW_TEST_WINDOW = point.window;
  }
  const proc = await startCli(argv, { env, unsetEnv: HOOK_VARIABLES, nodeArgs: ['--import', HOOK], detached: true });
  const { child, done } = proc;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ESRCH') throw err;
    }
  };
  return {
    child,
    done,
    stderr: () => proc.stderr(),
    stdout: () => proc.stdout(),
    waitFor: (pattern) => proc.stderrMatches(pattern),
    signalGroup,
    async kill(): Promise<ProcessResult> {
      signalGroup('SIGKILL');
      const r = await done;
      expect(r.signal, `the run ended before it was killed:\n${tail(r.stderr)}`).toBe('SIGKILL');
      return r;
    },
  };
}

export { tail };

/** The hook's line once the process stopped (or waits) at its point. */
export const STOPPED = /dyadflow-test: (stopped at|waiting at|at) /;

/** Every file under `dir` with its SHA-256, except the lock and those `skip` names (paths relative, `/`-separated). */
export async function fileDigests(dir: string, skip: (path: string) => boolean = () => false): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name === LOCK_FILE) continue;
    const path = join(e.parentPath, e.name);
    const rel = path.slice(dir.length + 1);
    if (skip(rel)) continue;
    out[rel] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** What a run's outputs must reproduce: every file but run.log (wall-clock timings) and the lock. */
export const reproducible = (path: string): boolean => path !== 'run.log';

/** `.tmp` files anywhere under `dir`. */
export async function tmpFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((p) => p.endsWith('.tmp')).sort();
}

/** Subfolders of `dir` (sorted), none when it is missing. */
export async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** mulberry32: the test's own seeded generator (the kill points must be the same in every run of the test). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a fault test: DYADFLOW_FAULT_SEED when set (to replay a failure), else `fallback`. */
export function faultSeed(fallback: number): number {
  const s = process.env.DYADFLOW_FAULT_SEED;
  return s === undefined || s === '' ? fallback : Number(s);
}

/**
 * Inserts `bad` lines into a RecSys file after the data lines at the given 0-based positions (the header stays
 * first); returns the 1-based line numbers the bad lines end up on.
 */
export async function insertLines(path: string, bad: { after: number; text: string }[]): Promise<number[]> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const last = lines.pop();
  expect(last).toBe('');
  const [header, ...data] = lines;
  const byPos = [...bad].sort((a, b) => a.after - b.after);
  const out = [header!];
  const lineNos: number[] = [];
  let k = 0;
  for (let i = 0; i <= data.length; i++) {
    while (k < byPos.length && byPos[k]!.after === i) {
      out.push(byPos[k]!.text);
      lineNos.push(out.length);
      k++;
    }
    if (i < data.length) out.push(data[i]!);
  }
  expect(k).toBe(byPos.length);
  await writeFile(path, out.join('\n') + '\n');
  return lineNos;
}

/** The metrics lines of a run directory. */
export async function metricsLines(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'metrics.ndjson'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.length > 0);
}
