// The Kafka source pulled the way `dyadflow run` pulls it between two windows: when a window closes, the stream has no
// window open and pulls with beforeS -Infinity to learn where the next one starts. The watermark already answers that,
// so the pull must return at once, not wait out its pullWaitMs for input no pull with that bound could hand out (with
// the default 1 s, `run` stalled a second at every window: 42 s on tiny's 42 daily windows). pullWaitMs is a minute
// here and the test's timeout half of that: a pull that waits fails the test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKafkaSource, type KafkaEventSource } from '../../../src/adapters/kafka/index.js';
import { windowAt } from '../../../src/core/window/window.js';
import { runCli } from '../../helpers/cli.js';
import { requireBroker, testBrokers, uniquePrefix } from '../../helpers/kafka.js';

const brokers = testBrokers();
let root: string;
let prefix: string;

beforeAll(async () => {
  await requireBroker(brokers);
  root = await mkdtemp(join(tmpdir(), 'dyadflow-run-pull-wait-'));
  const data = join(root, 'data');
  expect((await runCli(['generate', '--preset', 'tiny', '--seed', '2', '--out', data])).code).toBe(0);
  prefix = uniquePrefix('run-pull-wait');
  const r = await runCli(['produce', '--data', data, '--brokers', brokers.join(','), '--topic-prefix', prefix, '--partitions', '1']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Kafka source between two windows', () => {
  it('answers a pull with beforeS -Infinity at once when the watermark already stands past the closed window', async () => {
    let source: KafkaEventSource | undefined;
    try {
      source = await openKafkaSource({ brokers, groupId: `${prefix}-g`, topicPrefix: prefix, pullWaitMs: 60_000 });
      const first = await source.pull({ beforeS: -Infinity, maxEvents: 1000 });
      expect(Number.isFinite(first.watermarkS)).toBe(true);
      // Three windows, each pulled until the watermark passes its end, then the pull between windows.
      let open = windowAt(first.watermarkS, 86400);
      for (let w = 0; w < 3; w++) {
        let events = 0;
        for (;;) {
          const b = await source.pull({ beforeS: open.endS, maxEvents: 1000 });
          events += b.interactions.length + b.impressions.length;
          if (b.watermarkS >= open.endS) break;
        }
        expect(events).toBeGreaterThan(0);
        const between = await source.pull({ beforeS: -Infinity, maxEvents: 1000 });
        expect(between.interactions.length + between.impressions.length).toBe(0);
        expect(between.watermarkS).toBeGreaterThanOrEqual(open.endS);
        open = windowAt(between.watermarkS, 86400);
      }
    } finally {
      await source?.close();
    }
  }, 30_000);
});
