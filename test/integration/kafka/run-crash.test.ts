// Issue 12, "Must show", crash: a real `dyadflow run --source kafka:...` killed with SIGKILL at six random points while
// it consumes (each run after a random number of its own daily windows, 0 to 4, plus a random delay, so that the kills
// land in the group join, pulls, snapshots, training, writes and checkpoints alike), restarted each time on the same
// output directory (so the same consumer group), ends identical to an uninterrupted run on the same topics: every file
// but run.log and the checkpoints byte for byte, the manifests' source positions included; the checkpoints hold the
// same metadata (positions, random generator, file lengths) and the same state (as a set of entries: the dense indices
// follow the order events are folded in within a window, which a restart changes). No event lost, none counted twice:
// the windows' event counts add up to the topics' messages. A restart waits out the killed member's session
// (`--session-timeout 6s`, the broker's minimum) before the group gives it the partitions.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { runCliProcess, startCli } from '../../helpers/cli-process.js';
import { checkpointStates, kafkaRunArgs, metricsLines, readRecsysFiles, reproducibleFiles, requireBroker, stateDifferences, testBrokers, uniquePrefix, xorshift32 } from '../../helpers/kafka.js';

const brokers = testBrokers();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// The kill points are random; the seed is in every failure message, and DYADFLOW_TEST_SEED replays one.
const seed = Number(process.env.DYADFLOW_TEST_SEED ?? Date.now() % 2 ** 31);
const rand = xorshift32(seed);

let root: string;
let data: string;
let prefix: string;
let reference: string;
const options = ['--window', '1d', '--json', '--session-timeout', '6s'];

beforeAll(async () => {
  await requireBroker(brokers);
  root = await mkdtemp(join(tmpdir(), 'dyadflow-run-crash-'));
  data = join(root, 'data');
  expect((await runCli(['generate', '--preset', 'tiny', '--seed', '4', '--out', data])).code).toBe(0);
  prefix = uniquePrefix('run-crash');
  const produced = await runCli(['produce', '--data', data, '--brokers', brokers.join(','), '--topic-prefix', prefix, '--partitions', '3']);
  expect(produced.code, produced.stderr).toBe(0);
  reference = join(root, 'uninterrupted');
  const r = await runCliProcess(kafkaRunArgs({ brokers, prefix, out: reference, profiles: data, untilIdle: '3s' }, ...options));
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('run --source kafka: killed with SIGKILL at random points', () => {
  it('ends identical to the uninterrupted run, checkpointed state and source positions included', async () => {
    const windowsInAll = metricsLines(reference).length;
    expect(windowsInAll).toBeGreaterThan(30); // 42 daily windows of tiny
    const out = join(root, 'killed');
    const args = kafkaRunArgs({ brokers, prefix, out, profiles: data, untilIdle: '3s' }, ...options);
    // Six runs killed: run i after k of its own windows (0-4; at most 24 of the 42 in all) and a random delay (with
    // k = 0, up to 2 s after it logged its start: the rebuild, the group join, the first window's pulls and stages).
    const kills: string[] = [];
    const starts = (): number => (existsSync(join(out, 'run.log')) ? readFileSync(join(out, 'run.log'), 'utf8').match(/^\S+ run (starts|resumes)/gm)?.length ?? 0 : 0);
    for (let i = 0; i < 6; i++) {
      const k = i === 0 ? 0 : rand(5);
      const delayMs = k === 0 ? rand(2000) : rand(500);
      const startsBefore = starts();
      const p = await startCli(args);
      let windows = 0;
      let buffered = '';
      let reached: () => void = () => undefined;
      const reachedK = new Promise<void>((r) => (reached = r));
      p.child.stdout!.on('data', (d: Buffer) => {
        buffered += d.toString();
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          if ((JSON.parse(buffered.slice(0, nl)) as { window?: string }).window) windows++;
          buffered = buffered.slice(nl + 1);
        }
        if (windows >= k) reached();
      });
      if (k === 0) void (async () => {
        while (starts() === startsBefore) await sleep(10);
        reached();
      })();
      const ended = await Promise.race([reachedK.then(() => sleep(delayMs)).then(() => false), p.done.then(() => true)]);
      expect(ended, `seed ${seed}: run ${i} ended before its kill point (${k} windows + ${delayMs} ms):\n${p.stderr()}`).toBe(false);
      p.child.kill('SIGKILL');
      const r = await p.done;
      expect(r.signal, `seed ${seed}: ${r.stderr}`).toBe('SIGKILL');
      kills.push(`${k} window(s) + ${delayMs} ms (${windows} written)`);
    }
    const last = await runCliProcess(args);
    expect(last.code, `seed ${seed}, kills ${kills.join('; ')}:\n${last.stderr}`).toBe(0);
    expect(kills).toHaveLength(6);

    const why = `seed ${seed}, kills after ${kills.join('; ')}`;
    const files = await reproducibleFiles(out, { withPositions: true });
    const want = await reproducibleFiles(reference, { withPositions: true });
    const noState = (f: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(f).filter(([k]) => !k.startsWith('state/')));
    expect(noState(files), why).toEqual(noState(want));
    expect(stateDifferences(await checkpointStates(out), await checkpointStates(reference)), why).toEqual([]);
    // Every run was killed after it had opened the directory: seven starts or resumes in run.log.
    expect(starts(), why).toBe(7);
    // Every message of both topics is in exactly one window's counts.
    const lines = metricsLines(out) as { events: { interactions: number; impressionPairs: number; droppedDeletes: number; badEvents: number; lateEvents: number } }[];
    const sum = (f: (e: (typeof lines)[number]['events']) => number): number => lines.reduce((s, l) => s + f(l.events), 0);
    const input = readRecsysFiles(data);
    expect(sum((e) => e.interactions + e.droppedDeletes + e.lateEvents), why).toBe(input.interactions.length);
    expect(sum((e) => e.impressionPairs), why).toBe(input.impressions.reduce((s, r) => s + r.items.length, 0));
    expect(sum((e) => e.badEvents)).toBe(0);
  }, 300_000);

  it('--session-timeout below what the broker allows is one line saying so (exit 1), not an unexpected error', async () => {
    const r = await runCliProcess(kafkaRunArgs({ brokers, prefix, out: join(root, 'short-session'), profiles: data, untilIdle: '3s' }, '--session-timeout', '1s'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dyadflow: the Kafka consumer stopped: .*\(INVALID_SESSION_TIMEOUT\)/m);
  }, 60_000);
});
