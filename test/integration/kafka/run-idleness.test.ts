// Issue 12 item 2 through the real CLI: a partition that goes silent stops holding the watermark back after
// --idle-partition-timeout, and the windows it would have held are closed by the others, `closedBy: "idleness"` in
// their manifests and the run log saying which partition was idle. The interactions topic has two partitions: the
// first holds a generated dataset's interactions from its second week on, the second only those of its first week;
// the impressions are in one partition. So the second partition falls silent after the first week and every window
// but the last (closed by --until-idle, the end of input) closes by idleness. Nothing was lost to it here (the idle
// partition truly had nothing more): features, models and metrics are the file run's.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImpression, encodeInteraction } from '../../../src/adapters/kafka/index.js';
import { isoWeekStartS } from '../../../src/core/time/iso-week.js';
import { runCliProcess, startCli } from '../../helpers/cli-process.js';
import { checkpointStates, createTopics, entryDifferences, fileRunFixtureHooks, kafkaRunArgs, metricsLines, produceRaw, readRecsysFiles, reproducibleFiles, testBrokers, uniquePrefix, windowManifests } from '../../helpers/kafka.js';

const brokers = testBrokers();
const fx = fileRunFixtureHooks('run-idleness', 12, brokers);

/**
 * Topics of their own for one case: interactions in two partitions (partition 1 gets the first week's events, less
 * `heldBack` of them, and falls silent; partition 0 the rest), impressions in one. Returns the prefix, the files and
 * the held-back messages (the last `heldBack` first-week interactions that are not deletes).
 */
async function produceWithSilentPartition(name: string, heldBack = 0) {
  const prefix = uniquePrefix(name);
  await createTopics(brokers, [
    { topic: `${prefix}.interactions`, partitions: 2 },
    { topic: `${prefix}.impressions`, partitions: 1 },
  ]);
  const files = readRecsysFiles(fx.data);
  const secondWeekS = isoWeekStartS(2015, 35);
  const encoded = files.interactions.map((r) => {
    const e = encodeInteraction(r);
    if (!e.ok) throw new Error(e.reason);
    return { ...e.message, firstWeek: r.created_at < secondWeekS, del: r.interaction_type === 4 };
  });
  const firstWeek = encoded.filter((m) => m.firstWeek);
  const held = heldBack > 0 ? firstWeek.filter((m) => !m.del).slice(-heldBack) : [];
  await produceRaw(brokers, `${prefix}.interactions`, encoded.filter((m) => !m.firstWeek), 0);
  await produceRaw(brokers, `${prefix}.interactions`, firstWeek.filter((m) => !held.includes(m)), 1);
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
  return { prefix, files, held };
}

describe('run --source kafka: with a partition that falls silent', () => {
  it('closes the windows it would hold by idleness, says so in the manifests and the run log, and loses nothing', async () => {
    const { prefix } = await produceWithSilentPartition('run-idle');

    const out = join(fx.root, 'out-kafka');
    const r = await runCliProcess(kafkaRunArgs({ brokers, prefix, out, profiles: fx.data, untilIdle: '12s' }, '--idle-partition-timeout', '3s', '--json'));
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

    expect(await reproducibleFiles(out)).toEqual(await reproducibleFiles(fx.fileOut));
    expect(metricsLines(out)).toEqual(metricsLines(fx.fileOut));
    expect(await windowManifests(out, ['source', 'closedBy'])).toEqual(await windowManifests(fx.fileOut, ['source', 'closedBy']));
  }, 120_000);

  it('when the silent partition speaks again with events of a closed window: late events, folded and counted, none lost (method.md §5a)', async () => {
    // Partition 1 holds first-week events only; twenty of them (no deletes) are held back and sent once the run has
    // closed three windows by idleness: by then they belong to a closed window.
    const { prefix, files, held: heldBack } = await produceWithSilentPartition('run-late', 20);
    expect(heldBack).toHaveLength(20);
    const out = join(fx.root, 'out-late');
    const run = await startCli(kafkaRunArgs({ brokers, prefix, out, profiles: fx.data, untilIdle: '12s' }, '--idle-partition-timeout', '3s'));
    const deadline = Date.now() + 90_000;
    const linesNow = (): number => {
      try {
        return metricsLines(out).length;
      } catch {
        return 0;
      }
    };
    while (linesNow() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(linesNow(), run.stderr()).toBeGreaterThanOrEqual(3);
    await produceRaw(brokers, `${prefix}.interactions`, heldBack, 1);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);

    const lines = metricsLines(out) as { window: string; events: { interactions: number; droppedDeletes: number; lateEvents: number } }[];
    const late = Object.fromEntries(lines.filter((l) => l.events.lateEvents > 0).map((l) => [l.window, l.events.lateEvents]));
    // All twenty counted as late, in windows after the three already closed, and every interaction counted once.
    expect(Object.values(late).reduce((a, b) => a + b, 0), JSON.stringify(late)).toBe(20);
    for (const id of Object.keys(late)) expect(id > '2015-W36', id).toBe(true);
    expect(lines.reduce((n, l) => n + l.events.interactions + l.events.droppedDeletes + l.events.lateEvents, 0)).toBe(files.interactions.length);
    const log = await readFile(join(out, 'run.log'), 'utf8');
    expect(log).toMatch(/late event\(s\) folded into the state/);
    // Folded into the state: the final state is the file run's, entry for entry.
    const last = (states: Record<string, { entries: string[] }>): string[] => Object.values(states).at(-1)!.entries;
    expect(entryDifferences(last(await checkpointStates(out)), last(await checkpointStates(fx.fileOut)))).toEqual([]);
  }, 150_000);
});
