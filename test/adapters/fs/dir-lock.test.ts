import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirLockedError, LOCK_FILE, lockDirectory } from '../../../src/adapters/fs/dir-lock.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dyadflow-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('directory lock', () => {
  it('a second lock in the same process is refused naming the holder, and release frees it', async () => {
    const d = join(dir, 'a');
    const lock = await lockDirectory(d, 'features');
    const owner = JSON.parse(await readFile(join(d, LOCK_FILE), 'utf8'));
    expect(owner.pid).toBe(process.pid);
    expect(owner.command).toBe('features');
    const err = await lockDirectory(d, 'reproduce').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirLockedError);
    expect((err as Error).message).toMatch(/in use by features \(pid \d+/);
    await lock.release();
    const again = await lockDirectory(d, 'reproduce');
    await again.release();
  });

  it('a live process holding the lock (the parent of the test runner) is refused', async () => {
    const d = join(dir, 'b');
    await lockDirectory(d, 'x').then((l) => l.release());
    await writeFile(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: (await import('node:os')).hostname(), command: 'run', since: 't' }));
    await expect(lockDirectory(d, 'features')).rejects.toThrow(/in use by run \(pid/);
  });

  it('the lock of a dead owner is taken over with a message', async () => {
    const d = join(dir, 'c');
    await lockDirectory(d, 'x').then((l) => l.release());
    const pid = await deadPid();
    await writeFile(join(d, LOCK_FILE), JSON.stringify({ pid, host: (await import('node:os')).hostname(), command: 'features', since: 't' }));
    const messages: string[] = [];
    const lock = await lockDirectory(d, 'reproduce', (m) => messages.push(m));
    expect(messages.join('\n')).toMatch(new RegExp(`taking over the lock of features \\(pid ${pid}`));
    expect(JSON.parse(await readFile(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('an unreadable lock file is treated as stale', async () => {
    const d = join(dir, 'd');
    await lockDirectory(d, 'x').then((l) => l.release());
    await writeFile(join(d, LOCK_FILE), '{half');
    const messages: string[] = [];
    const lock = await lockDirectory(d, 'features', (m) => messages.push(m));
    expect(messages).toHaveLength(1);
    await lock.release();
  });
});

describe('directory lock and zombies', () => {
  it('a killed holder that nobody reaped yet (a zombie) holds nothing', async () => {
    const { spawn } = await import('node:child_process');
    const { hostname } = await import('node:os');
    const { readFileSync } = await import('node:fs');
    const d = join(dir, 'zombie');
    await lockDirectory(d, 'x').then((l) => l.release());
    // A grandchild whose parent never reaps it: the shell starts it, prints its pid and becomes `sleep` by exec.
    const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((r) => parent.stdout.once('data', (b: Buffer) => r(b.toString()))));
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toMatch(/\) Z /);
    await writeFile(join(d, LOCK_FILE), JSON.stringify({ pid, host: hostname(), command: 'run', since: 't' }));
    const messages: string[] = [];
    const lock = await lockDirectory(d, 'features', (m) => messages.push(m));
    expect(messages.join('\n')).toMatch(new RegExp(`taking over the lock of run \\(pid ${pid}`));
    await lock.release();
    parent.kill('SIGKILL');
  });
});
