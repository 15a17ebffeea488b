// Issue 11, must show: a real `dyadflow run --source file:DIR` process group killed with SIGKILL at random points
// (seeded: DYADFLOW_FAULT_SEED replays a failure), restarted after each kill, ends byte-identical to an uninterrupted
// run: every Parquet, Arrow, manifest, model, checkpoint, metrics.ndjson, dead-letters.ndjson, report.md and SVG file
// (timings only in run.log). The points cover every stage of a window: the snapshot being written, evaluation,
// training, the model being written and LATEST, the metrics line, the fold and the checkpoint write, plus kills after
// a random delay wherever they land. The test-only preload stream-hook.mjs stops the process at a point (its event
// loop blocked, so nothing more is written) and the test kills the group there.
//
// After every kill the directory is checked twice: as the kill left it (`status` reads it), and once the next run
// has recovered it (that run is stopped once it has found the next window): no stray `.tmp`, no snapshot or model of a
// window after the last checkpoint, models/LATEST naming the checkpoint's model, metrics.ndjson and report.md as the
// checkpoint describes them, dead letters a prefix of the uninterrupted run's (each bad line once).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestRunCheckpointMeta } from '../../src/adapters/checkpoint/run-dir.js';
import { renderStreamCharts, renderStreamReport, type StreamMetricsLine } from '../../src/core/report/stream-report.js';
import { CHECKPOINT_KIND } from '../../pipelines/stream-stages.js';
import { runCli } from '../helpers/cli.js';
import { compiledCli } from '../helpers/cli-process.js';
import {
  STOPPED,
  faultSeed,
  fileDigests,
  insertLines,
  metricsLines,
  reproducible,
  seededRandom,
  startRun,
  subdirs,
  tail,
  tmpFiles,
  type HookPoint,
} from './stream-process.js';

const SEED = faultSeed(20_151);

let root: string;
let data: string;
let ref: string;
let refFiles: Record<string, string>;
let refLines: string[];
let refDeadLetters: string[];
let windows: string[];
let runOptions: Record<string, unknown>;

const args = (out: string): string[] => ['run', '--source', `file:${data}`, '--out', out, '--window', '1d'];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-stream-kill-'));
  data = join(root, 'data');
  expect((await runCli(['generate', '--preset', 'tiny', '--seed', '3', '--out', data])).code).toBe(0);
  // Bad lines of several kinds spread over the weeks, so dead letters are written in many windows.
  await insertLines(join(data, 'interactions.csv'), [
    { after: 0, text: 'user\titem\t1\t1439769600' },
    { after: 900, text: '12\t100020' },
    { after: 3100, text: '12\t100020\t9\t1440000000' },
    { after: 6050, text: '' },
    { after: 9000, text: '-5\t100020\t1\t1441500000' },
    { after: 12500, text: '12\t100020\t1\tsoon' },
  ]);
  await insertLines(join(data, 'impressions.csv'), [
    { after: 200, text: '12\t2015\t35' },
    { after: 500, text: '12\t2015\t37\t' },
    { after: 800, text: '12\t2015\t38\t100020,x' },
  ]);
  ref = join(root, 'ref');
  const r = await runCli(args(ref));
  expect(r.code, r.stderr).toBe(0);
  refFiles = await fileDigests(ref, (p) => !reproducible(p));
  refLines = await metricsLines(ref);
  windows = refLines.map((l) => (JSON.parse(l) as StreamMetricsLine).window);
  refDeadLetters = (await readFile(join(ref, 'dead-letters.ndjson'), 'utf8')).split('\n').filter((l) => l.length > 0);
  runOptions = (JSON.parse(await readFile(join(ref, 'run.json'), 'utf8')) as { options: Record<string, unknown> }).options;
  expect(windows.length).toBeGreaterThanOrEqual(40);
  expect(refDeadLetters.length).toBe(1 + 9); // the header, then each bad line
  await compiledCli();
}, 180_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A kill point: where the hook stops the process, and the progress phase the process must have reached by then. */
interface Stage {
  name: string;
  point: (window: string) => HookPoint;
  /** The last progress phase printed before the stop (the checkpoint's own line, where there is one, or `fold`). */
  phase: string | RegExp;
}

