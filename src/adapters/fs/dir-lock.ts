// Exclusive lock on an output directory (architecture.md, "Contracts"): a command that writes a directory
// holds `DIR/.dyadflow.lock`, a small JSON file with the owner's pid and command, created with O_EXCL so
// exactly one process can create it. A second run exits 2 naming the holder. A lock whose pid no longer
// runs on this host (a crash, kill -9) is stale: it is taken over with a message.
//
// Take-over race: two processes that both find the same stale lock could both remove it and create their
// own. After creating, each re-reads the file a moment later and backs off if it is not its own, which
// closes that window except for a process paused for longer than the re-read delay. Liveness is checked
// on this host only (a lock written on another host, e.g. over NFS, is treated as live).
import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from './process-alive.js';
import { DyadflowError, InputError } from '../../core/errors.js';
import { syncDirectory } from './atomic-file.js';

/** The lock file's name inside the locked directory. */
export const LOCK_FILE = '.dyadflow.lock';

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  /** ISO time the lock was taken (wall clock: only for the message a second run prints). */
  since: string;
}

/** A held lock; `release` removes the file if it is still ours. */
export interface DirLock {
  readonly dir: string;
  readonly path: string;
  release(): Promise<void>;
}

/** Locks held by this process (in-process runs, e.g. tests, share one pid). */
const heldHere = new Set<string>();

// How long to wait before re-reading a freshly created lock (see the header).
const CONFIRM_MS = 30;

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number') return null;
    return { pid: owner.pid, host: String(owner.host ?? ''), command: String(owner.command ?? '?'), since: String(owner.since ?? '?') };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') throw err;
    return null; // unreadable or half-written: treated as stale below
  }
}

function describe(owner: LockOwner): string {
  return `${owner.command} (pid ${owner.pid}${owner.host ? ` on ${owner.host}` : ''}, since ${owner.since})`;
}

/** The error a run gets when another live run holds the directory (exit 2: retrying now does not help). */
export class DirLockedError extends InputError {
  readonly owner: LockOwner;
  constructor(dir: string, owner: LockOwner) {
    super('DF_ERR_LOCKED', `${dir} is in use by ${describe(owner)}; wait for it to finish or choose another --out`);
    this.name = 'DirLockedError';
    this.owner = owner;
  }
}

/**
 * Takes the exclusive lock of `dir` (created if missing) for `command`. Throws DirLockedError when a live
 * process holds it; takes over a dead owner's lock, telling `warn`.
 */
export async function lockDirectory(dir: string, command: string, warn: (message: string) => void = () => {}): Promise<DirLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const self: LockOwner = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  const text = JSON.stringify(self) + '\n';
  for (let attempt = 0; attempt < 5; attempt++) {
    if (heldHere.has(path)) throw new DirLockedError(dir, (await readOwner(path).catch(() => null)) ?? self);
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await syncDirectory(dir);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
      let owner: LockOwner | null;
      try {
        owner = await readOwner(path);
      } catch {
        continue; // removed meanwhile: try again
      }
      if (owner !== null && (owner.host !== self.host || isProcessAlive(owner.pid)) && owner.pid !== process.pid) {
        throw new DirLockedError(dir, owner);
      }
      warn(`${dir}: taking over the lock of ${owner ? describe(owner) : 'an unreadable lock file'}, which is no longer running`);
      await rm(path, { force: true });
      continue;
    }
    await new Promise((r) => setTimeout(r, CONFIRM_MS));
    const now = await readOwner(path).catch(() => null);
    if (now === null || now.pid !== self.pid || now.since !== self.since || now.host !== self.host) {
      if (now !== null) throw new DirLockedError(dir, now);
      continue;
    }
    heldHere.add(path);
    let released = false;
    return {
      dir,
      path,
      async release(): Promise<void> {
        if (released) return;
        released = true;
        heldHere.delete(path);
        const cur = await readOwner(path).catch(() => null);
        if (cur !== null && cur.pid === self.pid && cur.since === self.since) await rm(path, { force: true });
      },
    };
  }
  throw new DyadflowError('DF_ERR_LOCKED', `${dir}: could not take the lock ${LOCK_FILE} after several attempts`, { retriable: true });
}

/** Runs `body` while holding the lock of `dir`, releasing it however `body` ends. */
export async function withDirectoryLock<T>(dir: string, command: string, body: () => Promise<T>, warn?: (message: string) => void): Promise<T> {
  const lock = await lockDirectory(dir, command, warn);
  try {
    return await body();
  } finally {
    await lock.release();
  }
}
