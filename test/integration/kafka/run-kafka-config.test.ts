// Issue 12 item 1: `--kafka-config FILE` (kafkajs's own option names) for `run` and `produce` alike, against the real
// broker. A file's client id is the one the broker sees (the run's group member); SASL settings against this
// PLAINTEXT broker make both commands fail with Kafka's reason (exit 1) where the same command without the file works;
// a key kafkajs does not have is exit 2 naming the file and the key, before any connection.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIdForOutput } from '../../../src/adapters/kafka/index.js';
import { runCli } from '../../helpers/cli.js';
import { runCliProcess, startCli } from '../../helpers/cli-process.js';
import { groupMembers, kafkaRunArgs, requireBroker, testBrokers, uniquePrefix } from '../../helpers/kafka.js';

const brokers = testBrokers();
let root: string;
let data: string;
const config = { clientId: '', sasl: '', unknown: '' };

beforeAll(async () => {
  await requireBroker(brokers);
  root = await mkdtemp(join(tmpdir(), 'dyadflow-run-kafka-config-'));
  data = join(root, 'data');
  expect((await runCli(['generate', '--preset', 'tiny', '--seed', '14', '--out', data])).code).toBe(0);
  config.clientId = join(root, 'client-id.json');
  await writeFile(config.clientId, JSON.stringify({ clientId: 'dyadflow-kc-test', connectionTimeout: 5000, retry: { retries: 3 } }));
  config.sasl = join(root, 'sasl.json');
  await writeFile(config.sasl, JSON.stringify({ sasl: { mechanism: 'plain', username: 'u', password: 'p' }, retry: { retries: 1 } }));
  config.unknown = join(root, 'unknown.json');
  await writeFile(config.unknown, JSON.stringify({ clientId: 'x', fetchMaxBytes: 5 }));
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('--kafka-config FILE', () => {
  it('produce: applies the file (SASL refused by this broker: exit 1; a client id: works); an unknown key is exit 2', async () => {
    const prefix = uniquePrefix('kc-produce');
    const produce = (...more: string[]): ReturnType<typeof runCli> => runCli(['produce', '--data', data, '--brokers', brokers.join(','), '--topic-prefix', prefix, '--partitions', '1', ...more]);
    const sasl = await produce('--kafka-config', config.sasl);
    expect(sasl.code, sasl.stderr).toBe(1);
    expect(sasl.stderr).toMatch(/^dyadflow: .*SASL/m);
    const unknown = await produce('--kafka-config', config.unknown);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`${config.unknown}: fetchMaxBytes is not a kafkajs option this file may set`);
    const ok = await produce('--kafka-config', config.clientId, '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { messages: { total: number } }).messages.total).toBeGreaterThan(15_000);
  }, 60_000);

  it('run: the broker sees the file’s client id; SASL refused by this broker is exit 1; an unknown key is exit 2', async () => {
    const prefix = uniquePrefix('kc-run');
    expect((await runCli(['produce', '--data', data, '--brokers', brokers.join(','), '--topic-prefix', prefix, '--partitions', '1'])).code).toBe(0);
    const args = (out: string, file: string, ...more: string[]): string[] => kafkaRunArgs({ brokers, prefix, out, profiles: data, untilIdle: '3s' }, '--kafka-config', file, ...more);

    const sasl = await runCliProcess(args(join(root, 'out-sasl'), config.sasl));
    expect(sasl.code, sasl.stderr).toBe(1);
    expect(sasl.stderr).toMatch(/^dyadflow: .*SASL/m);
    const unknown = await runCliProcess(args(join(root, 'out-unknown'), config.unknown));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`${config.unknown}: fetchMaxBytes is not a kafkajs option this file may set`);

    // While the run consumes (daily windows: long enough to look), its group member has the file's client id.
    const out = join(root, 'out');
    const run = await startCli(args(out, config.clientId, '--window', '1d', '--json'));
    let ended = false;
    void run.done.then(() => (ended = true));
    const seen = new Set<string>();
    while (!ended) {
      for (const m of await groupMembers(brokers, groupIdForOutput(out))) seen.add(m.clientId);
      await new Promise((r) => setTimeout(r, 200));
    }
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect([...seen]).toEqual(['dyadflow-kc-test']);
  }, 120_000);
});
