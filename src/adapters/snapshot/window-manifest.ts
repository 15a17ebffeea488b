// manifest.json of a stream window's snapshot (snapshots/<window-id>/; schemas/window-snapshot-manifest.schema.json):
// written last, after features.parquet and features.arrow, so its presence means the snapshot is whole.
// Deterministic for the same events, options and seed, except `source` (where the events came from and the position
// after the window) and `closedBy` (idleness depends on the wall clock).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../core/errors.js';
import type { JsonValue } from '../../core/events/source.js';
import type { Spread } from '../../core/features/feature-table.js';
import type { WindowFeatureReport } from '../../core/features/window-snapshot.js';
import type { WindowEventCounts } from '../../core/window/window-events.js';
import { validatorFor } from '../schemas/validators.js';
import { writeFileAtomic, type FileDigest } from '../fs/atomic-file.js';
import { featureColumns, type FeatureColumn } from './columns.js';
import { SNAPSHOT_FILES } from './manifest.js';

/** The window manifest format this code writes and the only one it reads. */
export const WINDOW_MANIFEST_FORMAT_VERSION = 1;

/** What closed a window (method.md §5a). */
export type WindowClosedBy = 'watermark' | 'end-of-input' | 'idleness';

/** The manifest of snapshots/<window-id>/. */
export interface WindowSnapshotManifest {
  formatVersion: number;
  kind: 'dyadflow.window-snapshot';
  window: { id: string; startS: number; endS: number };
  closedBy: WindowClosedBy;
  options: { features: Record<string, unknown>; parquet: Record<string, unknown> };
  events: WindowEventCounts;
  report: WindowFeatureReport;
  source: { kind: 'file' | 'kafka'; position: JsonValue; lost?: JsonValue };
  columns: FeatureColumn[];
  files: { 'features.parquet': FileDigest; 'features.arrow': FileDigest };
}

/** Assembles a window's manifest (its two data files already written). */
export function buildWindowManifest(args: Omit<WindowSnapshotManifest, 'formatVersion' | 'kind' | 'columns'> & { spread: Spread }): WindowSnapshotManifest {
  const { spread, ...rest } = args;
  return {
    formatVersion: WINDOW_MANIFEST_FORMAT_VERSION,
    kind: 'dyadflow.window-snapshot',
    window: rest.window,
    closedBy: rest.closedBy,
    options: rest.options,
    events: rest.events,
    report: rest.report,
    source: rest.source,
    columns: featureColumns(spread),
    files: rest.files,
  };
}

/** Writes DIR/manifest.json of a window durably and atomically. */
export async function writeWindowManifest(dir: string, manifest: WindowSnapshotManifest): Promise<FileDigest> {
  return writeFileAtomic(join(dir, SNAPSHOT_FILES.manifest), JSON.stringify(manifest, null, 2) + '\n');
}

/** Reads and checks a window's manifest; an unknown format version is refused naming both versions. */
export async function readWindowManifest(dir: string): Promise<WindowSnapshotManifest> {
  const file = join(dir, SNAPSHOT_FILES.manifest);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError('DF_ERR_MANIFEST_MISSING', `${file}: cannot read (${err instanceof Error ? err.message : String(err)})`);
  }
  const version = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>).formatVersion : undefined;
  if (version !== WINDOW_MANIFEST_FORMAT_VERSION) {
    throw new InputError('DF_ERR_MANIFEST_VERSION', `${file}: window manifest format version ${JSON.stringify(version) ?? 'missing'} is not supported (this dyadflow reads version ${WINDOW_MANIFEST_FORMAT_VERSION})`);
  }
  const validate = validatorFor<WindowSnapshotManifest>('window-snapshot-manifest.schema.json');
  if (!validate(doc)) {
    const e = validate.errors?.[0];
    throw new InputError('DF_ERR_MANIFEST_INVALID', `${file}: ${e?.instancePath || 'manifest'} ${e?.message ?? 'is invalid'}`);
  }
  return doc;
}
