// Shared helpers of the source tests: temp folders, tiny RecSys 2016 files, and draining a source into readable
// event strings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { EventBatch, EventSource, PullRequest } from '../../../src/core/events/source.js';

export const INTERACTIONS_HEADER = 'user_id\titem_id\tinteraction_type\tcreated_at';
export const IMPRESSIONS_HEADER = 'user_id\tyear\tweek\titems';
// 2016-W33 starts on Monday 2016-08-15 00:00 UTC; W34 one week later.
export const W33 = 1471219200;
export const W34 = W33 + 7 * 86400;
export const W35 = W34 + 7 * 86400;

/** A fresh temporary folder, removed when the calling test finishes. */
export function tempDir(prefix = 'dyadflow-source-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes interactions.csv and impressions.csv (header, then the given lines, each ended by a newline). */
export function writeData(dir: string, interactions: readonly string[], impressions: readonly string[]): void {
  writeFileSync(join(dir, 'interactions.csv'), [INTERACTIONS_HEADER, ...interactions].map((l) => l + '\n').join(''));
  writeFileSync(join(dir, 'impressions.csv'), [IMPRESSIONS_HEADER, ...impressions].map((l) => l + '\n').join(''));
}

/** A batch's events as strings, interactions first then impression pairs (each in the order handed out). */
export function batchEvents(b: EventBatch): string[] {
  const out: string[] = [];
  const it = b.interactions;
  for (let i = 0; i < it.length; i++) out.push(`i ${it.userIds[i]} ${it.itemIds[i]} ${it.types[i]} @${it.createdAtS[i]}`);
  const p = b.impressions;
  for (let i = 0; i < p.length; i++) out.push(`p ${p.userIds[i]} ${p.itemIds[i]} @${p.eventTimeS[i]}`);
  return out;
}

/** Everything a run of pulls handed out. */
export interface Drained {
  events: string[];
  batches: EventBatch[];
  droppedDeletes: number;
  badEvents: number;
}

/** Pulls with `request` until the source ends (or `maxPulls`, a guard against a source that never ends). */
export async function drain(source: EventSource, request: PullRequest = { beforeS: Infinity, maxEvents: 1000 }, maxPulls = 10000): Promise<Drained> {
  const d: Drained = { events: [], batches: [], droppedDeletes: 0, badEvents: 0 };
  for (let k = 0; k < maxPulls; k++) {
    const b = await source.pull(request);
    d.batches.push(b);
    d.events.push(...batchEvents(b));
    d.droppedDeletes += b.droppedDeletes;
    d.badEvents += b.badEvents;
    if (b.ended) return d;
  }
  throw new Error(`source did not end within ${maxPulls} pulls`);
}