// Every stage of a window, in its order (the stream's stages: snapshot, evaluate, train, model, metrics, fold, checkpoint).
const STAGES: Stage[] = [
  { name: 'features.parquet being written', point: (w) => ({ at: 'open:features.parquet.tmp', window: w }), phase: 'snapshot' },
  { name: 'features.arrow written, not in place', point: (w) => ({ at: 'rename:features.arrow', window: w }), phase: 'snapshot' },
  { name: "the snapshot's manifest written, not in place", point: (w) => ({ at: `rename:snapshots/${w}/manifest.json`, window: w }), phase: 'snapshot' },
  { name: 'evaluation (prequential)', point: (w) => ({ at: `phase:${w}:evaluate` }), phase: 'evaluate' },
  // Training writes nothing: killed as it starts (after evaluation), the directory is as it is all through it.
  { name: 'training', point: (w) => ({ at: `phase:${w}:train` }), phase: 'train' },
  { name: 'parameters.bin being written', point: (w) => ({ at: 'open:parameters.bin.tmp', window: w }), phase: 'model' },
  { name: 'the model whole, LATEST not yet replaced', point: (w) => ({ at: 'rename:models/LATEST', window: w }), phase: 'model' },
  { name: 'LATEST replaced, ahead of the checkpoint', point: (w) => ({ at: 'renamed:models/LATEST', window: w }), phase: 'model' },
  { name: 'the metrics line appended, report.md not yet replaced', point: (w) => ({ at: 'rename:report.md', window: w }), phase: 'metrics' },
  { name: 'the fold', point: (w) => ({ at: `phase:${w}:fold` }), phase: 'fold' },
  { name: 'the checkpoint being written', point: (w) => ({ at: 'open:.ckpt.tmp', window: w }), phase: /^(fold|checkpoint)$/ },
  { name: 'the checkpoint in place, the older one not yet removed', point: (w) => ({ at: `renamed:-${w}.ckpt`, window: w }), phase: /^(fold|checkpoint)$/ },
];

type Step = { window: string; stage: Stage } | { window: string; delayMs: number };

/** The seeded plan: every stage once, in a shuffled order, at increasing windows, with kills after random delays between. */
function killPlan(rng: () => number): Step[] {
  const kinds: (Stage | 'delay')[] = [...STAGES, 'delay', 'delay'];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  // The first kill is in the first window, before its checkpoint: a crash with no checkpoint at all.
  if (kinds[0] !== 'delay' && kinds[0]!.name.startsWith('the checkpoint in place')) [kinds[0], kinds[1]] = [kinds[1]!, kinds[0]!];
  const steps: Step[] = [];
  let ix = 0;
  for (const k of kinds) {
    if (k === 'delay') {
      // Lands a few windows on, wherever: the next point is far enough after it.
      steps.push({ window: windows[ix]!, delayMs: Math.floor(rng() * 300) });
      ix += 5;
    } else {
      steps.push({ window: windows[ix]!, stage: k });
      ix += 1 + Math.floor(rng() * 2);
    }
  }
  expect(ix).toBeLessThan(windows.length);
  return steps;
}

