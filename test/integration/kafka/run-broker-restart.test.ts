// Issue 12, "Must show", broker restart, through the real CLI: a broker of this test's own (its own port and data
// directory: scripts/kafka.sh with KAFKA_PORT, KAFKA_DATA_DIR, KAFKA_KEEP_DATA=1; the shared broker is not touched).
// The first three weeks of a generated dataset are produced; `dyadflow run --window 1d --until-idle 10s` consumes them
// and, three windows in, the broker is stopped, stays down for ten seconds and is started again on the same data;
// then the last three weeks are produced. The run must reconnect (its consumer lost the broker, the log says so) to
// read them, and it ends with the output of `run --source file:` on the whole dataset: features, models, metrics
// byte for byte, manifests apart from `source`.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoWeekStartS } from '../../../src/core/time/iso-week.js';
import { runCli } from '../../helpers/cli.js';
import { runCliProcess, startCli } from '../../helpers/cli-process.js';
import { kafkaRunArgs, metricsLines, ownBroker, reproducibleFiles, uniquePrefix, windowManifests, type OwnBroker } from '../../helpers/kafka.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let root: string;
let broker: OwnBroker;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-run-broker-restart-'));
  broker = await ownBroker(root);
  await broker.start();
}, 180_000);

afterAll(async () => {
  await broker?.destroy();
  await rm(root, { recursive: true, force: true });
}, 120_000);

/** Writes the rows of `from`'s two event files with event time in [startS, endS) into `to` (headers kept). */
async function splitByTime(from: string, to: string, startS: number, endS: number): Promise<void> {
  await mkdir(to, { recursive: true });
  const keep = async (name: string, timeOf: (cols: string[]) => number): Promise<void> => {
    const [header, ...rows] = (await readFile(join(from, name), 'utf8')).split('\n').filter((l) => l.length > 0);
    const kept = rows.filter((r) => {
      const t = timeOf(r.split('\t'));
      return t >= startS && t < endS;
    });
    await writeFile(join(to, name), [header, ...kept].join('\n') + '\n');
  };
  await keep('interactions.csv', (c) => Number(c[3]));
  await keep('impressions.csv', (c) => isoWeekStartS(Number(c[1]), Number(c[2])));
}

describe('run --source kafka: across a restart of its broker', () => {
  it('reconnects after the broker was down for 10 s mid-stream and ends with the file run’s output', async () => {
    const data = join(root, 'data');
    expect((await runCli(['generate', '--preset', 'tiny', '--seed', '8', '--out', data])).code).toBe(0);
    // tiny spans 2015-W34 to W39: the first part is W34-W36, the second W37-W39.
    const splitS = isoWeekStartS(2015, 37);
    await splitByTime(data, join(root, 'part1'), -Infinity, splitS);
    await splitByTime(data, join(root, 'part2'), splitS, Infinity);
    const fileOut = join(root, 'out-file');
    const f = await runCliProcess(['run', '--source', `file:${data}`, '--out', fileOut, '--window', '1d']);
    expect(f.code, f.stderr).toBe(0);

    const brokers = broker.brokers;
    const prefix = uniquePrefix('run-restart');
    const produce = async (dir: string): Promise<void> => {
      const r = await runCli(['produce', '--data', dir, '--brokers', brokers.join(','), '--topic-prefix', prefix, '--partitions', '3']);
      expect(r.code, r.stderr).toBe(0);
    };
    await produce(join(root, 'part1'));
    const out = join(root, 'out-kafka');
    // Idleness is off in effect (5 minutes): windows close by the watermark only, as in the file run.
    const run = await startCli(kafkaRunArgs({ brokers, prefix, out, profiles: data, untilIdle: '10s' }, '--window', '1d', '--idle-partition-timeout', '5m', '--json'));
    let windows = 0;
    const threeWindows = new Promise<void>((resolve) => {
      run.child.stdout!.on('data', (d: Buffer) => {
        windows += (d.toString().match(/"window":/g) ?? []).length;
        if (windows >= 3) resolve();
      });
    });
    const ended = await Promise.race([threeWindows.then(() => false), run.done.then(() => true)]);
    expect(ended, run.stderr()).toBe(false);
    await broker.stop();
    const windowsAtStop = windows;
    await sleep(10_000);
    await broker.start();
    await produce(join(root, 'part2'));
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);

    // Stopped mid-stream: the first part was not through when the broker went, the second came after it.
    expect(windowsAtStop).toBeLessThan(21);
    const log = await readFile(join(out, 'run.log'), 'utf8');
    expect(log, 'the consumer lost its broker and came back').toMatch(/kafka source: consumer restarting/);
    expect(await reproducibleFiles(out)).toEqual(await reproducibleFiles(fileOut));
    expect(await windowManifests(out, ['source'])).toEqual(await windowManifests(fileOut, ['source']));
    expect(metricsLines(out)).toHaveLength(42);
  }, 300_000);
});
