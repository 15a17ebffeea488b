// What `generate` writes is already in event-time order (src/core/synth/rows.ts): the file source reads it in place,
// with no notice, and pulled window by window as the stream does, its weekly windows are the generated weeks.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDeadLetterMemory } from '../../../src/adapters/recsys16/bad-row.js';
import { openFileSource, type FileSourceNotice } from '../../../src/adapters/source/file-source.js';
import { windowAt, windowCanClose, type EventWindow } from '../../../src/core/window/window.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from './helpers.js';

const WEEK_S = 7 * 86400;

describe('the file source on a generated dataset', () => {
  it('reads generate tiny in place and replays it in the generated weekly windows, every event once', async () => {
    const dir = join(tempDir(), 'data');
    const gen = await runCli(['generate', '--preset', 'tiny', '--seed', '1', '--out', dir, '--json']);
    expect(gen.code).toBe(0);
    const summary = JSON.parse(gen.stdout) as Record<string, number | string>;

    const notices: FileSourceNotice[] = [];
    const deadLetters = createDeadLetterMemory();
    const source = await openFileSource({ dataDir: dir, deadLetters, spillDir: join(dir, '..', 'spill'), onNotice: (n) => notices.push(n) });
    expect(notices).toEqual([]);
    expect(source.sorted).toEqual({ impressions: false, interactions: false });

    const windows: { id: string; interactions: number; pairs: number }[] = [];
    let open: EventWindow | null = null;
    let interactions = 0;
    let pairs = 0;
    let deletes = 0;
    for (;;) {
      const b = await source.pull({ beforeS: open?.endS ?? -Infinity, maxEvents: 4096 });
      interactions += b.interactions.length;
      pairs += b.impressions.length;
      deletes += b.droppedDeletes;
      if (open !== null) {
        for (const t of [...b.interactions.createdAtS, ...b.impressions.eventTimeS]) expect(t >= open.startS && t < open.endS).toBe(true);
        windows.at(-1)!.interactions += b.interactions.length;
        windows.at(-1)!.pairs += b.impressions.length;
      }
      if (b.ended) break;
      if (open === null || windowCanClose(open, b.watermarkS)) {
        open = windowAt(b.watermarkS, WEEK_S);
        windows.push({ id: open.id, interactions: 0, pairs: 0 });
      }
    }
    await source.close();
    expect(windows.map((w) => w.id)).toEqual(['2015-W34', '2015-W35', '2015-W36', '2015-W37', '2015-W38', '2015-W39']);
    expect(windows.every((w) => w.interactions > 0 && w.pairs > 0)).toBe(true);
    expect(interactions).toBe(Number(summary.clicks) + Number(summary.bookmarks) + Number(summary.replies));
    expect(deletes).toBe(summary.deletes);
    expect(pairs).toBe(summary.impressionTriples);
    expect(deadLetters.count).toBe(0);
  });
});
