// Issue 9 item 7: an error nobody foresaw (a bug, or a limit of Node such as "data is too long") exits with the
// documented code 1 and one line; the stack trace only with DYADFLOW_DEBUG=1.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.js';

vi.mock('../../pipelines/batch-features.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../pipelines/batch-features.js')>()),
  runBatchFeatures: async () => {
    throw new RangeError('data is too long');
  },
}));

afterEach(() => {
  delete process.env.DYADFLOW_DEBUG;
});

describe('an unexpected error', () => {
  it('is one line and exit code 1, without a stack trace', async () => {
    const r = await runCli(['features', '--data', 'd', '--out', 'o']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dyadflow: unexpected error: RangeError: data is too long (DYADFLOW_DEBUG=1 prints the stack)\n');
    expect(r.stdout).toBe('');
  });

  it('prints its stack with DYADFLOW_DEBUG=1', async () => {
    process.env.DYADFLOW_DEBUG = '1';
    const r = await runCli(['features', '--data', 'd', '--out', 'o']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dyadflow: unexpected error: RangeError: data is too long\n {4}at /);
  });
});
