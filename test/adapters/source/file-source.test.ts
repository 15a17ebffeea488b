// The file source on tiny literal files: merge order, windows by beforeS, batch limits, bad lines, deletes, sorting
// and spilling, positions.
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.js';
import { createDeadLetterMemory } from '../../../src/adapters/recsys16/bad-row.js';
import { removeStaleSortRuns } from '../../../src/adapters/source/external-sort.js';
import { openFileSource, type FileSourceNotice, type FileSourceOptions } from '../../../src/adapters/source/file-source.js';
import { batchEvents, drain, tempDir, W33, W34, W35, writeData } from './helpers.js';

type Options = FileSourceOptions & { deadLetters: ReturnType<typeof createDeadLetterMemory> };

function options(dataDir: string, more: Partial<Omit<FileSourceOptions, 'deadLetters'>> = {}): Options {
  return { dataDir, deadLetters: createDeadLetterMemory(), spillDir: join(tempDir('dyadflow-source-spill-'), 'spill'), ...more };
}

/** The small in-order dataset of produce's merge test. */
function writeSmall(dir: string): void {
  writeData(
    dir,
    [`1\t10\t1\t${W33 - 5}`, `2\t11\t4\t${W33}`, `1\t12\t2\t${W33 + 60}`, `3\t13\t3\t${W34 + 1}`],
    ['2\t2016\t33\t11,12', '3\t2016\t34\t13'],
  );
}

