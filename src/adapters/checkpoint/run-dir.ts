// The output directory of `run` (architecture.md, "An output directory of run"): its fixed layout, the run's
// configuration (a resume with other options is refused, naming the difference), the append-only files whose
// checkpointed lengths a resume truncates them to, the checkpoints (the last two kept), the LATEST model pointer,
// and the recovery a resume does after a crash: stray `.tmp` files and the snapshots and models of windows after
// the last checkpoint are removed, so the directory is exactly what the checkpoint describes.
import { mkdir, open, readFile, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InputError } from '../../core/errors.js';
import { removeStrayTmpFiles, syncDirectory, writeFileAtomic } from '../fs/atomic-file.js';
import { DEAD_LETTERS_HEADER, type BadRow, type DeadLetterSink } from '../recsys16/bad-row.js';
import { readCheckpointFile, readCheckpointMeta, writeCheckpointFile, type CheckpointContent } from './checkpoint-file.js';

/** Names inside a run's output directory. */
export const RUN_LAYOUT = {
  config: 'run.json',
  metrics: 'metrics.ndjson',
  deadLetters: 'dead-letters.ndjson',
  log: 'run.log',
  report: 'report.md',
  state: 'state',
  snapshots: 'snapshots',
  models: 'models',
  latest: 'LATEST',
} as const;

/** The run configuration format this build writes and reads. */
export const RUN_CONFIG_FORMAT_VERSION = 1;

/** The paths of the differences between two JSON values (`a.b.c`), sorted; empty when equal. */
export function jsonDifferences(a: unknown, b: unknown, path = ''): string[] {
  if (a === b) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [path || '(root)'];
    return a.flatMap((v, i) => jsonDifferences(v, b[i], `${path}[${i}]`));
  }
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => jsonDifferences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return [path || '(root)'];
}

function show(v: unknown): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

function valueAt(v: unknown, path: string): unknown {
  let cur: unknown = v;
  for (const part of path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Writes `run.json` with the run's options on a new directory; on an existing one, refuses (exit 2) options that
 * differ from the stored ones, naming each difference. Returns whether the directory already had a configuration.
 */
export async function checkRunConfig(outDir: string, options: Record<string, unknown>): Promise<{ existed: boolean }> {
  const path = join(outDir, RUN_LAYOUT.config);
  let text: string | null = null;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
  }
  const wanted = { formatVersion: RUN_CONFIG_FORMAT_VERSION, options };
  if (text === null) {
    await writeFileAtomic(path, JSON.stringify(wanted, null, 2) + '\n');
    return { existed: false };
  }
  let stored: { formatVersion?: unknown; options?: unknown };
  try {
    stored = JSON.parse(text) as typeof stored;
  } catch {
    throw new InputError('DF_ERR_RUN_CONFIG', `${path}: not a dyadflow run configuration (unreadable JSON)`);
  }
  if (stored.formatVersion !== RUN_CONFIG_FORMAT_VERSION) {
    throw new InputError('DF_ERR_RUN_CONFIG', `${path}: run configuration format version ${show(stored.formatVersion)}; this build reads version ${RUN_CONFIG_FORMAT_VERSION}`);
  }
  const diff = jsonDifferences(stored.options, options);
  if (diff.length > 0) {
    const shown = diff.slice(0, 8).map((p) => `${p}: ${show(valueAt(stored.options, p))} in the directory, ${show(valueAt(options, p))} now`);
    throw new InputError(
      'DF_ERR_RUN_OPTIONS_DIFFER',
      `${outDir} was started with other options; resume with the same ones or choose another --out (${shown.join('; ')}${diff.length > 8 ? `; and ${diff.length - 8} more` : ''})`,
    );
  }
  return { existed: true };
}

/**
 * An append-only file (metrics.ndjson, dead-letters.ndjson): lines are appended and synced before a checkpoint
 * records its length; a resume truncates it back to that length, dropping what a crashed window appended.
 */
export class AppendOnlyFile {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private length: number,
  ) {}

  /** Opens (creating) `path` for appending; with `truncateTo`, first cuts it to that many bytes (a resume). */
  static async open(path: string, truncateTo: number | null = null): Promise<AppendOnlyFile> {
    const fh = await open(path, 'a+');
    let size = (await fh.stat()).size;
    if (truncateTo !== null) {
      if (truncateTo > size) {
        await fh.close();
        throw new InputError('DF_ERR_RUN_DAMAGED', `${path} has ${size} bytes but the checkpoint recorded ${truncateTo}: the directory was changed outside dyadflow`);
      }
      if (truncateTo < size) {
        await fh.truncate(truncateTo);
        await fh.sync();
        size = truncateTo;
      }
    }
    return new AppendOnlyFile(path, fh, size);
  }

  /** Bytes in the file, what a checkpoint records. */
  get bytes(): number {
    return this.length;
  }

  /** Appends text (written at the end; not yet durable). */
  async append(text: string): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    let at = 0;
    while (at < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, at, buf.length - at);
      at += bytesWritten;
    }
    this.length += buf.length;
  }

  /** Makes everything appended so far durable. */
  async sync(): Promise<void> {
    await this.fh.sync();
  }

  /** Cuts the file back to `length` bytes (what a window that is abandoned appended goes). */
  async truncate(length: number): Promise<void> {
    if (length >= this.length) return;
    await this.fh.truncate(length);
    await this.fh.sync();
    this.length = length;
  }

  /** Syncs and closes. */
  async close(): Promise<void> {
    await this.fh.sync().catch(() => {});
    await this.fh.close();
  }
}

