// Atomic file writes and checksums for snapshots (architecture.md: every file is written to a name ending in
// `.tmp` and renamed, the manifest last, so a reader never sees half a snapshot).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DyadflowError } from '../../core/errors.js';

/** Size and SHA-256 (hex) of a written file: what the manifest records. */
export interface FileDigest {
  bytes: number;
  sha256: string;
}

/** The temporary name a file is written under before it is renamed into place. */
export function tmpPathOf(path: string): string {
  return path + '.tmp';
}

/** SHA-256 and size of bytes in memory. */
export function digestBytes(data: Uint8Array): FileDigest {
  return { bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

/** SHA-256 and size of a file, read as a stream (bounded memory for large snapshots). */
export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    bytes += buf.length;
    hash.update(buf);
  }
  return { bytes, sha256: hash.digest('hex') };
}

async function fsyncPath(path: string, flags: string): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Makes a finished `<path>.tmp` durable and renames it to `path` (atomic on POSIX within one directory).
 * The directory is synced afterwards so the rename itself survives a crash (best effort where unsupported).
 */
export async function commitTmpFile(path: string): Promise<void> {
  const tmp = tmpPathOf(path);
  await fsyncPath(tmp, 'r+');
  await rename(tmp, path);
  try {
    await fsyncPath(dirname(path), 'r');
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  }
}

/** A failure to write `path` as a DyadflowError naming the file (DyadflowErrors, e.g. invariants, pass through). */
export function snapshotWriteError(path: string, err: unknown): DyadflowError {
  if (err instanceof DyadflowError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new DyadflowError('DF_ERR_SNAPSHOT_WRITE', `${path}: cannot write (${reason})`, { cause: err });
}

/** Writes `data` to `<path>.tmp`, syncs it and renames it to `path`; returns its size and checksum. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<FileDigest> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tmpPathOf(path);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw snapshotWriteError(path, err);
  }
  try {
    await fsyncPath(dirname(path), 'r');
  } catch {
    // See commitTmpFile.
  }
  return digestBytes(bytes);
}

/** Removes a leftover `<path>.tmp` (after a failed write); no error when there is none. */
export async function removeTmpFile(path: string): Promise<void> {
  await rm(tmpPathOf(path), { force: true });
}
