import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('dyadflow CLI entry', () => {
  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: dyadflow');
  });

  it('prints the version of package.json with --version', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('rejects an unknown command with exit code 2 and one line', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports an output path that cannot be created in one line with exit code 2, no stack trace', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'dyadflow-main-'));
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const r = await runCli(['generate', '--preset', 'tiny', '--out', join(file, 'sub')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^dyadflow: ENOTDIR/)]);
  });
});
