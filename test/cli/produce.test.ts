// `dyadflow produce` failures as a user sees them (issue 9 item 8): an unreachable broker is one line on stderr,
// not kafkajs's retry log with stack traces. (Producing into a real broker: test/integration/kafka.)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let data: string;
beforeAll(async () => {
  data = await mkdtemp(join(tmpdir(), 'dyadflow-produce-cli-'));
  await writeFile(join(data, 'interactions.csv'), 'user_id\titem_id\tinteraction_type\tcreated_at\n1\t2\t1\t1439769600\n');
  await writeFile(join(data, 'impressions.csv'), 'user_id\tyear\tweek\titems\n1\t2015\t34\t2\n');
});
afterAll(async () => {
  await rm(data, { recursive: true, force: true });
});

describe('dyadflow produce', () => {
  it('an unreachable broker is one line naming it, exit 1 (retrying later may help)', async () => {
    // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
    const r = await runCli(['produce', '--data', data, '--brokers', '127.0.0.1:1', '--retries', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^dyadflow: cannot connect to Kafka at 127\.0\.0\.1:1: .*ECONNREFUSED/)]);
    expect(r.stdout).toBe('');
  });
});