/** The last progress phase a killed process printed. */
function lastPhase(stderr: string): { window: string; phase: string } | null {
  const m = [...stderr.matchAll(/\[K(\S+): (\w+)/g)].at(-1);
  return m ? { window: m[1]!, phase: m[2]! } : null;
}

/** What a reader of the directory may rely on at any moment, a killed run's included. */
async function checkAsLeft(out: string): Promise<void> {
  const meta = (await latestRunCheckpointMeta(out, CHECKPOINT_KIND)) as { meta: { windowsTotal: number; window: { id: string } } } | null;
  const s = await runCli(['status', '--out', out, '--json']);
  expect(s.code, s.stderr).toBe(0);
  const status = JSON.parse(s.stdout) as { checkpoint: { windowsTotal: number; window: { id: string } } | null };
  expect(status.checkpoint?.window.id ?? null).toBe(meta?.meta.window.id ?? null);
  const total = meta?.meta.windowsTotal ?? 0;
  // Snapshot and model files of a checkpointed window are whole and final.
  const done = await fileDigests(out, (p) => !windows.slice(0, total).some((w) => p.startsWith(`snapshots/${w}/`) || p.startsWith(`models/${w}/`)));
  for (const [p, digest] of Object.entries(done)) expect(digest, p).toBe(refFiles[p]);
  // metrics.ndjson holds the checkpointed lines, and at most the line of the window in progress.
  const lines = await metricsLines(out);
  expect(lines.slice(0, total)).toEqual(refLines.slice(0, total));
  expect(lines.length - total).toBeLessThanOrEqual(1);
}

/**
 * Starts the next run and stops it once it has recovered the directory and found the next window; checks that the
 * directory is exactly what its last checkpoint describes; kills it. Returns false when the directory was finished
 * (that run had nothing to do and ended).
 */
async function checkRecovered(out: string): Promise<boolean> {
  const found = await latestRunCheckpointMeta(out, CHECKPOINT_KIND);
  const meta = found?.meta as { windowsTotal: number; window: { id: string }; modelId: string | null; files: { metrics: number; deadLetters: number }; ended: boolean } | undefined;
  const total = meta?.windowsTotal ?? 0;
  // The next run's first progress line: it has recovered the directory, opened the source at the checkpoint's
  // position and found the next window, and written nothing of it yet.
  const proc = await startRun(args(out), { at: 'phase:*:filling' });
  const stopped = await Promise.race([proc.waitFor(STOPPED).then(() => true), proc.done.then(() => false)]);
  if (!stopped) {
    const r = await proc.done;
    expect(r.code, tail(r.stderr)).toBe(0);
    expect(meta?.ended, 'a run on an unfinished directory ended without writing anything').toBe(true);
    return false;
  }
  const done = windows.slice(0, total);
  expect(await subdirs(join(out, 'snapshots'))).toEqual(done);
  expect(await subdirs(join(out, 'models'))).toEqual(done);
  expect(await tmpFiles(out)).toEqual([]);
  // LATEST names the checkpoint's model (none before the first checkpoint).
  const latest = await readFile(join(out, 'models', 'LATEST'), 'utf8').then((t) => t.trim(), () => null);
  expect(latest).toBe(meta?.modelId ?? null);
  // metrics.ndjson, report.md and the charts as the checkpoint describes them.
  expect(await metricsLines(out)).toEqual(refLines.slice(0, total));
  const history = refLines.slice(0, total).map((l) => JSON.parse(l) as StreamMetricsLine);
  const report = await readFile(join(out, 'report.md'), 'utf8').catch(() => null);
  if (report !== null) {
    expect(report).toBe(renderStreamReport(history, { options: runOptions }));
    for (const [name, svg] of Object.entries(renderStreamCharts(history))) expect(await readFile(join(out, name), 'utf8'), name).toBe(svg);
  }
  // Dead letters: the uninterrupted run's, up to where this run's first pull got (each bad line once).
  const dead = (await readFile(join(out, 'dead-letters.ndjson'), 'utf8')).split('\n').filter((l) => l.length > 0);
  expect(dead).toEqual(refDeadLetters.slice(0, dead.length));
  if (meta) expect((await readFile(join(out, 'dead-letters.ndjson'))).length).toBeGreaterThanOrEqual(meta.files.deadLetters);
  // `status` agrees with the files.
  const s = await runCli(['status', '--out', out, '--json']);
  expect(s.code, s.stderr).toBe(0);
  const status = JSON.parse(s.stdout) as { checkpoint: { window: { id: string } } | null; latestModel: { id: string } | null };
  expect(status.checkpoint?.window.id ?? null).toBe(meta?.window.id ?? null);
  expect(status.latestModel?.id ?? null).toBe(meta?.modelId ?? null);
  await proc.kill();
  return true;
}

describe('dyadflow run killed with SIGKILL at random points', () => {
  it(`resumes after each kill and ends byte-identical to an uninterrupted run (seed ${SEED})`, async () => {
    const out = join(root, 'killed');
    const plan = killPlan(seededRandom(SEED));
    const landed: string[] = [];
    for (const step of plan) {
      let proc;
      if ('stage' in step) {
        proc = await startRun(args(out), step.stage.point(step.window));
        await proc.waitFor(STOPPED);
      } else {
        proc = await startRun(args(out), { at: `phase:${step.window}:filling`, do: 'notify' });
        await proc.waitFor(STOPPED);
        await new Promise((r) => setTimeout(r, step.delayMs));
      }
      const r = await proc.kill();
      const phase = lastPhase(r.stderr);
      landed.push(`${'stage' in step ? step.stage.name : `${step.delayMs} ms after ${step.window} opened`}: killed in ${phase ? `${phase.window}: ${phase.phase}` : 'start-up'}`);
      if ('stage' in step) {
        expect(phase?.window, step.stage.name).toBe(step.window);
        expect(phase?.phase, `${step.stage.name} at ${step.window}`).toMatch(step.stage.phase instanceof RegExp ? step.stage.phase : new RegExp(`^${step.stage.phase}$`));
      }
      await checkAsLeft(out);
      await checkRecovered(out);
    }
    console.log(`stream kill points (seed ${SEED}):\n  ${landed.join('\n  ')}`);
    const last = await startRun(args(out));
    const r = await last.done;
    expect(r.code, tail(r.stderr)).toBe(0);
    expect(r.stderr).toMatch(/taking over the lock of run \(pid \d+/);
    expect(await tmpFiles(out)).toEqual([]);
    expect(await fileDigests(out, (p) => !reproducible(p))).toEqual(refFiles);
    // A finished directory: the next run does nothing and ends.
    expect(await checkRecovered(out)).toBe(false);
    expect(await fileDigests(out, (p) => !reproducible(p))).toEqual(refFiles);
  }, 300_000);
});
