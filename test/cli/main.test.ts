import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('dyadflow CLI entry', () => {
  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: dyadflow');
  });

  it('rejects an unknown command with exit code 2 and one line', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
