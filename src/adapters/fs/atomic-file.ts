// The one durable atomic write (architecture.md, "Contracts"): a file is written under `<path>.tmp`, fsynced,
// renamed over `path` (atomic within one directory on POSIX), and the directory is fsynced so the rename
// itself survives a power cut. A reader therefore sees the old file or the whole new one, never a part.
// Every file dyadflow writes goes through `writeFileAtomic` (bytes in memory) or `createAtomicFile`
// (streamed: bounded memory, checksum computed on the way, so a 4 GB snapshot is never held or re-read).
import { createHash, type Hash } from 'node:crypto';
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DyadflowError } from '../../core/errors.js';

/** Size and SHA-256 (hex) of a written file: what manifests record. */
export interface FileDigest {
  bytes: number;
  sha256: string;
}

/** The suffix of every temporary file; a directory holding one after a crash can be cleaned by name. */
export const TMP_SUFFIX = '.tmp';

/** The temporary name a file is written under before it is renamed into place. */
export function tmpPathOf(path: string): string {
  return path + TMP_SUFFIX;
}

/** SHA-256 and size of bytes in memory (hashed in slices: one `update` call refuses more than 2 GiB). */
export function digestBytes(data: Uint8Array): FileDigest {
  const hash = createHash('sha256');
  updateInSlices(hash, data);
  return { bytes: data.byteLength, sha256: hash.digest('hex') };
}

// Node's hash.update takes at most ~2 GiB in one call ("data is too long"); slices keep any size hashable.
const HASH_SLICE = 1 << 28;

function updateInSlices(hash: Hash, data: Uint8Array): void {
  for (let at = 0; at < data.byteLength; at += HASH_SLICE) hash.update(data.subarray(at, Math.min(data.byteLength, at + HASH_SLICE)));
}

/** SHA-256 and size of a file, read in 1 MiB chunks (bounded memory). */
export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  let bytes = 0;
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** fsync of a directory, so a rename or unlink in it is durable (best effort where the file system refuses). */
export async function syncDirectory(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** A failure to write `path`, as a DyadflowError naming the file (DyadflowErrors pass through unchanged). */
export function writeError(path: string, err: unknown): DyadflowError {
  if (err instanceof DyadflowError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  // Out of space or quota may clear up; permissions and missing folders do not.
  const retriable = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EAGAIN';
  return new DyadflowError('DF_ERR_WRITE', `${path}: cannot write (${reason})`, { cause: err, retriable });
}

// Bytes written and hashed between two turns of the event loop (~10 ms of SHA-256).
const WRITE_SLICE = 1 << 22;

/** A file being written under its `.tmp` name: `write` chunks in order, then `commit` once (or `abort`). */
export interface AtomicFile {
  /** The final path. */
  readonly path: string;
  /** Bytes written so far. */
  readonly bytes: number;
  /** Appends a chunk (it may be reused by the caller once the promise resolves). */
  write(chunk: Uint8Array): Promise<void>;
  /** fsync, rename over `path`, fsync the directory; returns the size and SHA-256 of what was written. */
  commit(): Promise<FileDigest>;
  /** Closes and removes the `.tmp` file; `path` is left as it was. Safe to call after a failure or twice. */
  abort(): Promise<void>;
}

/** Opens `<path>.tmp` for a streamed atomic write (truncating a leftover one). */
export async function createAtomicFile(path: string): Promise<AtomicFile> {
  const tmp = tmpPathOf(path);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'w');
  } catch (err) {
    throw writeError(path, err);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  let state: 'open' | 'committed' | 'aborted' = 'open';
  const file: AtomicFile = {
    path,
    get bytes() {
      return bytes;
    },
    async write(chunk: Uint8Array): Promise<void> {
      if (state !== 'open') throw writeError(path, new Error(`write after ${state}`));
      // In slices of WRITE_SLICE: each is written, then hashed, so a large chunk never holds the event loop for
      // the whole of its hashing (the stream's writes share the loop with signal handling).
      for (let start = 0; start < chunk.byteLength; start += WRITE_SLICE) {
        const slice = chunk.subarray(start, Math.min(chunk.byteLength, start + WRITE_SLICE));
        try {
          let at = 0;
          while (at < slice.byteLength) {
            const { bytesWritten } = await fh.write(slice, at, slice.byteLength - at);
            at += bytesWritten;
          }
        } catch (err) {
          throw writeError(path, err);
        }
        hash.update(slice);
        bytes += slice.byteLength;
      }
    },
    async commit(): Promise<FileDigest> {
      if (state !== 'open') throw writeError(path, new Error(`commit after ${state}`));
      try {
        await fh.sync();
        await fh.close();
        state = 'committed';
        await rename(tmp, path);
      } catch (err) {
        state = 'aborted';
        await fh.close().catch(() => {});
        await rm(tmp, { force: true }).catch(() => {});
        throw writeError(path, err);
      }
      await syncDirectory(dirname(path));
      return { bytes, sha256: hash.digest('hex') };
    },
    async abort(): Promise<void> {
      if (state !== 'open') return;
      state = 'aborted';
      await fh.close().catch(() => {});
      await rm(tmp, { force: true }).catch(() => {});
    },
  };
  return file;
}

/** Writes `data` durably and atomically to `path` (see the header); returns its size and SHA-256. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<FileDigest> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const file = await createAtomicFile(path);
  try {
    await file.write(bytes);
    return await file.commit();
  } catch (err) {
    await file.abort();
    throw err;
  }
}

/** Removes a leftover `<path>.tmp` (after a failed write); no error when there is none. */
export async function removeTmpFile(path: string): Promise<void> {
  await rm(tmpPathOf(path), { force: true });
}

/**
 * Removes every `*.tmp` file directly in `dir` (what a killed run left behind); returns their names. A missing
 * directory has none. Only names ending in `.tmp` are touched: a run never removes a file it did not write.
 */
export async function removeStrayTmpFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith(TMP_SUFFIX)) continue;
    await rm(join(dir, name), { force: true, recursive: true });
    removed.push(name);
  }
  if (removed.length > 0) await syncDirectory(dir);
  return removed;
}
