// `dyadflow run` on a hand-made input whose every line is accounted for: the window manifests' and metrics lines'
// counts, and what the last checkpoint records after the last window, add up to the input's lines and pairs; the
// dead letters hold each bad line once with its reason and line number. Edge cases of the file source: a bad line
// before the first valid row (it once held the watermark at -Infinity and the run pulled for ever), a window with
// only a delete (its counts go to the next window), and an input ending with a delete and a bad line after the last
// window's events (in no window: the end checkpoint records them).
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WindowSnapshotManifest } from '../../src/adapters/snapshot/window-manifest.js';
import type { StreamMetricsLine } from '../../src/core/report/stream-report.js';
import { runCli } from '../helpers/cli.js';

let root: string;
let data: string;
let out: string;

// Weeks: 2015-W34 starts 1439769600, W35 1440374400, W36 1440979200, W37 1441584000, W38 1442188800.
const INTERACTIONS = [
  'user_id\titem_id\tinteraction_type\tcreated_at',
  'bad', // line 2: before any valid row
  '1\t10\t1\t1439769700', // W34
  '2\t10\t2\t1439769800',
  '1\t11\t4\t1439769900', // a delete
  '3\t12\t1\t1440374500', // W35
  '1\t10\t3\t1440374600',
  '4\t13\t4\t1441000000', // W36: only a delete
  '5\t14\t1\t1441600000', // W37
  '6\t15\t4\t1442200000', // W38: only a delete, after the last window's events
  'x\ty', // line 11
];
const IMPRESSIONS = [
  'user_id\tyear\tweek\titems',
  '1\t2015\t34\t10,11,12',
  '2\t2015\t35\t10,13',
  '3\t2015\t35\t', // line 4: an empty item list
];
const USERS_HEADER =
  'id\tjobroles\tcareer_level\tdiscipline_id\tindustry_id\tcountry\tregion\texperience_n_entries_class\texperience_years_experience\texperience_years_in_current\tedu_degree\tedu_fieldofstudies';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-run-counts-'));
  data = join(root, 'data');
  out = join(root, 'out');
  await mkdir(data);
  await writeFile(join(data, 'interactions.csv'), INTERACTIONS.join('\n') + '\n');
  await writeFile(join(data, 'impressions.csv'), IMPRESSIONS.join('\n') + '\n');
  // Profiles of users 1 and 5 only; no items.csv.
  await writeFile(join(data, 'users.csv'), [USERS_HEADER, '1\t2004\t2\t2\t3\tde\t7\t0\t1\t1\t2\t2004', '5\t1042\t5\t1\t1\tde\t3\t2\t4\t1\t1\t1042'].join('\n') + '\n');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const counts = (interactions: number, impressionPairs: number, droppedDeletes: number, badEvents: number) => ({
  interactions,
  impressionPairs,
  droppedDeletes,
  badEvents,
  // The file source replays in event-time order (sorting a file that is not), so no event is ever older than the
  // open window: late events exist only on Kafka.
  lateEvents: 0,
});

describe('dyadflow run: every input line counted once', () => {
  it('counts in the manifests, the metrics lines and the end checkpoint add up to the input', { timeout: 30_000 }, async () => {
    const r = await runCli(['run', '--source', `file:${data}`, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('items.csv: no such file; item context features will be 0');
    const lines = (await readFile(join(out, 'metrics.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as StreamMetricsLine);
    expect(lines.map((l) => [l.window, l.events])).toEqual([
      ['2015-W34', counts(2, 3, 1, 1)], // the bad line 2 came before the first window opened: it is counted in it
      ['2015-W35', counts(2, 2, 0, 1)], // impressions line 4 follows a W35 row
      // W36 held only a delete: no window of its own, its count goes to the next one
      ['2015-W37', counts(1, 0, 1, 0)],
    ]);
    // New ids and ids without a profile (users 1 and 5 have one; there is no items.csv).
    expect(lines.map((l) => [l.snapshot.dyads, l.snapshot.newUsers, l.snapshot.newItems, l.snapshot.usersWithoutProfile, l.snapshot.itemsWithoutProfile])).toEqual([
      [4, 2, 3, 1, 3], // dyads (1,10) (1,11) (1,12) (2,10); user 2 without a profile
      [4, 1, 1, 2, 3], // (1,10) (2,10) (2,13) (3,12): user 3 new, item 13 new; users 2 and 3 without
      [1, 1, 1, 0, 1], // (5,14)
    ]);
    // Each manifest holds the same counts as its metrics line.
    for (const l of lines) {
      const m = JSON.parse(await readFile(join(out, 'snapshots', l.window, 'manifest.json'), 'utf8')) as WindowSnapshotManifest;
      expect(m.events).toEqual(l.events);
      expect(m.report).toEqual(l.snapshot);
    }
    // What followed the last window's events: in the end checkpoint, shown by status and the run's summary.
    const s = await runCli(['status', '--out', out, '--json']);
    expect(s.code, s.stderr).toBe(0);
    const status = JSON.parse(s.stdout) as { checkpoint: { ended: boolean; windowsTotal: number; trailing?: Record<string, number> } };
    expect(status.checkpoint.ended).toBe(true);
    expect(status.checkpoint.windowsTotal).toBe(3);
    expect(status.checkpoint.trailing).toEqual(counts(0, 0, 1, 1));
    const summary = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { summary: { trailing: unknown; badEvents: number } }).summary;
    expect(summary.trailing).toEqual(counts(0, 0, 1, 1));
    expect(summary.badEvents).toBe(3);

    // The sums: interactions.csv has 10 data lines, impressions.csv 3 lines with 5 pairs, one of them bad.
    const total = { i: 0, p: 0, d: 0, b: 0 };
    for (const e of [...lines.map((l) => l.events as unknown as Record<string, number>), status.checkpoint.trailing!]) {
      total.i += e.interactions!;
      total.p += e.impressionPairs!;
      total.d += e.droppedDeletes!;
      total.b += e.badEvents!;
    }
    expect(total).toEqual({ i: 5, p: 5, d: 3, b: 3 });
    expect(total.i + total.d + total.b).toBe(INTERACTIONS.length - 1 + 1); // + the bad impression line

    // Every bad line once, with its file, line number and reason, in the order the replay passed them.
    const dead = (await readFile(join(out, 'dead-letters.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(dead).toEqual([
      { dyadflow: 'dead-letters', formatVersion: 1 },
      { file: 'interactions.csv', line: 2, reason: 'expected 4 tab-separated columns, found 1', raw: 'bad' },
      { file: 'impressions.csv', line: 4, reason: 'items must NOT have fewer than 1 items', raw: '3\t2015\t35\t' },
      { file: 'interactions.csv', line: 11, reason: 'expected 4 tab-separated columns, found 2', raw: 'x\ty' },
    ]);
  });

  it('a rerun on the finished directory does nothing: it ends at once and changes no output', async () => {
    const files = async (): Promise<Record<string, string>> => {
      const all: Record<string, string> = {};
      for (const p of (await readdir(out, { recursive: true })).sort()) {
        if (p === 'run.log' || p === '.dyadflow.lock') continue;
        all[p] = await readFile(join(out, p), 'latin1').catch(() => '<dir>');
      }
      return all;
    };
    const before = await files();
    const r = await runCli(['run', '--source', `file:${data}`, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^window .*\n2015-W34 .*\n2015-W35 .*\n2015-W37 .*\n\ninput ended: 0 windows in [\d.]+ s \(3 in .* in all\), resumed after 2015-W37; latest model 2015-W37\n/);
    expect(await files()).toEqual(before);
  });
});
