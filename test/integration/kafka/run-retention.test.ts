// Issue 12, "Must show", retention, through the real CLI: a run stopped (SIGTERM) five daily windows in leaves a
// checkpoint; then the records of every interactions partition from that checkpoint's position on are deleted for 40
// offsets (the admin client's deleteRecords, what retention does to a run that fell behind). Resuming stops with exit 2,
// naming each partition and its lost range, and leaves the directory as it was; with --from-earliest-available it goes
// on from the earliest kept offsets and the loss is in the next window's manifest; the events counted in all are the
// topics' minus the deleted ones.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { runCliProcess, startCli } from '../../helpers/cli-process.js';
import { deleteRecordsBelow, drainTopic, kafkaRunArgs, metricsLines, readRecsysFiles, requireBroker, testBrokers, uniquePrefix, windowManifests } from '../../helpers/kafka.js';

const brokers = testBrokers();
const LOST_PER_PARTITION = 40;

let root: string;
let data: string;

beforeAll(async () => {
  await requireBroker(brokers);
  root = await mkdtemp(join(tmpdir(), 'dyadflow-run-retention-'));
  data = join(root, 'data');
  expect((await runCli(['generate', '--preset', 'tiny', '--seed', '9', '--out', data])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Position = { source: 'kafka'; partitions: { topic: string; partition: number; offset: number; pairs: number }[] };
type Status = { checkpoint: { window: { id: string }; seq: number; position: Position } | null };

async function status(out: string): Promise<Status> {
  const r = await runCli(['status', '--out', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Status;
}

describe('run --source kafka: resuming from positions that retention deleted', () => {
  it('stops with exit 2 naming partitions and ranges; --from-earliest-available goes on and records the loss', async () => {
    const prefix = uniquePrefix('run-retention');
    const topic = `${prefix}.interactions`;
    const produced = await runCli(['produce', '--data', data, '--brokers', brokers.join(','), '--topic-prefix', prefix, '--partitions', '3']);
    expect(produced.code, produced.stderr).toBe(0);
    const out = join(root, 'out');
    const args = kafkaRunArgs({ brokers, prefix, out, profiles: data, untilIdle: '3s' }, '--window', '1d', '--json');

    // Stopped five windows in: the directory is at a checkpoint in the middle of the topics.
    const first = await startCli(args);
    await new Promise<void>((resolve) => {
      let windows = 0;
      first.child.stdout!.on('data', (d: Buffer) => {
        windows += (d.toString().match(/"window":/g) ?? []).length;
        if (windows >= 5) resolve();
      });
    });
    first.child.kill('SIGTERM');
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).toBe(0);
    const before = await status(out);
    const checkpoint = before.checkpoint!;
    expect(checkpoint.seq).toBeGreaterThanOrEqual(5);

    // Retention takes 40 messages of every interactions partition right from the checkpointed position.
    const messages = await drainTopic(brokers, topic, `${prefix}-read`);
    const lost: { partition: number; from: number; to: number }[] = [];
    let lostInteractions = 0;
    for (const p of checkpoint.position.partitions.filter((q) => q.topic === topic)) {
      const to = p.offset + LOST_PER_PARTITION - 1;
      lost.push({ partition: p.partition, from: p.offset, to });
      for (const m of messages) if (m.partition === p.partition && m.offset >= p.offset && m.offset <= to) lostInteractions++;
      await deleteRecordsBelow(brokers, topic, p.partition, to + 1);
    }
    expect(lostInteractions).toBe(3 * LOST_PER_PARTITION);

    // It exits (a source left open after a refused seek kept the process alive).
    const refusing = await startCli(args);
    const timer = setTimeout(() => refusing.child.kill('SIGKILL'), 60_000);
    const refused = await refusing.done.finally(() => clearTimeout(timer));
    expect(refused.signal, 'the refused run did not exit within 60 s').toBeNull();
    expect(refused.code, refused.stderr).toBe(2);
    for (const l of lost) expect(refused.stderr).toContain(`${topic}:${l.partition} offsets ${l.from}-${l.to} (${LOST_PER_PARTITION} messages)`);
    expect(refused.stderr).toMatch(/--from-earliest-available/);
    expect(await status(out)).toEqual(before);

    const accepted = await runCliProcess([...args, '--from-earliest-available']);
    expect(accepted.code, accepted.stderr).toBe(0);
    const manifests = await windowManifests(out);
    const ids = Object.keys(manifests);
    const next = ids[ids.indexOf(checkpoint.window.id) + 1]!;
    expect((manifests[next]!.source as { lost?: unknown }).lost).toEqual(
      lost.map((l) => ({ partition: `${topic}:${l.partition}`, fromOffset: l.from, toOffset: l.to, messages: LOST_PER_PARTITION })),
    );
    for (const id of ids.filter((i) => i !== next)) expect((manifests[id]!.source as { lost?: unknown }).lost, id).toBeUndefined();
    // Every interaction message but the deleted ones is counted once.
    const lines = metricsLines(out) as { events: { interactions: number; droppedDeletes: number; lateEvents: number } }[];
    expect(lines.reduce((s, l) => s + l.events.interactions + l.events.droppedDeletes + l.events.lateEvents, 0)).toBe(readRecsysFiles(data).interactions.length - lostInteractions);
    expect(JSON.stringify(lines)).not.toMatch(/lost|offset/);
  }, 180_000);
});
