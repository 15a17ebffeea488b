// Issue 12 item 5 through the real CLI: consumer lag per topic after each window in the terminal table (a last column,
// interactions/impressions), in the --json window lines and in run.log, never in metrics.ndjson (reproducible); and
// `dyadflow status --out DIR --brokers B` prints the lag of the checkpointed position now. All input is produced before
// the runs, so each window's lag is exact: the topics' ends minus the window's position.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { runCliProcess } from '../../helpers/cli-process.js';
import { highWatermarks, kafkaRunArgs, produceRaw, requireBroker, testBrokers, uniquePrefix, windowManifests } from '../../helpers/kafka.js';

const brokers = testBrokers();
let root: string;
let data: string;
let prefix: string;
/** Per window: the expected lag per topic (its partitions' ends minus the window's positions). */
let expectedLag: (out: string) => Promise<Record<string, Record<string, number>>>;

beforeAll(async () => {
  await requireBroker(brokers);
  root = await mkdtemp(join(tmpdir(), 'dyadflow-run-lag-'));
  data = join(root, 'data');
  expect((await runCli(['generate', '--preset', 'tiny', '--seed', '13', '--out', data])).code).toBe(0);
  prefix = uniquePrefix('run-lag');
  const r = await runCli(['produce', '--data', data, '--brokers', brokers.join(','), '--topic-prefix', prefix, '--partitions', '3']);
  expect(r.code, r.stderr).toBe(0);
  const ends = { interactions: await highWatermarks(brokers, `${prefix}.interactions`), impressions: await highWatermarks(brokers, `${prefix}.impressions`) };
  expectedLag = async (out) => {
    const lag: Record<string, Record<string, number>> = {};
    for (const [id, m] of Object.entries(await windowManifests(out))) {
      const parts = (m.source as { position: { partitions: { topic: string; partition: number; offset: number }[] } }).position.partitions;
      const behind = (t: 'interactions' | 'impressions'): number =>
        parts.filter((p) => p.topic === `${prefix}.${t}`).reduce((s, p) => s + ends[t].get(p.partition)! - p.offset, 0);
      lag[id] = { [`${prefix}.interactions`]: behind('interactions'), [`${prefix}.impressions`]: behind('impressions') };
    }
    return lag;
  };
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('run --source kafka: consumer lag', () => {
  it('is a column of the terminal table and in run.log after every window, never in metrics.ndjson; status --brokers prints it now', async () => {
    const out = join(root, 'out-table');
    const r = await runCliProcess(kafkaRunArgs({ brokers, prefix, out, profiles: data, untilIdle: '3s' }));
    expect(r.code, r.stderr).toBe(0);
    const want = await expectedLag(out);
    const ids = Object.keys(want);
    expect(ids).toHaveLength(6);
    const [header, ...rows] = r.stdout.split('\n').filter((l) => /^(window|\d{4}-W\d\d) /.test(l));
    expect(header).toMatch(/ seconds +lag int\/imp$/);
    expect(rows.map((l) => l.split(/\s+/).at(-1))).toEqual(ids.map((id) => `${want[id]![`${prefix}.interactions`]}/${want[id]![`${prefix}.impressions`]}`));
    expect(rows.at(-1)!.endsWith(' 0/0')).toBe(true);
    expect(Object.values(want)[0]![`${prefix}.interactions`]).toBeGreaterThan(0);

    const log = await readFile(join(out, 'run.log'), 'utf8');
    for (const id of ids) expect(log).toContain(`, lag ${JSON.stringify({ [`${prefix}.interactions`]: want[id]![`${prefix}.interactions`], [`${prefix}.impressions`]: want[id]![`${prefix}.impressions`] })}`);
    expect(await readFile(join(out, 'metrics.ndjson'), 'utf8')).not.toMatch(/lag|offset|position/);

    // status: the lag of the checkpointed position now; 0 at the end, then what was produced since.
    const s0 = await runCli(['status', '--out', out, '--brokers', brokers.join(',')]);
    expect(s0.code, s0.stderr).toBe(0);
    expect(s0.stdout).toContain(`lag now: ${prefix}.impressions 0, ${prefix}.interactions 0\n`);
    await produceRaw(brokers, `${prefix}.interactions`, Array.from({ length: 7 }, (_, i) => ({ key: String(i), value: `{"user_id":${i},"item_id":1,"interaction_type":1,"created_at":1443571200}` })), 1);
    const s1 = await runCli(['status', '--out', out, '--brokers', brokers.join(','), '--json']);
    expect(s1.code, s1.stderr).toBe(0);
    expect((JSON.parse(s1.stdout) as { lag: unknown }).lag).toEqual({ [`${prefix}.impressions`]: 0, [`${prefix}.interactions`]: 7 });
  }, 120_000);

  it('is in every --json window line', async () => {
    const p = uniquePrefix('run-lag-json');
    const r0 = await runCli(['produce', '--data', data, '--brokers', brokers.join(','), '--topic-prefix', p, '--partitions', '1']);
    expect(r0.code, r0.stderr).toBe(0);
    const out = join(root, 'out-json');
    const r = await runCliProcess(kafkaRunArgs({ brokers, prefix: p, out, profiles: data, untilIdle: '3s' }, '--json'));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as { window?: string; lag?: Record<string, number>; summary?: unknown });
    expect(lines.at(-1)!.summary).toBeDefined();
    const windows = lines.filter((l) => l.window);
    expect(windows).toHaveLength(6);
    const ends = { i: (await highWatermarks(brokers, `${p}.interactions`)).get(0)!, m: (await highWatermarks(brokers, `${p}.impressions`)).get(0)! };
    const manifests = await windowManifests(out);
    for (const l of windows) {
      const parts = (manifests[l.window!]!.source as { position: { partitions: { topic: string; offset: number }[] } }).position.partitions;
      const at = (t: string): number => parts.find((q) => q.topic === t)!.offset;
      expect(l.lag, l.window).toEqual({ [`${p}.interactions`]: ends.i - at(`${p}.interactions`), [`${p}.impressions`]: ends.m - at(`${p}.impressions`) });
    }
    expect(windows.at(-1)!.lag).toEqual({ [`${p}.interactions`]: 0, [`${p}.impressions`]: 0 });
  }, 120_000);
});
