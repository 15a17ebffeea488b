// `dyadflow reproduce` and issue 10 end to end on the tiny preset: nothing left after subsampling is exit 2;
// the baselines and the oracle (from generate's truth.json, which features never read) sit beside every model.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let root: string;
let data: string;
let plain: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-honest-'));
  data = join(root, 'data');
  const g = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', data]);
  expect(g.code, g.stderr).toBe(0);
  // The same four files without the truth: what real data looks like.
  plain = join(root, 'plain');
  await mkdir(plain);
  for (const f of ['interactions.csv', 'impressions.csv', 'users.csv', 'items.csv']) await copyFile(join(data, f), join(plain, f));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dyadflow reproduce (issue 10)', () => {
  it('refuses data that subsampling empties: exit 2, naming the thresholds and the counts before and after', async () => {
    const r = await runCli(['reproduce', '--data', data, '--min-item-users', '100000', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('dyadflow:'));
    expect(lines).toEqual([
      expect.stringMatching(
        /^dyadflow: nothing left after subsampling with --min-item-users 100000 --min-user-items 30: \d+ users, \d+ offers, \d+ dyads before; 0 users, 0 offers, 0 dyads after/,
      ),
    ]);
  });

  it('puts the baselines and the oracle beside every model, with flags, tie counts and the recommendation', async () => {
    const r = await runCli(['reproduce', '--data', data, '--out', join(root, 'out'), '--json', '--grid-l2', '0.001']);
    expect(r.code, r.stderr).toBe(0);
    type Row = Record<string, unknown>;
    const doc = JSON.parse(r.stdout) as {
      fig2: Record<string, { baselines: Record<string, Row>; variants: Row; bestBaseline: Row; againstBestBaseline: Row }>;
      flags: unknown[];
      oracle: { preset: string; seed: number; testDyadsWithoutTruth: number } | null;
      recommendation: { kind: string };
      rows: { validationTiePlaced: number };
      features: { splitTiePlaced: number };
      selection: Record<string, { search: string }>;
    };
    for (const task of ['click', 'embedding', 'bookmark', 'reply']) {
      const e = doc.fig2[task]!;
      expect(Object.keys(e.baselines)).toEqual(['random', 'popularity', 'itemRate', 'oracle']);
      for (const b of Object.values(e.baselines)) {
        expect(Object.keys(b).sort()).toEqual(['aucPooled', 'auc', 'f1', 'map1', 'map5', 'map5Norm', 'pValuesVsMtl', 'pValuesVsStl'].sort());
      }
      // Both MTL variants beside every row, with the same fields as the baselines (p-values against STL and MTL).
      expect(Object.keys(e.variants)).toEqual(['bilinear', 'stacking']);
      for (const v of Object.values(e.variants as Record<string, Row>)) {
        expect(Object.keys(v).sort()).toEqual(['aucPooled', 'auc', 'f1', 'map1', 'map5', 'map5Norm', 'pValuesVsMtl', 'pValuesVsStl'].sort());
      }
      expect(Object.keys(e.againstBestBaseline)).toEqual(['stl', 'mtl', 'variants.bilinear', 'variants.stacking']);
    }
    expect(doc.oracle).toEqual({ preset: 'tiny', seed: 1, testDyadsWithoutTruth: 0, testDyads: expect.any(Number) });
    expect(Array.isArray(doc.flags)).toBe(true);
    expect(doc.recommendation.kind).toBe('mtl');
    expect(doc.features.splitTiePlaced).toBeGreaterThan(0);
    expect(doc.rows.validationTiePlaced).toBeGreaterThan(0);
    expect(doc.selection.mtl!.search).toBe('per-task');
    const report = await readFile(join(root, 'out', 'report.md'), 'utf8');
    for (const text of ['Does a model beat the best baseline?', 'How much of the learnable signal', 'Oracle (generator truth)', 'Recommended model kind: mtl']) {
      expect(report).toContain(text);
    }
  }, 180_000);

  it('has no oracle row without truth.json', async () => {
    const r = await runCli(['reproduce', '--data', plain, '--json', '--grid-l2', '0.001']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { fig2: { click: { baselines: Record<string, unknown> } }; oracle: unknown };
    expect(Object.keys(doc.fig2.click.baselines)).toEqual(['random', 'popularity', 'itemRate']);
    expect(doc.oracle).toBeNull();
  }, 180_000);

  it('builds the same features whatever truth.json holds: features never read it', async () => {
    const other = join(root, 'other');
    await mkdir(other);
    for (const f of ['interactions.csv', 'impressions.csv', 'users.csv', 'items.csv']) await copyFile(join(data, f), join(other, f));
    await writeFile(join(other, 'truth.json'), 'not json at all');
    const a = await runCli(['features', '--data', data, '--out', join(root, 'fa'), '--json']);
    const b = await runCli(['features', '--data', other, '--out', join(root, 'fb'), '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ma = await readFile(join(root, 'fa', 'manifest.json'));
    const mb = await readFile(join(root, 'fb', 'manifest.json'));
    expect(mb.equals(ma)).toBe(true);
  }, 120_000);
});
