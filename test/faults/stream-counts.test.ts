// Issue 11, must show: counts add up. A generated dataset made awkward (17 bad lines of 15 kinds in the two event
// files and one in users.csv, the generator's deletes, a quarter of the users without a profile, no items.csv, new
// users and items in the last window): each window's manifest and metrics line count exactly what the input holds
// for that window, worked out here from the files themselves (interactions, impression pairs, deletes dropped, bad
// lines, late events, new users and items, ids without a profile, dyads), and the sums are the files' line and pair
// counts. dead-letters.ndjson holds every bad line once, with its reason and line number, also when the run is
// killed with SIGKILL and resumed (a kill before the first checkpoint included: the profile's bad row must not be
// written twice).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WindowSnapshotManifest } from '../../src/adapters/snapshot/window-manifest.js';
import type { StreamMetricsLine } from '../../src/core/report/stream-report.js';
import { isoWeekStartS } from '../../src/core/time/iso-week.js';
import { windowAt } from '../../src/core/window/window.js';
import { runCli } from '../helpers/cli.js';
import { compiledCli } from '../helpers/cli-process.js';
import { STOPPED, fileDigests, insertLines, metricsLines, reproducible, startRun, tail } from './stream-process.js';

const WEEK_S = 7 * 86400;

let root: string;
let data: string;
/** Line numbers of the bad lines in each file. */
const badLines: Record<string, Set<number>> = {};

// Bad lines of many kinds: what each reader refuses, with the reason the dead letters must give.
const BAD_INTERACTIONS: { text: string; reason: string }[] = [
  { text: 'user_id\titem_id\tinteraction_type\tcreated_at', reason: 'user_id is not a number: "user_id"' }, // a second header
  { text: '12\t100020', reason: 'expected 4 tab-separated columns, found 2' },
  { text: '12\tabc\t1\t1440000000', reason: 'item_id is not a number: "abc"' },
  { text: '12\t100020\t9\t1440000000', reason: 'unknown interaction_type' },
  { text: '', reason: 'empty line' },
  { text: '-5\t100020\t1\t1441500000', reason: 'user_id must be >= 0' },
  { text: '12\t100020\t1\tsoon', reason: 'created_at is not a number: "soon"' },
  { text: '12\t100020\t1\t1440000000\textra', reason: 'expected 4 tab-separated columns, found 5' },
  { text: '99999999999\t100020\t1\t1440000000', reason: 'user_id must be <= 2147483647' },
  { text: '12\t100020\t1\t-5', reason: 'created_at must be >= 0' },
];
const BAD_IMPRESSIONS: { text: string; reason: string }[] = [
  { text: '12\t2015\t35', reason: 'expected 4 tab-separated columns, found 3' },
  { text: '12\t2015\t37\t', reason: 'items must NOT have fewer than 1 items' },
  { text: '12\t2015\t38\t100020,x', reason: 'items.1 is not a number: "x"' },
  { text: '12\t2015\t60\t100020', reason: 'week must be <= 53' },
  { text: '12\t1969\t1\t100020', reason: 'year must be >= 1970' },
  { text: '-3\t2015\t36\t100020', reason: 'user_id must be >= 0' },
  { text: '12\t2015\t36\t100020,,100021', reason: 'items.1 is not a number: ""' },
];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-stream-counts-'));
  data = join(root, 'data');
  expect((await runCli(['generate', '--preset', 'tiny', '--seed', '7', '--out', data])).code).toBe(0);
  // New ids in the last window (2015-W39): users 990001-990003 and items 990101-990102, in event-time order at the end.
  const last = isoWeekStartS(2015, 39) + WEEK_S - 1;
  const int = join(data, 'interactions.csv');
  const imp = join(data, 'impressions.csv');
  await writeFile(int, (await readFile(int, 'utf8')) + `990001\t100020\t1\t${last}\n990002\t990101\t2\t${last}\n`);
  await writeFile(imp, (await readFile(imp, 'utf8')) + `990003\t2015\t39\t990101,990102,100020\n`);
  const intLines = (await readFile(int, 'utf8')).split('\n').length - 2;
  const impLines = (await readFile(imp, 'utf8')).split('\n').length - 2;
  // Spread over the files: the first before any valid row, one after the last.
  badLines['interactions.csv'] = new Set(await insertLines(int, BAD_INTERACTIONS.map((b, k) => ({ after: k === BAD_INTERACTIONS.length - 1 ? intLines : Math.floor((k * intLines) / 9), text: b.text }))));
  badLines['impressions.csv'] = new Set(await insertLines(imp, BAD_IMPRESSIONS.map((b, k) => ({ after: Math.floor(((k + 1) * impLines) / 8), text: b.text }))));
  // A quarter of the users lose their profile, one profile row is bad; items.csv goes.
  const users = (await readFile(join(data, 'users.csv'), 'utf8')).split('\n').filter((l) => l.length > 0);
  const kept = users.filter((_, i) => i === 0 || i % 4 !== 0);
  kept.splice(5, 0, 'abc\t1');
  await writeFile(join(data, 'users.csv'), kept.join('\n') + '\n');
  await rm(join(data, 'items.csv'));
  await compiledCli();
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Expected {
  interactions: number;
  impressionPairs: number;
  droppedDeletes: number;
  badEvents: number;
  users: Set<number>;
  items: Set<number>;
  dyads: Set<string>;
}

