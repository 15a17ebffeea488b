// How a run owns an output directory (architecture.md, "Contracts"): it holds the directory's lock for the whole
// run (a second run exits 2 naming the holder), first removes the `.tmp` files an interrupted run left, removes
// the previous completion marker before it writes anything, and writes the marker last. A directory without its
// marker is incomplete.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStrayTmpFiles, syncDirectory } from '../src/adapters/fs/atomic-file.js';
import { withDirectoryLock } from '../src/adapters/fs/dir-lock.js';

/**
 * Runs `body` as the only writer of `dir` (created if missing): takes its lock, removes stray `.tmp` files in it
 * and in its subfolders down to `depth` levels (a killed run's leftovers; `warn` names them), and releases the
 * lock however `body` ends.
 */
export async function withOutputDirectory<T>(
  dir: string,
  command: string,
  warn: (message: string) => void,
  body: () => Promise<T>,
  depth = 0,
): Promise<T> {
  return withDirectoryLock(
    dir,
    command,
    async () => {
      for (const d of await foldersUnder(dir, depth)) {
        const removed = await removeStrayTmpFiles(d);
        if (removed.length > 0) warn(`${d}: removed ${removed.join(', ')}, left by an interrupted run`);
      }
      return body();
    },
    warn,
  );
}

/** `dir` and its subfolders down to `depth` levels (symbolic links not followed). */
async function foldersUnder(dir: string, depth: number): Promise<string[]> {
  const out = [dir];
  if (depth <= 0) return out;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await foldersUnder(join(dir, e.name), depth - 1)));
  }
  return out;
}

/** Removes (durably) a directory's completion marker: from now on the directory is being replaced. */
export async function removeCompletionMarker(dir: string, name: string): Promise<void> {
  await rm(join(dir, name), { force: true });
  await syncDirectory(dir);
}
