// `npm run bench -- read [--rows N] [--impression-lines N]`: reading RecSys 2016 files at the challenge's scale.
// Generates (once, cached under the OS temp dir) an interactions file of 8,826,678 rows shaped like the real one
// (reference/wtl-and-recsys16.md §2.2: users < 3M, items < 1.4M, 2015-08-19..2015-11-08, 11.5% deletes) and an
// impressions file, with this adapter's own writers and a seeded Rng; then measures each read in a fresh child
// process so that its peak RSS is the reader's alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InteractionTableBuilder } from '../src/core/events/tables.js';
import { Rng } from '../src/core/random/rng.js';
import {
  createDeadLetterMemory,
  createImpressionWriter,
  createInteractionWriter,
  readImpressionBatches,
  readInteractionBatches,
} from '../src/adapters/recsys16/index.js';
import { peakRssBytes, report } from './util.js';

const RECSYS16_ROWS = 8_826_678;
const IMPRESSION_LINES = 2_000_000;
const START_S = 1439942400; // 2015-08-19 00:00 UTC
const END_S = 1447027199; // 2015-11-08 23:59:59 UTC

function argValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
}

async function generateInteractions(path: string, rows: number): Promise<void> {
  const rng = Rng.fromSeed(2016);
  const w = createInteractionWriter(path);
  const rec = { user_id: 0, item_id: 0, interaction_type: 1 as 1 | 2 | 3 | 4, created_at: 0 };
  const span = END_S - START_S;
  for (let i = 0; i < rows; i++) {
    // Skewed ids (squares of uniforms): a few heavy users and popular items, like the real data.
    const u = rng.nextFloat();
    const v = rng.nextFloat();
    rec.user_id = Math.floor(u * u * 3_000_000);
    rec.item_id = Math.floor(v * v * 1_400_000);
    const t = rng.nextFloat();
    // Type shares of the real file: 11.5% deletes, then clicks, replies, bookmarks.
    rec.interaction_type = t < 0.115 ? 4 : t < 0.115 + 0.8138 ? 1 : t < 0.115 + 0.8138 + 0.0478 ? 3 : 2;
    rec.created_at = START_S + Math.floor((i / rows) * span) + rng.nextInt(300);
    if (rec.created_at > END_S) rec.created_at = END_S;
    const p = w.write(rec);
    if (p) await p;
  }
  await w.close();
}

async function generateImpressions(path: string, lines: number): Promise<void> {
  const rng = Rng.fromSeed(2017);
  const w = createImpressionWriter(path);
  for (let i = 0; i < lines; i++) {
    // Mostly short lists, a long tail up to several hundred ids (mean about 20, as 201M triples / 10.1M lines).
    const x = rng.nextFloat();
    const n = 1 + Math.floor(x * x * x * x * 100) + (rng.nextInt(50) === 0 ? rng.nextInt(400) : 0);
    const items: number[] = new Array<number>(n);
    for (let k = 0; k < n; k++) items[k] = rng.nextInt(1_400_000);
    const p = w.write({ user_id: rng.nextInt(3_000_000), year: 2015, week: 34 + Math.floor((i / lines) * 12), items });
    if (p) await p;
  }
  await w.close();
}

async function measureInteractions(path: string): Promise<void> {
  const deadLetters = createDeadLetterMemory();
  const table = new InteractionTableBuilder(1 << 16);
  const t0 = performance.now();
  const gen = readInteractionBatches(path, { deadLetters });
  let summary;
  for (;;) {
    const r = await gen.next();
    if (r.done) {
      summary = r.value;
      break;
    }
    const b = r.value;
    for (let i = 0; i < b.length; i++) table.push(b.userIds[i]!, b.itemIds[i]!, b.types[i]!, b.createdAtS[i]!);
  }
  const built = table.finish();
  const seconds = (performance.now() - t0) / 1000;
  const extra = { rows: summary.rows, kept: built.length, droppedDeletes: summary.droppedDeletes, badRows: summary.badRows, seconds };
  report('read', 'read.interactions.rowsPerS', Math.round(summary.rows / seconds), 'rows/s', extra);
  report('read', 'read.interactions.peakRssBytes', await peakRssBytes(), 'bytes', { note: 'whole file into an InteractionTable' });
}

async function measureImpressions(path: string): Promise<void> {
  const deadLetters = createDeadLetterMemory();
  const t0 = performance.now();
  const gen = readImpressionBatches(path, { deadLetters });
  let summary;
  let check = 0;
  for (;;) {
    const r = await gen.next();
    if (r.done) {
      summary = r.value;
      break;
    }
    for (const rec of r.value.records) check += rec.items.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (check !== summary.triples) throw new Error('impression triples do not add up');
  const extra = { rows: summary.rows, triples: summary.triples, badRows: summary.badRows, seconds };
  report('read', 'read.impressions.rowsPerS', Math.round(summary.rows / seconds), 'rows/s', extra);
  report('read', 'read.impressions.triplesPerS', Math.round(summary.triples / seconds), 'triples/s', extra);
  report('read', 'read.impressions.peakRssBytes', await peakRssBytes(), 'bytes', { note: 'streamed, records dropped after counting' });
}

/** Generates the files when missing, then measures each reader in a child process. */
export default async function bench(args: string[]): Promise<void> {
  if (args[0] === '--measure') {
    if (args[1] === 'interactions') await measureInteractions(args[2]!);
    else await measureImpressions(args[2]!);
    return;
  }
  const rows = argValue(args, '--rows', RECSYS16_ROWS);
  const impressionLines = argValue(args, '--impression-lines', IMPRESSION_LINES);
  const dir = join(tmpdir(), `dyadflow-bench-read-${rows}-${impressionLines}`);
  mkdirSync(dir, { recursive: true });
  const interactions = join(dir, 'interactions.csv');
  const impressions = join(dir, 'impressions.csv');
  // Files appear only by rename after a complete write, so an existing file is a complete one.
  for (const [path, make] of [
    [interactions, () => generateInteractions(interactions, rows)],
    [impressions, () => generateImpressions(impressions, impressionLines)],
  ] as const) {
    if (existsSync(path)) continue;
    const t0 = performance.now();
    await make();
    const seconds = (performance.now() - t0) / 1000;
    process.stderr.write(`generated ${path} (${statSync(path).size} bytes) in ${seconds.toFixed(1)} s\n`);
  }
  for (const [kind, path] of [
    ['interactions', interactions],
    ['impressions', impressions],
  ] as const) {
    const child = spawnSync(process.execPath, [process.argv[1]!, 'read', '--measure', kind, path], { stdio: 'inherit' });
    if (child.status !== 0) throw new Error(`measuring ${kind} failed with exit code ${child.status}`);
  }
}
