// Preloaded into a real `dyadflow` process by the fault tests (node --import): pauses the process just before it
// renames a file into place, so a test can kill -9 it at a chosen point of a run's writes, or let it go on.
// Test-only: nothing in dyadflow knows about it. It wraps fs.promises.rename, which the one durable atomic write
// (src/adapters/fs/atomic-file.ts) uses to put every finished `.tmp` in place.
//   DYADFLOW_TEST_PAUSE_BEFORE_RENAME=NAME[#N]  pause before the N-th (default first) rename onto a file named NAME
//   DYADFLOW_TEST_RESUME_FILE=PATH              go on once PATH exists (without it: wait until killed)
// On pausing it prints "dyadflow-test: paused before NAME" on stderr.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';

const spec = process.env.DYADFLOW_TEST_PAUSE_BEFORE_RENAME;
if (spec) {
  const [name, nth = '1'] = spec.split('#');
  const resumeFile = process.env.DYADFLOW_TEST_RESUME_FILE;
  const realRename = fs.promises.rename;
  let seen = 0;
  fs.promises.rename = async function pausingRename(from, to) {
    if (basename(String(to)) === name && ++seen === Number(nth)) {
      fs.writeSync(2, `dyadflow-test: paused before ${name}\n`);
      await new Promise((resolve) => {
        const timer = setInterval(() => {
          if (resumeFile && fs.existsSync(resumeFile)) {
            clearInterval(timer);
            resolve();
          }
        }, 20);
      });
    }
    return realRename.call(this, from, to);
  };
  syncBuiltinESMExports();
}
