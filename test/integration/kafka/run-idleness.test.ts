// Issue 12 item 2 through the real CLI: a partition that goes silent stops holding the watermark back after
// --idle-partition-timeout, and the windows it would have held are closed by the others, `closedBy: "idleness"` in
// their manifests and the run log saying which partition was idle. The interactions topic has two partitions: the
// first holds a generated dataset's interactions from its second week on, the second only those of its first week;
// the impressions are in one partition. So the second partition falls silent after the first week and every window
// but the last (closed by --until-idle, the end of input) closes by idleness. Nothing was lost to it here (the idle
// partition truly had nothing more): features, models and metrics are the file run's.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeImpression, encodeInteraction } from '../../../src/adapters/kafka/index.js';
import { isoWeekStartS } from '../../../src/core/time/iso-week.js';
import { runCliProcess } from '../../helpers/cli-process.js';
import { createTopics, kafkaRunArgs, metricsLines, produceRaw, readRecsysFiles, reproducibleFiles, requireBroker, testBrokers, uniquePrefix, windowManifests , fileRunFixture } from '../../helpers/kafka.js';

const brokers = testBrokers();
let root: string;
let data: string;
let fileOut: string;

beforeAll(async () => {
  await requireBroker(brokers);
  ({ root, data, fileOut } = await fileRunFixture('run-idleness', 12));
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('run --source kafka: with a partition that falls silent', () => {
  it('closes the windows it would hold by idleness, says so in the manifests and the run log, and loses nothing', async () => {
    const prefix = uniquePrefix('run-idle');
    await createTopics(brokers, [
      { topic: `${prefix}.interactions`, partitions: 2 },
      { topic: `${prefix}.impressions`, partitions: 1 },
    ]);
    const files = readRecsysFiles(data);
    const secondWeekS = isoWeekStartS(2015, 35);
    const encoded = files.interactions.map((r) => {
      const e = encodeInteraction(r);
      if (!e.ok) throw new Error(e.reason);
      return { ...e.message, firstWeek: r.created_at < secondWeekS };
    });
    await produceRaw(brokers, `${prefix}.interactions`, encoded.filter((m) => !m.firstWeek), 0);
    await produceRaw(brokers, `${prefix}.interactions`, encoded.filter((m) => m.firstWeek), 1);
    await produceRaw(
      brokers,
      `${prefix}.impressions`,
      files.impressions.map((r) => {
        const e = encodeImpression(r);
        if (!e.ok) throw new Error(e.reason);
        return e.message;
      }),
      0,
    );

    const out = join(root, 'out-kafka');
    const r = await runCliProcess(kafkaRunArgs({ brokers, prefix, out, profiles: data, untilIdle: '12s' }, '--idle-partition-timeout', '3s', '--json'));
    expect(r.code, r.stderr).toBe(0);

    const closedBy = Object.fromEntries(Object.entries(await windowManifests(out)).map(([id, m]) => [id, m.closedBy]));
    expect(closedBy).toEqual({
      '2015-W34': 'idleness',
      '2015-W35': 'idleness',
      '2015-W36': 'idleness',
      '2015-W37': 'idleness',
      '2015-W38': 'idleness',
      '2015-W39': 'end-of-input',
    });
    // The --json window lines say it too, and the run log names the idle partition.
    const jsonLines = r.stdout.split('\n').filter((l) => l.startsWith('{"formatVersion"')).map((l) => JSON.parse(l) as { window: string; closedBy: string });
    expect(Object.fromEntries(jsonLines.map((l) => [l.window, l.closedBy]))).toEqual(closedBy);
    const log = await readFile(join(out, 'run.log'), 'utf8');
    expect(log).toContain(`kafka source: ${prefix}.interactions:1 is idle (nothing for 3000 ms): it stops holding the watermark back`);
    for (const id of ['2015-W34', '2015-W35', '2015-W36', '2015-W37', '2015-W38']) expect(log).toContain(`${id}: closed by idleness (idle partitions: ${prefix}.interactions:1)`);
    expect(log).toMatch(/2015-W39: \d+ events, \d+ dyads, closed by end-of-input/);

    expect(await reproducibleFiles(out)).toEqual(await reproducibleFiles(fileOut));
    expect(metricsLines(out)).toEqual(metricsLines(fileOut));
    expect(await windowManifests(out, ['source', 'closedBy'])).toEqual(await windowManifests(fileOut, ['source', 'closedBy']));
  }, 120_000);
});
