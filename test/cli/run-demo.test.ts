// `npm start` (issue 11 item 6): the two commands of package.json's start script, through the CLI in process, with
// dyadflow-demo/ moved into a temporary folder: generate `tiny`, then the stream on it, no broker; the output ends
// with the per-window table and where the files are. Run twice: the second run finds the directory finished, does
// nothing, and still shows the table (of the windows the directory holds).
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let root: string;
let commands: string[][];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-demo-'));
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  commands = pkg.scripts.start!.split('&&').map((c) => {
    const [bin, ...argv] = c.trim().split(/\s+/);
    expect(bin).toBe('./dist/src/cli/bin.js');
    return argv.map((a) => a.replace(/(^|:)dyadflow-demo\//, `$1${root}/dyadflow-demo/`));
  });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const TABLE_HEADER = /^window\s+events\s+dyads\s+new u\/i\s+late\s+bad\s+click AUC m\/pop\s+MAP@1 m\/pop\s+epochs\s+seconds$/;

/** The window rows of a run's stdout, then what follows them. */
function table(stdout: string): { rows: string[]; after: string[] } {
  const lines = stdout.split('\n');
  const h = lines.findIndex((l) => TABLE_HEADER.test(l));
  expect(h, stdout).toBeGreaterThanOrEqual(0);
  const rows = lines.slice(h + 1).filter((l) => /^2015-W\d\d\s/.test(l));
  return { rows, after: lines.slice(h + 1 + rows.length) };
}

describe('npm start', () => {
  it('generates tiny under dyadflow-demo/ and streams it, ending with the per-window table and where the files are', async () => {
    expect(commands.map((c) => c[0])).toEqual(['generate', 'run']);
    expect(commands[1]).not.toContain('kafka');
    const gen = await runCli(commands[0]!);
    expect(gen.code, gen.stderr).toBe(0);
    const run = await runCli(commands[1]!);
    expect(run.code, run.stderr).toBe(0);
    const t = table(run.stdout);
    expect(t.rows.map((r) => r.split(/\s+/)[0])).toEqual(['2015-W34', '2015-W35', '2015-W36', '2015-W37', '2015-W38', '2015-W39']);
    const out = `${root}/dyadflow-demo/run`;
    expect(t.after).toEqual([
      '',
      expect.stringMatching(new RegExp(`^input ended: 6 windows in [\\d.]+ s \\(6 in ${out} in all\\); latest model 2015-W39$`)),
      `  ${out}/report.md (charts), metrics.ndjson, snapshots/<window>/, models/<window>/, models/LATEST, run.log`,
      '',
    ]);
    expect((await readdir(join(root, 'dyadflow-demo'))).sort()).toEqual(['data', 'run']);
    expect((await readFile(join(out, 'report.md'), 'utf8')).startsWith('# dyadflow run')).toBe(true);

    // Again: the same data, a finished directory; the table of the windows it holds, seconds unknown.
    expect((await runCli(commands[0]!)).code).toBe(0);
    const again = await runCli(commands[1]!);
    expect(again.code, again.stderr).toBe(0);
    const u = table(again.stdout);
    expect(u.rows.map((r) => r.replace(/\s+–$/, ''))).toEqual(t.rows.map((r) => r.replace(/\s+[\d.]+$/, '')));
    expect(u.after[1]).toMatch(/^input ended: 0 windows in [\d.]+ s \(6 in .* in all\), resumed after 2015-W39; latest model 2015-W39$/);
  });
});
