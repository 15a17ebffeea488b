// The file source against a reference model of its order, on random event sets written in random order with bad
// lines among them: the replay is the rows sorted by (event time, impressions first, line), a bad line right after
// the valid row before it in its file; the same with and without spilling; and from any position a fresh source
// hands out exactly the rest: events, dead letters, deletes.
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDeadLetterMemory } from '../../../src/adapters/recsys16/bad-row.js';
import { openFileSource, type FileSourceOptions, type FileSourcePosition } from '../../../src/adapters/source/file-source.js';
import { impressionTimeS } from '../../../src/core/window/window.js';
import { batchEvents, IMPRESSIONS_HEADER, INTERACTIONS_HEADER } from '../../adapters/source/helpers.js';

const T0 = impressionTimeS(2016, 33);

/** One line of a file as written, with what the source must make of it. */
interface RefRow {
  text: string;
  /** Event time (valid rows), or null for a bad line. */
  timeS: number | null;
  /** Events it hands out, in order (none for a delete or a bad line). */
  events: string[];
  isDelete: boolean;
}

const interactionRow: fc.Arbitrary<RefRow> = fc
  .record({
    user: fc.integer({ min: 0, max: 4 }),
    item: fc.integer({ min: 0, max: 6 }),
    type: fc.constantFrom(1, 2, 3, 4),
    half: fc.integer({ min: 0, max: 41 }), // half-days over three weeks: many ties, some exactly on a Monday
  })
  .map(({ user, item, type, half }) => {
    const t = T0 + half * 43200;
    return { text: `${user}\t${item}\t${type}\t${t}`, timeS: t, events: type === 4 ? [] : [`i ${user} ${item} ${type} @${t}`], isDelete: type === 4 };
  });

const impressionRow: fc.Arbitrary<RefRow> = fc
  .record({ user: fc.integer({ min: 0, max: 4 }), week: fc.integer({ min: 33, max: 35 }), items: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }) })
  .map(({ user, week, items }) => {
    const t = impressionTimeS(2016, week);
    return { text: `${user}\t2016\t${week}\t${items.join(',')}`, timeS: t, events: items.map((i) => `p ${user} ${i} @${t}`), isDelete: false };
  });

const bad = (texts: string[]): fc.Arbitrary<RefRow> => fc.constantFrom(...texts).map((text) => ({ text, timeS: null, events: [], isDelete: false }));
const badInteraction = bad(['x\t1\t1\t5', '', '1\t2\t9\t5', '1\t2\t1', `1\t2\t1\t-3`]);
const badImpression = bad(['1\t2016\t99\t5', '1\t2016\t33\t', 'x', '', '1\t2016\t33\t1,,2']);

/** A file's rows in written order: random rows with random sort keys, then ordered by the keys (a random order). */
const fileRows = (valid: fc.Arbitrary<RefRow>, invalid: fc.Arbitrary<RefRow>, max: number): fc.Arbitrary<RefRow[]> =>
  fc
    .array(fc.tuple(fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: invalid }), fc.integer()), { maxLength: max })
    .chain((rows) =>
      fc.boolean().map((inOrder) => {
        const keyed = rows.map(([row, key], i) => ({ row, key, i }));
        // Half the cases are written in event-time order (read in place), half in a random order (sorted).
        if (inOrder) keyed.sort((a, b) => (a.row.timeS ?? a.key) - (b.row.timeS ?? b.key) || a.i - b.i);
        else keyed.sort((a, b) => a.key - b.key || a.i - b.i);
        const out = keyed.map((k) => k.row);
        // Empty lines at the very end of a file are not rows (the readers ignore them).
        while (out.length > 0 && out[out.length - 1]!.text === '') out.pop();
        return out;
      }),
    );

interface Reference {
  events: string[];
  /** Bad lines in the order they are handed out, as "file:line". */
  bad: string[];
  deletes: number;
}

/** The replay order by definition: per file (sort time, line), a bad line at the time of the valid row before it. */
function reference(impressions: RefRow[], interactions: RefRow[]): Reference {
  const keyed = (rows: RefRow[], file: string) => {
    let prev = -Infinity;
    const out = rows.map((row, i) => {
      const t = row.timeS ?? prev;
      if (row.timeS !== null) prev = row.timeS;
      return { row, t, line: i + 2, file };
    });
    return out.sort((a, b) => a.t - b.t || a.line - b.line);
  };
  const a = keyed(impressions, 'impressions.csv');
  const b = keyed(interactions, 'interactions.csv');
  const merged: typeof a = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.t <= b[j]!.t)) merged.push(a[i++]!);
    else merged.push(b[j++]!);
  }
  return {
    events: merged.flatMap((m) => m.row.events),
    bad: merged.filter((m) => m.row.timeS === null).map((m) => `${m.file}:${m.line}`),
    deletes: merged.filter((m) => m.row.isDelete).length,
  };
}

