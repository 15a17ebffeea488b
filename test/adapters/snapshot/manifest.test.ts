import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSnapshotManifest,
  countSnapshotRows,
  parseSnapshotManifest,
  readSnapshotManifest,
  serializeSnapshotManifest,
  writeSnapshotManifest,
  type SnapshotManifest,
} from '../../../src/adapters/snapshot/manifest.js';
import { featureColumns } from '../../../src/adapters/snapshot/columns.js';
import { allocateFeatureTable } from '../../../src/adapters/snapshot/columns.js';
import { randomFeatureTable } from './random-table.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dyadflow-manifest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const table1 = {
  users: 3,
  offers: 4,
  dyads: 5,
  perUser: { displayed: 1.5, clicked: 1, bookmarked: 0, replied: 1 / 3, interactionsMean: 5 / 3, interactionsMedian: 2 },
  perOffer: { usersMean: 1.25, usersMedian: 1 },
  sparsity: 7 / 12,
};
const report = {
  dyads: 5,
  trainRows: 3,
  testRows: 2,
  labels: { train: { click: 2, bookmark: 0, reply: 1 }, test: { click: 1, bookmark: 0, reply: 0 } },
  fewerThanK: 5,
  noNeighbours: 2,
  splitTiePlaced: 0,
  usersWithoutProfile: 1,
  itemsWithoutProfile: 0,
};
const options = {
  features: {
    k: 50,
    similarity: 'weighted' as const,
    neighbourhood: 'item' as const,
    spread: 'std' as const,
    leaveOneOut: true,
    leakage: 'none' as const,
    split: 'time' as const,
    seed: 1,
  },
  subsample: { minItemUsers: 30, minUserItems: 30 },
  parquet: { rowGroupRows: 8192, compression: 'snappy' as const, statistics: true },
};
const digest = (c: string) => ({ bytes: 10, sha256: c.repeat(64) });

function manifest(): SnapshotManifest {
  return buildSnapshotManifest({
    options,
    input: { droppedDeletes: 2, badRows: 1 },
    table1,
    report,
    table: randomFeatureTable(40, 9),
    spread: 'std',
    files: { parquet: digest('a'), arrow: digest('b') },
  });
}

describe('countSnapshotRows', () => {
  it('counts rows and positive labels per split', () => {
    const t = allocateFeatureTable(5);
    t.split.set([0, 1, 0, 0, 1]);
    t.click.set([1, 1, 0, 1, 0]);
    t.bookmark.set([0, 0, 0, 1, 0]);
    t.reply.set([1, 0, 0, 0, 1]);
    expect(countSnapshotRows(t)).toEqual({
      total: 5,
      train: { rows: 3, click: 2, bookmark: 1, reply: 1 },
      test: { rows: 2, click: 1, bookmark: 0, reply: 1 },
    });
  });
});

describe('snapshot manifest', () => {
  it('holds the format version, options, input, Table 1, rows, report, columns and file digests', () => {
    const m = manifest();
    expect(Object.keys(m)).toEqual(['formatVersion', 'kind', 'options', 'input', 'table1', 'rows', 'report', 'columns', 'files']);
    expect(m.formatVersion).toBe(1);
    expect(m.columns).toEqual(featureColumns('std'));
    expect(m.files['features.arrow']).toEqual(digest('b'));
    expect(m.rows.total).toBe(40);
    expect(m.rows.train.rows + m.rows.test.rows).toBe(40);
  });

  it('serialises to the same bytes every time and parses back to the same document', () => {
    const text = serializeSnapshotManifest(manifest());
    expect(serializeSnapshotManifest(manifest())).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseSnapshotManifest(text)).toEqual(manifest());
  });

  it('is written atomically as DIR/manifest.json and read back', async () => {
    const d = await writeSnapshotManifest(dir, manifest());
    expect((await readFile(join(dir, 'manifest.json'))).length).toBe(d.bytes);
    expect(await readSnapshotManifest(dir)).toEqual(manifest());
    expect(await readSnapshotManifest(join(dir, 'manifest.json'))).toEqual(manifest());
  });

  it('refuses an unknown format version with a message naming both versions', async () => {
    const path = join(dir, 'v2.json');
    await writeFile(path, JSON.stringify({ ...manifest(), formatVersion: 2, somethingNew: true }));
    await expect(readSnapshotManifest(path)).rejects.toThrow(
      /v2\.json: snapshot manifest format version 2 is not supported \(this dyadflow reads version 1\)/,
    );
    expect(() => parseSnapshotManifest('{}')).toThrow(/format version missing is not supported/);
  });

  it('refuses a document that does not follow the schema, and text that is not JSON', () => {
    const bad = { ...manifest(), files: { 'features.parquet': digest('a'), 'features.arrow': { bytes: 1, sha256: 'xyz' } } };
    expect(() => parseSnapshotManifest(JSON.stringify(bad))).toThrow(/files\.features\.arrow\.sha256 must match pattern/);
    expect(() => parseSnapshotManifest('{"formatVersion": 1, "kind": "dyadflow.feature-snapshot"}')).toThrow(/manifest\.json: manifest must have required property/);
    expect(() => parseSnapshotManifest('nope')).toThrow(/not JSON/);
  });

  it('reports a missing manifest as an input error', async () => {
    await expect(readSnapshotManifest(join(dir, 'nowhere'))).rejects.toThrow(/nowhere\/manifest\.json: cannot read/);
  });
});
