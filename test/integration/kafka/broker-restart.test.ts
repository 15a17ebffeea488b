// The Kafka source across a broker restart (issue 12, "Must show"): a broker of this test's own (its own port and data
// directory: scripts/kafka.sh with KAFKA_PORT, KAFKA_DATA_DIR, KAFKA_KEEP_DATA), stopped for ten seconds while the
// source is in the middle of the topics and started again on the same data. The source reconnects and hands out every
// event exactly once, window by window, as without the restart. The shared broker is not touched.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { produceDataset } from '../../../pipelines/produce.js';
import { openKafkaSource } from '../../../src/adapters/kafka/index.js';
import { runCli } from '../../helpers/cli.js';
import { driveSource, fileEventsByWindow, ownBroker, readRecsysFiles, sortedMultisets, uniquePrefix } from '../../helpers/kafka.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('Kafka source across a broker restart', () => {
  it('reconnects after its broker was stopped for 10 s mid-stream and hands out every event exactly once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'dyadflow-kafka-restart-'));
    const broker = await ownBroker(home);
    const brokers = broker.brokers;
    const prefix = uniquePrefix('restart');
    let source: Awaited<ReturnType<typeof openKafkaSource>> | undefined;
    const log: string[] = [];
    try {
      await broker.start();
      const dataDir = join(home, 'data');
      const gen = await runCli(['generate', '--preset', 'tiny', '--seed', '5', '--out', dataDir]);
      expect(gen.code, gen.stderr).toBe(0);
      const data = readRecsysFiles(dataDir);
      await produceDataset({ dataDir, brokers, topicPrefix: prefix, partitions: 3 });
      const want = fileEventsByWindow(data);
      const total = [...want.windows.values()].reduce((s, l) => s + l.length, 0);

      // Small fetches and queues, so that most of the topics is still unread when the broker goes away; the idle
      // timeout is long, so that windows close by the watermark only and the result is the file's exactly.
      source = await openKafkaSource({
        brokers,
        groupId: `${prefix}-g`,
        topicPrefix: prefix,
        pullWaitMs: 200,
        untilIdleMs: 3000,
        idlePartitionTimeoutMs: 120_000,
        maxFetchBytesPerPartition: 4096,
        maxQueuedBytesPerPartition: 4096,
        log: (line) => log.push(line),
      });
      let handedOut = 0;
      let outage: Promise<void> | undefined;
      let atStop = -1;
      const got = await driveSource(source, {
        maxEvents: 100,
        timeoutMs: 240_000,
        onBatch: async (b) => {
          handedOut += b.interactions.length + b.impressions.length;
          if (!outage && handedOut >= total / 4) {
            atStop = handedOut;
            // Not awaited: the source is pulled all through the outage, as the stream would.
            outage = (async () => {
              await broker.stop();
              await sleep(10_000);
              await broker.start();
            })();
          }
          await sleep(2);
        },
      });
      await outage;
      expect(atStop).toBeGreaterThan(0);
      expect(atStop).toBeLessThan(total / 2);
      expect(got.ended).toBe(true);
      expect(got.late).toBe(0);
      expect(sortedMultisets(got.windows)).toEqual(sortedMultisets(want.windows));
      // The consumer did lose its broker (it logged the restart), and came back.
      expect(log.some((l) => /consumer restarting/.test(l)), log.join('\n')).toBe(true);
    } finally {
      await source?.close();
      await broker.destroy();
      rmSync(home, { recursive: true, force: true });
    }
  }, 300_000);
});
