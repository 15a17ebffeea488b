// `dyadflow reproduce` end to end on the tiny preset: the --json document's shape, the files of --out, and
// determinism (same data, options and seed → the same results.json bytes).
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let root: string;
let data: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-reproduce-'));
  data = join(root, 'data');
  const g = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', data]);
  expect(g.code).toBe(0);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const METRICS = ['f1', 'auc', 'aucPooled', 'map1', 'map5', 'map5Norm'];

describe('dyadflow reproduce', () => {
  it('prints one JSON document with table1, fig2, timings and options, and writes the same results.json twice', async () => {
    const a = await runCli(['reproduce', '--data', data, '--out', join(root, 'a'), '--json', '--grid-l2', '0.001']);
    expect(a.code, a.stderr).toBe(0);
    // Without a terminal, with --json too, every phase and every training (the final ones included) is a line.
    for (const phase of ['load', 'subsample', 'features', 'train+evaluate', 'training mtl (final)', 'write']) expect(a.stderr).toContain(`reproduce: ${phase}\n`);
    type Metrics = Record<string, number | null>;
    type Entry = { stl: Metrics; mtl: Metrics; pValues: Metrics; pValuesRankSum: Metrics };
    const doc = JSON.parse(a.stdout) as {
      table1: { perUser: Record<string, number> } & Record<string, unknown>;
      fig2: Record<string, Entry>;
      timings: { total: number };
    };
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['table1', 'fig2', 'timings', 'options']));
    expect(Object.keys(doc.table1).sort()).toEqual(['dyads', 'offers', 'perOffer', 'perUser', 'sparsity', 'users']);
    expect(Object.keys(doc.table1.perUser).sort()).toEqual(
      ['bookmarked', 'clicked', 'displayed', 'interactionsMean', 'interactionsMedian', 'replied'],
    );
    expect(Object.keys(doc.fig2)).toEqual(['click', 'embedding', 'bookmark', 'reply']);
    for (const task of Object.keys(doc.fig2)) {
      const e = doc.fig2[task]!;
      expect(Object.keys(e.stl).sort()).toEqual([...METRICS].sort());
      expect(Object.keys(e.mtl).sort()).toEqual([...METRICS].sort());
      expect(Object.keys(e.pValues).sort()).toEqual(['auc', 'map1', 'map5']);
      expect(Object.keys(e.pValuesRankSum).sort()).toEqual(['auc', 'map1', 'map5']);
      // tiny leaves users with both classes for every task, so every metric is defined.
      for (const m of METRICS) {
        expect(e.stl[m], `${task} stl ${m}`).toEqual(expect.any(Number));
        expect(e.mtl[m], `${task} mtl ${m}`).toEqual(expect.any(Number));
      }
    }
    expect(doc.timings.total).toBeGreaterThan(0);

    const files = await readdir(join(root, 'a'));
    expect(files).toEqual(
      expect.arrayContaining(['report.md', 'results.json', 'loss-click.svg', 'loss-embedding.svg', 'loss-bookmark.svg', 'loss-reply.svg', 'models']),
    );
    const report = await readFile(join(root, 'a', 'report.md'), 'utf8');
    expect(report).toContain('Did MTL beat STL?');
    for (const label of ['Click (ranking)', 'Embedding', 'Bookmark (classification)', 'Reply (classification)']) expect(report).toContain(label);

    const b = await runCli(['reproduce', '--data', data, '--out', join(root, 'b'), '--json', '--grid-l2', '0.001']);
    expect(b.code, b.stderr).toBe(0);
    const ra = await readFile(join(root, 'a', 'results.json'));
    const rb = await readFile(join(root, 'b', 'results.json'));
    expect(rb.equals(ra)).toBe(true);
    expect(ra.toString()).not.toMatch(/"timings"|\/tmp|dyadflow-reproduce-/);
    const ma = await readFile(join(root, 'a', 'models', 'mtl', 'parameters.bin'));
    const mb = await readFile(join(root, 'b', 'models', 'mtl', 'parameters.bin'));
    expect(mb.equals(ma)).toBe(true);
  }, 180_000);

  it('a different seed gives different models', async () => {
    const c = await runCli(['reproduce', '--data', data, '--out', join(root, 'c'), '--json', '--grid-l2', '0.001', '--seed', '2']);
    expect(c.code, c.stderr).toBe(0);
    const ra = await readFile(join(root, 'a', 'models', 'mtl', 'parameters.bin'));
    const rc = await readFile(join(root, 'c', 'models', 'mtl', 'parameters.bin'));
    expect(rc.equals(ra)).toBe(false);
  }, 180_000);

  it('defines every metric on tiny under the random 30/70 split too', async () => {
    const r = await runCli(['reproduce', '--data', data, '--json', '--grid-l2', '0.001', '--split', 'random']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { fig2: Record<string, Record<'stl' | 'mtl', Record<string, number | null>>> };
    const nulls = Object.entries(doc.fig2).flatMap(([task, e]) =>
      (['stl', 'mtl'] as const).flatMap((side) => Object.entries(e[side]).filter(([, v]) => v === null).map(([m]) => `${task} ${side} ${m}`)),
    );
    expect(nulls).toEqual([]);
  }, 180_000);

  it('rejects a bad option and a missing data folder with exit code 2 and one line', async () => {
    const bad = await runCli(['reproduce', '--data', data, '--grid-l2', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await runCli(['reproduce', '--data', join(root, 'nope'), '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^dyadflow: .*nope.*no such file/)]);
  });
});