function writeFiles(dir: string, impressions: RefRow[], interactions: RefRow[]): void {
  writeFileSync(join(dir, 'impressions.csv'), [IMPRESSIONS_HEADER, ...impressions.map((r) => r.text)].map((l) => l + '\n').join(''));
  writeFileSync(join(dir, 'interactions.csv'), [INTERACTIONS_HEADER, ...interactions.map((r) => r.text)].map((l) => l + '\n').join(''));
}

const budgets = fc.oneof(
  fc.constant<Partial<FileSourceOptions>>({}),
  fc.record({ sortMemoryBytes: fc.integer({ min: 1, max: 600 }), sortFanIn: fc.integer({ min: 2, max: 4 }) }),
  fc.record({ sort: fc.constant<'always'>('always'), sortMemoryBytes: fc.integer({ min: 1, max: 600 }), sortFanIn: fc.integer({ min: 2, max: 4 }) }),
);

async function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'dyadflow-source-property-'));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const badKey = (dir: string, r: { file: string; line: number }): string => `${r.file.slice(dir.length + 1)}:${r.line}`;

describe('file source (property)', () => {
  it('replays random files, in order or not, in the reference order, with and without spilling', async () => {
    await fc.assert(
      fc.asyncProperty(fileRows(impressionRow, badImpression, 15), fileRows(interactionRow, badInteraction, 40), budgets, async (imp, int, budget) =>
        withDir(async (dir) => {
          writeFiles(dir, imp, int);
          const ref = reference(imp, int);
          const deadLetters = createDeadLetterMemory();
          const source = await openFileSource({ dataDir: dir, deadLetters, spillDir: join(dir, 'spill'), ...budget });
          const events: string[] = [];
          let deletes = 0;
          let badEvents = 0;
          for (;;) {
            const b = await source.pull({ beforeS: Infinity, maxEvents: 1 });
            events.push(...batchEvents(b));
            deletes += b.droppedDeletes;
            badEvents += b.badEvents;
            if (b.ended) break;
          }
          await source.close();
          expect(events).toEqual(ref.events);
          expect(deadLetters.rows.map((r) => badKey(dir, r))).toEqual(ref.bad);
          expect([deletes, badEvents]).toEqual([ref.deletes, ref.bad.length]);
        }),
      ),
      { numRuns: 80 },
    );
  });

  it('after random pulls, a fresh source seeked to any reported position hands out exactly the rest, however it reads the files', async () => {
    const request = fc.record({
      beforeS: fc.oneof(fc.integer({ min: 0, max: 44 }).map((k) => T0 + k * 43200), fc.constant(Infinity)),
      maxEvents: fc.integer({ min: 1, max: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fileRows(impressionRow, badImpression, 15),
        fileRows(interactionRow, badInteraction, 40),
        budgets,
        fc.array(request, { minLength: 1, maxLength: 25 }),
        fc.nat(),
        budgets,
        async (imp, int, budget, requests, pick, resumeBudget) =>
          withDir(async (dir) => {
            writeFiles(dir, imp, int);
            const ref = reference(imp, int);
            const opts = { dataDir: dir, spillDir: join(dir, 'spill'), ...budget };
            const source = await openFileSource({ ...opts, deadLetters: createDeadLetterMemory() });
            // After each pull: the position, and how much had been handed out before it.
            const marks: { position: FileSourcePosition; events: number; bad: number; deletes: number }[] = [];
            const mark = { events: 0, bad: 0, deletes: 0 };
            marks.push({ position: JSON.parse(JSON.stringify(source.position())) as FileSourcePosition, ...mark });
            for (const r of [...requests, { beforeS: Infinity, maxEvents: 1000 }]) {
              const b = await source.pull(r);
              const events = batchEvents(b);
              // A pull hands out the next events of the replay, whatever their split into the two columns.
              expect([...events].sort()).toEqual(ref.events.slice(mark.events, mark.events + events.length).sort());
              mark.events += events.length;
              mark.bad += b.badEvents;
              mark.deletes += b.droppedDeletes;
              marks.push({ position: JSON.parse(JSON.stringify(source.position())) as FileSourcePosition, ...mark });
            }
            await source.close();
            expect(mark).toEqual({ events: ref.events.length, bad: ref.bad.length, deletes: ref.deletes });

            const m = marks[pick % marks.length]!;
            const deadLetters = createDeadLetterMemory();
            // The resume may read the files another way (sorted or in place, another budget): positions carry over.
            const resumed = await openFileSource({ dataDir: dir, spillDir: join(dir, 'spill'), ...resumeBudget, deadLetters });
            await resumed.seek(m.position);
            const rest: string[] = [];
            let deletes = 0;
            for (;;) {
              const b = await resumed.pull({ beforeS: Infinity, maxEvents: 1 });
              rest.push(...batchEvents(b));
              deletes += b.droppedDeletes;
              if (b.ended) break;
            }
            await resumed.close();
            expect(rest).toEqual(ref.events.slice(m.events));
            expect(deadLetters.rows.map((r) => badKey(dir, r))).toEqual(ref.bad.slice(m.bad));
            expect(deletes).toBe(ref.deletes - m.deletes);
          }),
      ),
      { numRuns: 80 },
    );
  });
});