describe('openFileSource on files in event-time order', () => {
  it('merges both files by event time, an impression first on a tie; deletes are dropped and counted where they fall', async () => {
    const dir = tempDir();
    writeSmall(dir);
    const source = await openFileSource(options(dir));
    expect(source.sorted).toEqual({ impressions: false, interactions: false });
    // One event per pull exposes the merge order.
    const d = await drain(source, { beforeS: Infinity, maxEvents: 1 });
    expect(d.events).toEqual([
      `i 1 10 1 @${W33 - 5}`,
      `p 2 11 @${W33}`,
      `p 2 12 @${W33}`,
      `i 1 12 2 @${W33 + 60}`,
      `p 3 13 @${W34}`,
      `i 3 13 3 @${W34 + 1}`,
    ]);
    // The delete at W33 is passed by the pull that fills up after the impression line it ties with.
    expect(d.batches.map((b) => b.droppedDeletes)).toEqual([0, 0, 1, 0, 0, 0]);
    expect(d.batches.map((b) => b.ended)).toEqual([false, false, false, false, false, true]);
    expect(d.batches.at(-1)!.watermarkS).toBe(Infinity);
    await source.close();
  });

  it('hands out only events before beforeS; the watermark is the next event time, never lower than a later event', async () => {
    const dir = tempDir();
    writeSmall(dir);
    const source = await openFileSource(options(dir));
    const first = await source.pull({ beforeS: W33 + 1, maxEvents: 100 });
    expect(batchEvents(first)).toEqual([`i 1 10 1 @${W33 - 5}`, `p 2 11 @${W33}`, `p 2 12 @${W33}`]);
    expect(first).toMatchObject({ droppedDeletes: 1, badEvents: 0, watermarkS: W33 + 60, ended: false });
    const again = await source.pull({ beforeS: W33 + 1, maxEvents: 100 });
    expect(batchEvents(again)).toEqual([]);
    expect(again.watermarkS).toBe(W33 + 60);
    const second = await source.pull({ beforeS: W34, maxEvents: 100 });
    expect(batchEvents(second)).toEqual([`i 1 12 2 @${W33 + 60}`]);
    expect(second.watermarkS).toBe(W34);
    const rest = await source.pull({ beforeS: Infinity, maxEvents: 100 });
    expect(batchEvents(rest)).toEqual([`i 3 13 3 @${W34 + 1}`, `p 3 13 @${W34}`]);
    expect(rest).toMatchObject({ watermarkS: Infinity, ended: true });
    // Pulling after the end is harmless.
    expect(await source.pull({ beforeS: Infinity, maxEvents: 100 })).toMatchObject({ ended: true, watermarkS: Infinity });
    await source.close();
  });

  it('stops inside an impression line when the batch is full, and a position there resumes with the next item', async () => {
    const dir = tempDir();
    writeData(dir, [`9\t90\t1\t${W33 + 1}`], ['1\t2016\t33\t1,2,3,4,5']);
    const source = await openFileSource(options(dir));
    const b = await source.pull({ beforeS: Infinity, maxEvents: 2 });
    expect(batchEvents(b)).toEqual([`p 1 1 @${W33}`, `p 1 2 @${W33}`]);
    expect(b.watermarkS).toBe(W33);
    const position = JSON.parse(JSON.stringify(source.position())) as ReturnType<typeof source.position>;
    expect(position.impressions).toMatchObject({ rows: 0, pairs: 2 });
    await source.close();

    const resumed = await openFileSource(options(dir));
    await resumed.seek(position);
    expect((await drain(resumed, { beforeS: Infinity, maxEvents: 1 })).events).toEqual([
      `p 1 3 @${W33}`,
      `p 1 4 @${W33}`,
      `p 1 5 @${W33}`,
      `i 9 90 1 @${W33 + 1}`,
    ]);
    await resumed.close();
  });

  it('sends bad lines to the dead letters with file, line, reason and text, right after the row they follow', async () => {
    const dir = tempDir();
    writeData(
      dir,
      [`1\t10\t1\t${W33}`, 'x\t1\t1\t5', `1\t11\t1\t${W34}`, '', `1\t2\t9\t${W34 + 5}`, `1\t12\t1\t${W34 + 9}`, '1\t2\t1'],
      ['1\t2016\t99\t5', '2\t2016\t34\t7'],
    );
    const opts = options(dir);
    const source = await openFileSource(opts);
    const w1 = await source.pull({ beforeS: W34, maxEvents: 100 });
    expect(batchEvents(w1)).toEqual([`i 1 10 1 @${W33}`]);
    // The leading bad impression line (before any row) and the bad interaction line after the W33 row.
    expect(w1.badEvents).toBe(2);
    expect(opts.deadLetters.rows).toEqual([
      { file: join(dir, 'impressions.csv'), line: 2, reason: 'week must be <= 53', raw: '1\t2016\t99\t5' },
      { file: join(dir, 'interactions.csv'), line: 3, reason: 'user_id is not a number: "x"', raw: 'x\t1\t1\t5' },
    ]);
    const w2 = await source.pull({ beforeS: Infinity, maxEvents: 100 });
    expect(batchEvents(w2)).toEqual([`i 1 11 1 @${W34}`, `i 1 12 1 @${W34 + 9}`, `p 2 7 @${W34}`]);
    expect(w2.badEvents).toBe(3);
    expect(opts.deadLetters.rows.slice(2).map((r) => [r.line, r.reason, r.raw])).toEqual([
      [5, 'empty line', ''],
      [6, 'unknown interaction_type', `1\t2\t9\t${W34 + 5}`],
      [8, 'expected 4 tab-separated columns, found 3', '1\t2\t1'],
    ]);
    await source.close();
  });

  it('reads a header-only file as no events', async () => {
    const dir = tempDir();
    writeData(dir, [], ['1\t2016\t33\t5']);
    const source = await openFileSource(options(dir));
    const d = await drain(source);
    expect(d.events).toEqual([`p 1 5 @${W33}`]);
    await source.close();
  });

  it('refuses a 0-byte file as a wrong header, and a missing file, each with a one-line InputError naming it', async () => {
    const dir = tempDir();
    writeData(dir, [], []);
    writeFileSync(join(dir, 'interactions.csv'), '');
    const empty = openFileSource(options(dir));
    await expect(empty).rejects.toBeInstanceOf(InputError);
    await expect(empty).rejects.toThrow(`${join(dir, 'interactions.csv')}: found an empty file, expected the header`);

    const missing = tempDir();
    writeData(missing, [], []);
    const path = join(missing, 'impressions.csv');
    (await import('node:fs')).rmSync(path);
    const err = await openFileSource(options(missing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('DF_ERR_INPUT_MISSING');
    expect((err as InputError).message).toBe(`${path}: no such file`);
  });

  it('refuses the input folder as the spill folder', async () => {
    const dir = tempDir();
    writeSmall(dir);
    await expect(openFileSource(options(dir, { spillDir: dir }))).rejects.toThrow(/sort runs never go into the input folder/);
  });
});

describe('openFileSource on files not in event-time order', () => {
  const outOfOrder = [`1\t1\t1\t${W33 + 60}`, `2\t2\t1\t${W33 - 5}`, `5\t5\t2\t${W33 + 60}`, `3\t3\t3\t${W34 + 1}`, `4\t4\t1\t${W33}`];
  const sortedEvents = [
    `i 2 2 1 @${W33 - 5}`,
    `p 7 70 @${W33}`,
    `i 4 4 1 @${W33}`,
    `i 1 1 1 @${W33 + 60}`,
    `i 5 5 2 @${W33 + 60}`,
    `i 3 3 3 @${W34 + 1}`,
  ];

  it('sorts the file first, says which file and how many rows were out of order, and replays it in order', async () => {
    const dir = tempDir();
    writeData(dir, outOfOrder, ['7\t2016\t33\t70']);
    const notices: FileSourceNotice[] = [];
    const source = await openFileSource(options(dir, { onNotice: (n) => notices.push(n) }));
    expect(source.sorted).toEqual({ impressions: false, interactions: true });
    expect(notices).toEqual([
      {
        code: 'DF_NOTICE_INPUT_SORTED',
        file: join(dir, 'interactions.csv'),
        rows: 5,
        outOfOrderRows: 2,
        spilledRuns: 0,
        spillBytes: 0,
        memoryRuns: 1,
        message: `${join(dir, 'interactions.csv')}: 2 of 5 rows out of event-time order; sorted in memory before the replay`,
      },
    ]);
    // Equal times: the impression first, then the interactions in line order.
    expect((await drain(source, { beforeS: Infinity, maxEvents: 1 })).events).toEqual(sortedEvents);
    await source.close();
  });

  it('spills runs beyond the memory budget into a folder of its own, merges them in passes, and removes them on close', async () => {
    const dir = tempDir();
    writeData(dir, outOfOrder, ['7\t2016\t33\t70']);
    const opts = options(dir, { sortMemoryBytes: 1, sortFanIn: 2 });
    const notices: FileSourceNotice[] = [];
    const source = await openFileSource({ ...opts, onNotice: (n) => notices.push(n) });
    expect(notices[0]).toMatchObject({ rows: 5, outOfOrderRows: 2, spilledRuns: 5, spillBytes: 5 * 40, memoryRuns: 0 });
    const sortDirs = readdirSync(opts.spillDir);
    expect(sortDirs).toHaveLength(1);
    expect(sortDirs[0]).toMatch(/^dyadflow-sort-/);
    expect((await drain(source, { beforeS: Infinity, maxEvents: 1 })).events).toEqual(sortedEvents);
    await source.close();
    expect(readdirSync(opts.spillDir)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['impressions.csv', 'interactions.csv']);
  });

  it('keeps the first runs in memory and spills the rest when the budget runs out', async () => {
    const dir = tempDir();
    // 20 rows of 40 bytes in reverse order; a 400-byte budget sorts 100-byte chunks: one row each (the chunk's index
    // alone is larger), kept in memory while the runs and one more chunk fit, then written to disk.
    const rows = Array.from({ length: 20 }, (_, k) => `${k}\t${k}\t1\t${W34 - k * 60}`);
    writeData(dir, rows, []);
    const notices: FileSourceNotice[] = [];
    const source = await openFileSource(options(dir, { sortMemoryBytes: 400, sortFanIn: 4, onNotice: (n) => notices.push(n) }));
    expect(notices[0]).toMatchObject({ rows: 20, outOfOrderRows: 19, memoryRuns: 7, spilledRuns: 13, spillBytes: 13 * 40 });
    const d = await drain(source, { beforeS: Infinity, maxEvents: 1 });
    expect(d.events).toEqual(Array.from({ length: 20 }, (_, k) => `i ${19 - k} ${19 - k} 1 @${W34 - (19 - k) * 60}`));
    await source.close();
  });

  it('leaves what a killed sort spilled until removeStaleSortRuns clears it, and nothing else', async () => {
    const spill = tempDir();
    mkdirSync(join(spill, 'dyadflow-sort-Ab12Cd'));
    writeFileSync(join(spill, 'dyadflow-sort-Ab12Cd', 'run-0.bin'), 'x');
    writeFileSync(join(spill, 'notes.txt'), 'mine');
    expect(await removeStaleSortRuns(spill)).toEqual([join(spill, 'dyadflow-sort-Ab12Cd')]);
    expect(readdirSync(spill)).toEqual(['notes.txt']);
    expect(await removeStaleSortRuns(join(spill, 'missing'))).toEqual([]);
  });

  it('keeps a bad line of a sorted file right after the row it followed in the file', async () => {
    const dir = tempDir();
    // Line 3 is bad and follows the W34 row: it is handed out after that row, not at the start.
    writeData(dir, [`1\t1\t1\t${W34}`, 'bad', `2\t2\t1\t${W33}`], []);
    const opts = options(dir, { sortMemoryBytes: 1 });
    const source = await openFileSource(opts);
    const w1 = await source.pull({ beforeS: W34, maxEvents: 10 });
    expect([batchEvents(w1), w1.badEvents]).toEqual([[`i 2 2 1 @${W33}`], 0]);
    const w2 = await source.pull({ beforeS: W35, maxEvents: 10 });
    expect([batchEvents(w2), w2.badEvents]).toEqual([[`i 1 1 1 @${W34}`], 1]);
    expect(opts.deadLetters.rows.map((r) => r.line)).toEqual([3]);
    await source.close();
  });

  it('sorts a file in order to the same replay as reading it in place', async () => {
    const dir = tempDir();
    writeData(dir, [`1\t10\t1\t${W33}`, 'bad', `2\t11\t1\t${W33}`, `3\t12\t1\t${W34}`], ['1\t2016\t33\t5,6', '2\t2016\t34\t7']);
    const inPlace = await openFileSource(options(dir));
    const a = await drain(inPlace, { beforeS: Infinity, maxEvents: 1 });
    await inPlace.close();
    for (const sortMemoryBytes of [undefined, 1]) {
      const sorted = await openFileSource(options(dir, { sort: 'always', sortMemoryBytes }));
      expect(sorted.sorted).toEqual({ impressions: true, interactions: true });
      const b = await drain(sorted, { beforeS: Infinity, maxEvents: 1 });
      expect(b.events).toEqual(a.events);
      expect(b.batches.map((x) => x.badEvents)).toEqual(a.batches.map((x) => x.badEvents));
      await sorted.close();
    }
  });
});

describe('file source positions', () => {
  it('are JSON; a fresh source seeked to one hands out exactly the rest, in place and sorted', async () => {
    const dir = tempDir();
    writeData(
      dir,
      [`1\t10\t1\t${W33}`, `2\t11\t4\t${W33 + 1}`, 'bad', `3\t12\t1\t${W34}`, `4\t13\t2\t${W34 + 3}`],
      ['1\t2016\t33\t5,6,7', '2\t2016\t34\t8'],
    );
    for (const sort of ['auto', 'always'] as const) {
      const full = await openFileSource(options(dir, { sort }));
      const all = await drain(full, { beforeS: Infinity, maxEvents: 1 });
      await full.close();

      const source = await openFileSource(options(dir, { sort }));
      const seen: string[] = [];
      for (let k = 0; k < all.events.length; k++) {
        const position = JSON.parse(JSON.stringify(source.position())) as ReturnType<typeof source.position>;
        expect(position.interactions.at === null).toBe(sort === 'always');
        const resumedOpts = options(dir, { sort });
        const resumed = await openFileSource(resumedOpts);
        await resumed.seek(position);
        const rest = await drain(resumed, { beforeS: Infinity, maxEvents: 1 });
        expect(rest.events, `${sort} from event ${k}`).toEqual(all.events.slice(k));
        expect(rest.droppedDeletes + all.batches.slice(0, k).reduce((s, b) => s + b.droppedDeletes, 0)).toBe(1);
        expect(resumedOpts.deadLetters.count + all.batches.slice(0, k).reduce((s, b) => s + b.badEvents, 0)).toBe(1);
        await resumed.close();
        seen.push(...batchEvents(await source.pull({ beforeS: Infinity, maxEvents: 1 })));
      }
      expect(seen).toEqual(all.events);
      // The final position: nothing left.
      const end = await openFileSource(options(dir, { sort }));
      await end.seek(source.position());
      expect(await end.pull({ beforeS: Infinity, maxEvents: 10 })).toMatchObject({ ended: true, badEvents: 0, droppedDeletes: 0 });
      await end.close();
      await source.close();
    }
  });

  it('are refused when the file changed since, or when they are not a position of this source', async () => {
    const dir = tempDir();
    writeSmall(dir);
    const source = await openFileSource(options(dir));
    await source.pull({ beforeS: W34, maxEvents: 100 });
    const position = source.position();
    await source.close();
    appendFileSync(join(dir, 'interactions.csv'), `7\t7\t1\t${W35}\n`);
    const resumed = await openFileSource(options(dir));
    await expect(resumed.seek(position)).rejects.toThrow(/interactions\.csv: the file changed since the position was taken/);
    await expect(resumed.seek({ source: 'kafka' } as never)).rejects.toBeInstanceOf(InputError);
    const shifted = structuredClone(position);
    shifted.impressions.at!.offset += 1;
    await expect(resumed.seek(shifted)).rejects.toThrow(/is not the start of a line/);
    await resumed.close();
    expect(existsSync(join(dir, 'dead-letters.ndjson'))).toBe(false);
  });
});