/** What each weekly window must count, worked out from the files (bad lines: the window of the valid row before them). */
async function expectedWindows(): Promise<Map<string, Expected>> {
  const windows = new Map<string, Expected>();
  const at = (timeS: number): Expected => {
    const id = windowAt(timeS, WEEK_S).id;
    if (!windows.has(id)) windows.set(id, { interactions: 0, impressionPairs: 0, droppedDeletes: 0, badEvents: 0, users: new Set(), items: new Set(), dyads: new Set() });
    return windows.get(id)!;
  };
  const pendingBad: number[] = []; // bad lines before a file's first valid row: the first window's
  for (const file of ['interactions.csv', 'impressions.csv']) {
    const lines = (await readFile(join(data, file), 'utf8')).split('\n').slice(1, -1);
    let prevTimeS: number | null = null;
    lines.forEach((text, k) => {
      const line = k + 2;
      if (badLines[file]!.has(line)) {
        if (prevTimeS === null) pendingBad.push(line);
        else at(prevTimeS).badEvents++;
        return;
      }
      const f = text.split('\t').map(Number);
      if (file === 'interactions.csv') {
        const [user, item, type, timeS] = f as [number, number, number, number];
        prevTimeS = timeS;
        const w = at(timeS);
        if (type === 4) w.droppedDeletes++;
        else {
          w.interactions++;
          w.users.add(user);
          w.items.add(item);
          w.dyads.add(`${user},${item}`);
        }
      } else {
        const [user, year, week] = f as [number, number, number];
        const items = text.split('\t')[3]!.split(',').map(Number);
        prevTimeS = isoWeekStartS(year, week);
        const w = at(prevTimeS);
        w.impressionPairs += items.length;
        w.users.add(user);
        for (const item of items) {
          w.items.add(item);
          w.dyads.add(`${user},${item}`);
        }
      }
    });
  }
  const sorted = new Map([...windows.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  [...sorted.values()][0]!.badEvents += pendingBad.length;
  return sorted;
}

/** The data lines of each event file, and the pairs of its valid impression lines. */
async function inputTotals(): Promise<{ interactionLines: number; impressionLines: number; pairs: number }> {
  const int = (await readFile(join(data, 'interactions.csv'), 'utf8')).split('\n').slice(1, -1);
  const imp = (await readFile(join(data, 'impressions.csv'), 'utf8')).split('\n').slice(1, -1);
  const pairs = imp.filter((_, k) => !badLines['impressions.csv']!.has(k + 2)).reduce((n, l) => n + l.split('\t')[3]!.split(',').length, 0);
  return { interactionLines: int.length, impressionLines: imp.length, pairs };
}

/** Checks a finished run directory's counts against the input. */
async function checkCounts(out: string): Promise<void> {
  const expected = await expectedWindows();
  const lines = (await metricsLines(out)).map((l) => JSON.parse(l) as StreamMetricsLine);
  expect(lines.map((l) => l.window)).toEqual([...expected.keys()]);
  const profiles = new Set((await readFile(join(data, 'users.csv'), 'utf8')).split('\n').slice(1).map((l) => Number(l.split('\t')[0])));
  const seenUsers = new Set<number>();
  const seenItems = new Set<number>();
  for (const l of lines) {
    const e = expected.get(l.window)!;
    // The file source replays in event-time order (sorting a file that is not): no event is older than the open
    // window, so late events exist only on Kafka.
    expect(l.events, l.window).toEqual({ interactions: e.interactions, impressionPairs: e.impressionPairs, droppedDeletes: e.droppedDeletes, badEvents: e.badEvents, lateEvents: 0 });
    const newUsers = [...e.users].filter((u) => !seenUsers.has(u)).length;
    const newItems = [...e.items].filter((i) => !seenItems.has(i)).length;
    e.users.forEach((u) => seenUsers.add(u));
    e.items.forEach((i) => seenItems.add(i));
    expect(
      { dyads: l.snapshot.dyads, users: l.snapshot.users, items: l.snapshot.items, newUsers: l.snapshot.newUsers, newItems: l.snapshot.newItems, usersWithoutProfile: l.snapshot.usersWithoutProfile, itemsWithoutProfile: l.snapshot.itemsWithoutProfile },
      l.window,
    ).toEqual({
      dyads: e.dyads.size,
      users: e.users.size,
      items: e.items.size,
      newUsers,
      newItems,
      usersWithoutProfile: [...e.users].filter((u) => !profiles.has(u)).length,
      itemsWithoutProfile: e.items.size, // no items.csv
    });
    const manifest = JSON.parse(await readFile(join(out, 'snapshots', l.window, 'manifest.json'), 'utf8')) as WindowSnapshotManifest;
    expect(manifest.events).toEqual(l.events);
    expect(manifest.report).toEqual(l.snapshot);
  }
  // The last window holds the new ids.
  expect(lines.at(-1)!.snapshot.newUsers).toBeGreaterThanOrEqual(3);
  expect(lines.at(-1)!.snapshot.newItems).toBeGreaterThanOrEqual(2);
  // The sums are the files' counts: every line once (the last window ends the input: nothing after it).
  const t = await inputTotals();
  const sum = (k: 'interactions' | 'impressionPairs' | 'droppedDeletes' | 'badEvents'): number => lines.reduce((n, l) => n + l.events[k], 0);
  expect(sum('interactions') + sum('droppedDeletes') + sum('badEvents')).toBe(t.interactionLines + badLines['impressions.csv']!.size);
  expect(sum('badEvents')).toBe(BAD_INTERACTIONS.length + BAD_IMPRESSIONS.length);
  expect(sum('impressionPairs')).toBe(t.pairs);
  const s = await runCli(['status', '--out', out, '--json']);
  expect((JSON.parse(s.stdout) as { checkpoint: { ended: boolean; trailing?: unknown } }).checkpoint).toMatchObject({ ended: true });
  expect((JSON.parse(s.stdout) as { checkpoint: { trailing?: unknown } }).checkpoint.trailing).toBeUndefined();

  // Dead letters: the profile's bad row, then each bad event line once, with its reason and line number.
  const dead = (await readFile(join(out, 'dead-letters.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file: string; line: number; reason: string; raw: string });
  expect(dead[0]).toEqual({ dyadflow: 'dead-letters', formatVersion: 1 });
  expect(dead[1]).toEqual({ file: 'users.csv', line: 6, reason: expect.any(String) as string, raw: 'abc\t1' });
  const events = dead.slice(2);
  const got = (file: string): { line: number; reason: string; raw: string }[] =>
    events.filter((d) => d.file === file).map(({ line, reason, raw }) => ({ line, reason, raw })).sort((a, b) => a.line - b.line);
  expect(got('interactions.csv')).toEqual(BAD_INTERACTIONS.map((b, k) => ({ line: [...badLines['interactions.csv']!][k], reason: b.reason, raw: b.text })));
  expect(got('impressions.csv')).toEqual(BAD_IMPRESSIONS.map((b, k) => ({ line: [...badLines['impressions.csv']!][k], reason: b.reason, raw: b.text })));
  expect(events).toHaveLength(BAD_INTERACTIONS.length + BAD_IMPRESSIONS.length);
}

describe('dyadflow run: the counts add up to the input', () => {
  let reference: Record<string, string>;

  it('in every window manifest and metrics line, and dead letters hold each bad line once', async () => {
    const out = join(root, 'whole');
    const r = await runCli(['run', '--source', `file:${data}`, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/items\.csv: no such file; item context features will be 0/);
    expect(r.stderr).toMatch(/run: 17 bad events and 1 bad profile row → .*dead-letters\.ndjson/);
    await checkCounts(out);
    reference = await fileDigests(out, (p) => !reproducible(p));
  }, 120_000);

  it('also across SIGKILL and resume: the same counts and dead letters, each bad line once', async () => {
    const out = join(root, 'killed');
    const args = ['run', '--source', `file:${data}`, '--out', out];
    // Before the first checkpoint (dead letters of the profile and the first window written), after a window
    // with bad lines appended its metrics line, and while a later checkpoint is written.
    for (const point of [
      { at: 'rename:report.md', window: '2015-W34' },
      { at: 'rename:report.md', window: '2015-W36' },
      { at: 'open:.ckpt.tmp', window: '2015-W38' },
    ]) {
      const proc = await startRun(args, point);
      await proc.waitFor(STOPPED);
      await proc.kill();
    }
    const last = await startRun(args);
    const r = await last.done;
    expect(r.code, tail(r.stderr)).toBe(0);
    await checkCounts(out);
    expect(await fileDigests(out, (p) => !reproducible(p))).toEqual(reference);
  }, 120_000);
});
