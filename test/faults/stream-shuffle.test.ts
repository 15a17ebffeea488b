// Issue 11, must show: the same events with the lines of each file shuffled within each window give byte-identical
// snapshots, models, metrics and report to the ordered run; window manifests are equal apart from `source` (the
// positions: a sorted file's are counts of rows handed out, an ordered file's byte offsets). The file source sorts a
// file that is not in event-time order, and says so. Impressions within one week share their event time, so
// shuffling them within the window leaves the file in order (ties in another order): a second input shuffles both
// files across the whole file, so that the impressions are sorted too. Seeded (DYADFLOW_FAULT_SEED replays a failure).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoYearWeek } from '../../src/core/time/iso-week.js';
import { runCli } from '../helpers/cli.js';
import { faultSeed, fileDigests, seededRandom, subdirs } from './stream-process.js';

const SEED = faultSeed(4_242);

let root: string;
let ordered: string;
let shuffled: string;
let mixed: string;

/** Shuffles the data lines of a file within groups of consecutive lines with the same key (the header stays first). */
async function shuffleWithin(path: string, keyOf: (fields: string[]) => string, rng: () => number): Promise<{ lines: number; moved: number }> {
  const [header, ...data] = (await readFile(path, 'utf8')).split('\n').filter((l) => l.length > 0);
  const out: string[] = [header!];
  let moved = 0;
  for (let start = 0; start < data.length; ) {
    const key = keyOf(data[start]!.split('\t'));
    let end = start + 1;
    while (end < data.length && keyOf(data[end]!.split('\t')) === key) end++;
    const group = data.slice(start, end);
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [group[i], group[j]] = [group[j]!, group[i]!];
    }
    group.forEach((l, k) => (moved += l === data[start + k] ? 0 : 1));
    out.push(...group);
    start = end;
  }
  await writeFile(path, out.join('\n') + '\n');
  return { lines: data.length, moved };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-stream-shuffle-'));
  ordered = join(root, 'ordered');
  shuffled = join(root, 'shuffled');
  mixed = join(root, 'mixed');
  for (const dir of [ordered, shuffled, mixed]) expect((await runCli(['generate', '--preset', 'tiny', '--seed', '5', '--out', dir])).code).toBe(0);
  const rng = seededRandom(SEED);
  // Weekly windows: interactions by the ISO week of created_at, impressions by their (year, week).
  const int = await shuffleWithin(join(shuffled, 'interactions.csv'), (f) => String(isoYearWeek(Number(f[3]))), rng);
  const imp = await shuffleWithin(join(shuffled, 'impressions.csv'), (f) => `${f[1]}-${f[2]}`, rng);
  expect(int.moved).toBeGreaterThan(int.lines / 2);
  expect(imp.moved).toBeGreaterThan(imp.lines / 2);
  for (const file of ['interactions.csv', 'impressions.csv']) await shuffleWithin(join(mixed, file), () => 'all', rng);
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the stream on `data` into OUT-NAME; returns its stderr. */
async function run(data: string): Promise<string> {
  const r = await runCli(['run', '--source', `file:${data}`, '--out', join(root, `out-${data.slice(root.length + 1)}`)]);
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
}

const sortedNotice = (file: string): RegExp => new RegExp(`run: .*${file}: \\d+ of \\d+ rows out of event-time order; sorted in memory before the replay\\n`);

/** Every file but run.log, the checkpoints and the window manifests (their positions differ), with its digest. */
const comparable = (dir: string): Promise<Record<string, string>> =>
  fileDigests(join(root, dir), (p) => p === 'run.log' || p.startsWith('state/') || /^snapshots\/[^/]+\/manifest\.json$/.test(p));

/** The window manifests of two runs are equal apart from `source`, which names the same kind of source. */
async function sameManifests(a: string, b: string): Promise<void> {
  const windows = await subdirs(join(root, a, 'snapshots'));
  expect(windows).toHaveLength(6);
  expect(await subdirs(join(root, b, 'snapshots'))).toEqual(windows);
  for (const w of windows) {
    const read = async (dir: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(join(root, dir, 'snapshots', w, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const { source: sa, ...ma } = await read(a);
    const { source: sb, ...mb } = await read(b);
    expect(mb, w).toEqual(ma);
    expect((sb as { kind: string }).kind).toBe((sa as { kind: string }).kind);
  }
}

describe('dyadflow run on shuffled input', () => {
  it(`sorts it, says so, and writes the ordered run's bytes (seed ${SEED})`, async () => {
    expect(await run(ordered)).not.toMatch(/out of event-time order/);
    const reference = await comparable('out-ordered');
    expect(Object.keys(reference)).toContain('models/2015-W39/parameters.bin');
    expect(Object.keys(reference)).toContain('snapshots/2015-W39/features.parquet');

    // Shuffled within each window: interactions sorted; impressions still in order (ties only), read in place.
    const within = await run(shuffled);
    expect(within).toMatch(sortedNotice('interactions.csv'));
    expect(within).not.toMatch(/impressions\.csv: \d+ of/);
    expect(await readFile(join(root, 'out-shuffled', 'run.log'), 'utf8')).toMatch(/interactions\.csv: \d+ of \d+ rows out of event-time order; sorted/);
    expect(await comparable('out-shuffled')).toEqual(reference);
    await sameManifests('out-ordered', 'out-shuffled');

    // Shuffled across the whole files: both sorted.
    const across = await run(mixed);
    expect(across).toMatch(sortedNotice('interactions.csv'));
    expect(across).toMatch(sortedNotice('impressions.csv'));
    expect(await comparable('out-mixed')).toEqual(reference);
    await sameManifests('out-ordered', 'out-mixed');
  }, 120_000);
});
