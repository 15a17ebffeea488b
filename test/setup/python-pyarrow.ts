// vitest global setup of the integration tier: pyarrow is the second reader of our Arrow and Parquet files
// (architecture.md: "Parquet files must open in DuckDB and pyarrow"). When the machine's python3 has no pyarrow,
// it is installed from PyPI into the project's .cache/python (git-ignored) and put on PYTHONPATH for the test
// processes, so `npm test` alone is enough on a fresh machine with Python 3 and pip. A failed install does not
// skip anything: the pyarrow test then fails with its own message.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pyarrow release the tests read with (a wheel for CPython 3.9–3.13 on x86-64 and arm64 Linux). */
export const PYARROW_VERSION = '26.0.1';

const target = join(fileURLToPath(new URL('../..', import.meta.url)), '.cache', 'python');

function hasPyarrow(env: NodeJS.ProcessEnv): boolean {
  try {
    execFileSync('python3', ['-c', 'import pyarrow'], { stdio: 'ignore', env });
    return true;
  } catch {
    return false;
  }
}

/** Makes `import pyarrow` work for the test processes (installing it into .cache/python when missing). */
export default function setup(): void {
  if (hasPyarrow(process.env)) return;
  const withCache = { ...process.env, PYTHONPATH: [target, process.env.PYTHONPATH].filter(Boolean).join(':') };
  if (!(existsSync(target) && hasPyarrow(withCache))) {
    try {
      execFileSync(
        'python3',
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--target', target, `pyarrow==${PYARROW_VERSION}`],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
    } catch {
      process.stderr.write(`test setup: could not install pyarrow ${PYARROW_VERSION} into ${target}; the pyarrow test will fail\n`);
      return;
    }
  }
  process.env.PYTHONPATH = withCache.PYTHONPATH;
}