/** A checkpoint found in `state/`: its sequence number, window id and content. */
export interface FoundCheckpoint {
  seq: number;
  windowId: string;
  path: string;
  content: CheckpointContent;
}

const CHECKPOINT_NAME = /^(\d{8})-(.+)\.ckpt$/;

function checkpointName(seq: number, windowId: string): string {
  return `${String(seq).padStart(8, '0')}-${windowId.replace(/:/g, '')}.ckpt`;
}

async function listCheckpoints(outDir: string): Promise<{ seq: number; name: string }[]> {
  let names: string[];
  try {
    names = await readdir(join(outDir, RUN_LAYOUT.state));
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .map((name) => ({ name, m: CHECKPOINT_NAME.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ seq: Number(m[1]), name }))
    .sort((a, b) => b.seq - a.seq);
}

/** Writes checkpoint number `seq` (after window `windowId`) into `state/`, then keeps only the newest `keep`. */
export async function writeRunCheckpoint(outDir: string, seq: number, windowId: string, content: CheckpointContent, keep = 2): Promise<void> {
  const dir = join(outDir, RUN_LAYOUT.state);
  await mkdir(dir, { recursive: true });
  await writeCheckpointFile(join(dir, checkpointName(seq, windowId)), content);
  await pruneCheckpoints(outDir, keep);
}

/** Removes all but the newest `keep` checkpoints (a run killed between a checkpoint and this leaves one more). */
export async function pruneCheckpoints(outDir: string, keep = 2): Promise<string[]> {
  const dir = join(outDir, RUN_LAYOUT.state);
  const all = await listCheckpoints(outDir);
  const old = all.slice(Math.max(1, keep));
  for (const c of old) await rm(join(dir, c.name), { force: true });
  if (old.length > 0) await syncDirectory(dir);
  return old.map((c) => `${RUN_LAYOUT.state}/${c.name}`);
}

/**
 * The newest readable checkpoint of `kind` (an older one when the newest is damaged: `onSkip` is told), or null
 * for a directory without any.
 */
export async function latestRunCheckpoint(outDir: string, kind: string, onSkip: (message: string) => void = () => {}): Promise<FoundCheckpoint | null> {
  for (const c of await listCheckpoints(outDir)) {
    const path = join(outDir, RUN_LAYOUT.state, c.name);
    try {
      const content = await readCheckpointFile(path, kind);
      return { seq: c.seq, windowId: CHECKPOINT_NAME.exec(c.name)![2]!, path, content };
    } catch (err) {
      if (err instanceof InputError && err.code === 'DF_ERR_CHECKPOINT_VERSION') throw err;
      onSkip(`${path}: skipped (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return null;
}

/** The metadata of the newest checkpoint whose header reads (its arrays are not read), or null. */
export async function latestRunCheckpointMeta(outDir: string, kind: string): Promise<{ seq: number; windowId: string; path: string; meta: unknown } | null> {
  for (const c of await listCheckpoints(outDir)) {
    const path = join(outDir, RUN_LAYOUT.state, c.name);
    try {
      return { seq: c.seq, windowId: CHECKPOINT_NAME.exec(c.name)![2]!, path, meta: await readCheckpointMeta(path, kind) };
    } catch (err) {
      if (err instanceof InputError && err.code === 'DF_ERR_CHECKPOINT_VERSION') throw err;
    }
  }
  return null;
}

/** Replaces `models/LATEST` (the id of the newest complete model) atomically. */
export async function writeLatestModel(outDir: string, modelId: string): Promise<void> {
  await writeFileAtomic(join(outDir, RUN_LAYOUT.models, RUN_LAYOUT.latest), modelId + '\n');
}

/** The id in `models/LATEST`, or null. */
export async function readLatestModel(outDir: string): Promise<string | null> {
  try {
    return (await readFile(join(outDir, RUN_LAYOUT.models, RUN_LAYOUT.latest), 'utf8')).trim() || null;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return null;
    throw err;
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * After a crash: removes stray `.tmp` files everywhere in the layout and the snapshot and model directories of
 * windows that are not `done` (a window is done when the checkpoint covers it). Returns what was removed. Given the
 * checkpoint's model (`latestModel`, null for none), models/LATEST is first put back to it: a window publishes its
 * model before its checkpoint, so LATEST may name a model about to be removed.
 */
export async function recoverRunDirectory(outDir: string, done: (windowId: string) => boolean, latestModel?: string | null): Promise<string[]> {
  const removed: string[] = [];
  if (latestModel !== undefined) {
    const latest = await readLatestModel(outDir);
    if (latest !== latestModel) {
      if (latestModel === null) {
        await rm(join(outDir, RUN_LAYOUT.models, RUN_LAYOUT.latest), { force: true });
        await syncDirectory(join(outDir, RUN_LAYOUT.models));
        removed.push(`${RUN_LAYOUT.models}/${RUN_LAYOUT.latest}`);
      } else {
        await writeLatestModel(outDir, latestModel);
        removed.push(`${RUN_LAYOUT.models}/${RUN_LAYOUT.latest} (${latest} → ${latestModel})`);
      }
    }
  }
  for (const name of await removeStrayTmpFiles(outDir)) removed.push(name);
  for (const sub of [RUN_LAYOUT.state, RUN_LAYOUT.snapshots, RUN_LAYOUT.models]) {
    const dir = join(outDir, sub);
    for (const name of await removeStrayTmpFiles(dir)) removed.push(`${sub}/${name}`);
    if (sub === RUN_LAYOUT.state) continue;
    for (const id of await subdirectories(dir)) {
      if (!done(id)) {
        await rm(join(dir, id), { recursive: true, force: true });
        removed.push(`${sub}/${id}/`);
        continue;
      }
      for (const name of await removeStrayTmpFiles(join(dir, id))) removed.push(`${sub}/${id}/${name}`);
    }
  }
  return removed;
}

/** Removes the oldest snapshot and model directories beyond the newest `keep` (never the model `protect`); returns their ids. */
export async function pruneWindows(outDir: string, keep: number, protect: string | null): Promise<string[]> {
  const pruned = new Set<string>();
  for (const sub of [RUN_LAYOUT.snapshots, RUN_LAYOUT.models]) {
    const ids = await subdirectories(join(outDir, sub));
    for (const id of ids.slice(0, Math.max(0, ids.length - keep))) {
      if (sub === RUN_LAYOUT.models && id === protect) continue;
      await rm(join(outDir, sub, id), { recursive: true, force: true });
      pruned.add(id);
    }
  }
  return [...pruned].sort();
}

/** Bytes under a directory (files only), for the disk-use figures. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await directoryBytes(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

/**
 * The stream's dead letters (file source): `dead-letters.ndjson` in the output directory, an append-only file that
 * begins with the dead-letter header record, truncated on resume like metrics.ndjson. `add` buffers (the sources
 * call it synchronously); `flush` appends what is buffered, before the window's checkpoint records the length.
 * File names are written relative to the data folder, so the file does not depend on where the data lies.
 */
export class StreamDeadLetters implements DeadLetterSink {
  private pending = '';
  private added = 0;

  private constructor(
    private readonly file: AppendOnlyFile,
    private readonly dataDir: string,
  ) {}

  /** Opens (creating, with the header) or reopens the file, truncated to `truncateTo` on a resume. */
  static async open(path: string, dataDir: string, truncateTo: number | null): Promise<StreamDeadLetters> {
    const file = await AppendOnlyFile.open(path, truncateTo);
    if (file.bytes === 0) await file.append(JSON.stringify(DEAD_LETTERS_HEADER) + '\n');
    return new StreamDeadLetters(file, dataDir);
  }

  add(bad: BadRow): void {
    const name = relative(this.dataDir, bad.file) || bad.file;
    this.pending += JSON.stringify({ file: name, line: bad.line, reason: bad.reason, raw: bad.raw }) + '\n';
    this.added++;
  }

  /** Bad rows added by this process (not counting earlier runs'). */
  get count(): number {
    return this.added;
  }

  /** Bytes in the file after the last flush: what a checkpoint records. */
  get bytes(): number {
    return this.file.bytes;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = '';
    await this.file.append(text);
  }

  /** Drops what is buffered and cuts the file back to `length` bytes (an abandoned window's bad rows). */
  async truncate(length: number): Promise<void> {
    this.pending = '';
    await this.file.truncate(length);
  }

  /** Flushes and makes the file durable. */
  async sync(): Promise<void> {
    await this.flush();
    await this.file.sync();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.file.close();
  }
}
