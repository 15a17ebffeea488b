import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const FILES = ['interactions.csv', 'impressions.csv', 'users.csv', 'items.csv'];
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-generate-cli-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dyadflow generate', () => {
  it('writes the four RecSys 2016 files, byte-identical for the same seed, different for another', async () => {
    const a = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', join(root, 'a'), '--json']);
    const b = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', join(root, 'b')]);
    const c = await runCli(['generate', '--preset', 'tiny', '--seed', '2', '--out', join(root, 'c')]);
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    for (const f of FILES) {
      expect(Buffer.compare(await readFile(join(root, 'a', f)), await readFile(join(root, 'b', f))), f).toBe(0);
    }
    expect((await readFile(join(root, 'a', 'interactions.csv'))).equals(await readFile(join(root, 'c', 'interactions.csv')))).toBe(false);

    // Without a terminal each phase is a line on stderr, with --json too; then the timings.
    expect(a.stderr).toMatch(/^generate: build\ngenerate: write\ngenerate: tiny in \d+\.\d s \(build \d+\.\d s, write \d+\.\d s\)\n$/);
    const summary = JSON.parse(a.stdout) as Record<string, unknown>;
    expect(a.stdout.trim().split('\n')).toHaveLength(1);
    expect(summary).toMatchObject({ preset: 'tiny', seed: 1, firstWeek: '2015-W34', lastWeek: '2015-W39', latentDim: 8 });
    const interactions = (await readFile(join(root, 'a', 'interactions.csv'), 'utf8')).trimEnd().split('\n');
    expect(interactions[0]).toBe('user_id\titem_id\tinteraction_type\tcreated_at');
    expect(interactions.length - 1).toBe(summary.interactions);
    const impressions = (await readFile(join(root, 'a', 'impressions.csv'), 'utf8')).trimEnd().split('\n');
    expect(impressions[0]).toBe('user_id\tyear\tweek\titems');
    expect(impressions.length - 1).toBe(summary.impressionLines);
    expect(b.stdout).toMatch(/^generated tiny \(seed 1\) in .*: \d+ users, \d+ items, \d+ interactions/);
  });

  it('rejects an unknown preset or a bad seed with exit code 2 and one line', async () => {
    const bad = await runCli(['generate', '--preset', 'huge', '--out', join(root, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--preset huge');
    const seed = await runCli(['generate', '--preset', 'tiny', '--seed', '-3', '--out', join(root, 'x')]);
    expect(seed.code).toBe(2);
  });
});
