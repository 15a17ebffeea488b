// manifest.json of a feature snapshot (issue 4 item 3; architecture.md "Contracts"): written last, after
// features.parquet and features.arrow, so its presence means the snapshot is whole. Deterministic: options,
// Table 1, counts, the column schema and checksums only; no timings, absolute paths or host names.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import { SPLIT, type FeatureTable, type Spread } from '../../core/features/feature-table.js';
import type { FeatureOptions, FeatureReport } from '../../core/features/build-feature-table.js';
import type { SubsampleOptions } from '../../core/dataset/subsample.js';
import type { Table1 } from '../../core/stats/table1.js';
import { validatorFor } from '../schemas/validators.js';
import { featureColumns, type FeatureColumn } from './columns.js';
import { writeFileAtomic, type FileDigest } from '../fs/atomic-file.js';

/** The manifest format this code writes and the only one it reads. */
export const SNAPSHOT_MANIFEST_FORMAT_VERSION = 1;

/** File names inside a snapshot directory. */
export const SNAPSHOT_FILES = {
  parquet: 'features.parquet',
  arrow: 'features.arrow',
  manifest: 'manifest.json',
} as const;

/** Rows and positive labels of one split. */
export interface SplitCounts {
  rows: number;
  click: number;
  bookmark: number;
  reply: number;
}

/** Row counts of a snapshot per split and label. */
export interface SnapshotRows {
  total: number;
  train: SplitCounts;
  test: SplitCounts;
}

/** Everything that decided the snapshot's bytes. */
export interface SnapshotOptions {
  features: FeatureOptions;
  subsample: SubsampleOptions;
  parquet: { rowGroupRows: number; compression: 'none' | 'snappy'; statistics: boolean };
}

/** What reading the input dropped (deterministic for the same files). */
export interface SnapshotInput {
  droppedDeletes: number;
  badRows: number;
}

/** The manifest.json document (schemas/snapshot-manifest.schema.json). */
export interface SnapshotManifest {
  formatVersion: number;
  kind: 'dyadflow.feature-snapshot';
  options: SnapshotOptions;
  input: SnapshotInput;
  /** The dataset's Table 1 after subsampling. */
  table1: Table1;
  rows: SnapshotRows;
  report: FeatureReport;
  columns: FeatureColumn[];
  files: { 'features.parquet': FileDigest; 'features.arrow': FileDigest };
}

/** Counts rows and positive labels per split of a FeatureTable. */
export function countSnapshotRows(table: FeatureTable): SnapshotRows {
  const zero = (): SplitCounts => ({ rows: 0, click: 0, bookmark: 0, reply: 0 });
  const bySplit = [zero(), zero()] as const;
  for (let i = 0; i < table.length; i++) {
    const c = bySplit[table.split[i] === SPLIT.test ? 1 : 0];
    c.rows++;
    c.click += table.click[i]!;
    c.bookmark += table.bookmark[i]!;
    c.reply += table.reply[i]!;
  }
  return { total: table.length, train: bySplit[0], test: bySplit[1] };
}

/** Assembles the manifest of a snapshot whose two data files are already written. */
export function buildSnapshotManifest(args: {
  options: SnapshotOptions;
  input: SnapshotInput;
  table1: Table1;
  report: FeatureReport;
  table: FeatureTable;
  spread: Spread;
  files: { parquet: FileDigest; arrow: FileDigest };
}): SnapshotManifest {
  return {
    formatVersion: SNAPSHOT_MANIFEST_FORMAT_VERSION,
    kind: 'dyadflow.feature-snapshot',
    options: args.options,
    input: args.input,
    table1: args.table1,
    rows: countSnapshotRows(args.table),
    report: args.report,
    columns: featureColumns(args.spread),
    files: {
      'features.parquet': { bytes: args.files.parquet.bytes, sha256: args.files.parquet.sha256 },
      'features.arrow': { bytes: args.files.arrow.bytes, sha256: args.files.arrow.sha256 },
    },
  };
}

/** Serialises a manifest: two-space JSON with a final newline (key order as built, so bytes are stable). */
export function serializeSnapshotManifest(manifest: SnapshotManifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}

/** Writes DIR/manifest.json atomically (`.tmp` + rename); call it after both data files are in place. */
export async function writeSnapshotManifest(dir: string, manifest: SnapshotManifest): Promise<FileDigest> {
  return writeFileAtomic(join(dir, SNAPSHOT_FILES.manifest), serializeSnapshotManifest(manifest));
}

/**
 * Parses and checks a manifest document: an unknown format version is refused with a message naming both
 * versions (before any other check, so a newer layout gets that message, not a schema error).
 */
export function parseSnapshotManifest(text: string, where: string = SNAPSHOT_FILES.manifest): SnapshotManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError('DF_ERR_MANIFEST_INVALID', `${where}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const version = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>).formatVersion : undefined;
  if (version !== SNAPSHOT_MANIFEST_FORMAT_VERSION) {
    throw new InputError(
      'DF_ERR_MANIFEST_VERSION',
      `${where}: snapshot manifest format version ${JSON.stringify(version) ?? 'missing'} is not supported ` +
        `(this dyadflow reads version ${SNAPSHOT_MANIFEST_FORMAT_VERSION})`,
    );
  }
  const validate = validatorFor<SnapshotManifest>('snapshot-manifest.schema.json');
  if (!validate(doc)) {
    const e = validate.errors?.[0];
    const at = e?.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'manifest';
    throw new InputError('DF_ERR_MANIFEST_INVALID', `${where}: ${at} ${e?.message ?? 'is invalid'}`);
  }
  return doc;
}

/** Reads and checks DIR/manifest.json (or a manifest file path). */
export async function readSnapshotManifest(path: string): Promise<SnapshotManifest> {
  const file = path.endsWith('.json') ? path : join(path, SNAPSHOT_FILES.manifest);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('DF_ERR_MANIFEST_MISSING', `${file}: cannot read (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseSnapshotManifest(text, file);
}
