// Preloaded into a real `dyadflow run` process by the stream's fault tests (node --import): stops, or announces, the
// process at a chosen point of a window's work, so a test can kill it with SIGKILL (or signal it) exactly there.
// Test-only: nothing in dyadflow knows about it. It makes the run believe stderr is a terminal, so the run prints
// its progress lines ("<window>: <phase>"), and watches them; it wraps fs.promises.open and rename, which the one
// durable atomic write (src/adapters/fs/atomic-file.ts) and the append-only files use.
//
//   DYADFLOW_TEST_AT=WHAT:ARG[#N]  the point, the N-th time it is reached (default the first):
//     phase:WINDOW:PHASE       the progress line of that window's phase (filling, snapshot, evaluate, train, model,
//                              metrics, fold); `phase:*:PHASE` any window
//     open:TEXT                just after a file whose path contains TEXT was opened (`.tmp`: an atomic write began)
//     rename:TEXT              just before a `.tmp` file is renamed onto a path containing TEXT (the file is complete)
//     renamed:TEXT             just after that rename (before the directory's fsync)
//   DYADFLOW_TEST_DO=stop|notify|await-signal (default stop)
//     stop          print "dyadflow-test: stopped at POINT" and block the thread for good (the event loop stops:
//                   no more writes, no signal handled): the test kills the process there
//     notify        print "dyadflow-test: at POINT" and go on
//     await-signal  (open/rename/renamed only) print "dyadflow-test: waiting at POINT" and go on once the process
//                   got SIGINT or SIGTERM (the run's own handler has run by then)
//   DYADFLOW_TEST_WINDOW=W   file points count only once a progress line of window W was printed (a window's own
//                   writes come after its first progress line, the previous window's checkpoint before it)
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import process from 'node:process';
import { setImmediate, setTimeout } from 'node:timers';

const spec = process.env.DYADFLOW_TEST_AT ?? '';
const action = process.env.DYADFLOW_TEST_DO ?? 'stop';
const gateWindow = process.env.DYADFLOW_TEST_WINDOW;

// The run draws its progress only on a terminal.
process.stderr.isTTY = true;

const hash = spec.lastIndexOf('#');
const point = hash >= 0 ? spec.slice(0, hash) : spec;
const nth = hash >= 0 ? Number(spec.slice(hash + 1)) : 1;
const colon = point.indexOf(':');
const what = point.slice(0, colon);
const arg = point.slice(colon + 1);
let seen = 0;

function say(text, path) {
  fs.writeSync(2, `\ndyadflow-test: ${text} ${point}${path === undefined ? '' : ` (${path})`}\n`);
}

/** Blocks the thread for good: nothing runs any more until the process is killed. */
function block() {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0, 60_000);
}

function stop(path) {
  say('stopped at', path);
  block();
}

let signalled = false;
if (action === 'await-signal') {
  const mark = () => (signalled = true);
  process.prependListener('SIGINT', mark);
  process.prependListener('SIGTERM', mark);
}

/** Called when the point is reached, synchronously (phase) or inside the wrapped call (files). */
async function reached(path) {
  if (action === 'notify') return say('at', path);
  if (action === 'stop') return stop(path);
  say('waiting at', path);
  while (!signalled) await new Promise((r) => setTimeout(r, 5));
  // Let the run's own signal handler (registered before ours fired) take effect first.
  await new Promise((r) => setImmediate(r));
}

function hit() {
  return ++seen === nth;
}

// Progress lines: the phase points, and the window gate of the file points.
let windowSeen = gateWindow === undefined;
const [phaseWindow, phaseName] = what === 'phase' ? [arg.slice(0, arg.lastIndexOf(':')), arg.slice(arg.lastIndexOf(':') + 1)] : [null, null];
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = function watchedWrite(chunk, ...rest) {
  const r = write(chunk, ...rest);
  const m = /\[K(\S+): (\w+)/.exec(String(chunk)); // after the \r and ESC that redraw the line
  if (m) {
    if (m[1] === gateWindow) windowSeen = true;
    if (what === 'phase' && (phaseWindow === '*' || m[1] === phaseWindow) && m[2] === phaseName && hit()) {
      if (action === 'stop') stop();
      else say('at');
    }
  }
  return r;
};

if (what === 'open' || what === 'rename' || what === 'renamed') {
  const realOpen = fs.promises.open;
  const realRename = fs.promises.rename;
  if (what === 'open') {
    fs.promises.open = async function watchedOpen(path, ...rest) {
      const fh = await realOpen.call(this, path, ...rest);
      if (windowSeen && String(path).includes(arg) && hit()) await reached(String(path));
      return fh;
    };
  } else {
    fs.promises.rename = async function watchedRename(from, to) {
      const match = windowSeen && String(from).endsWith('.tmp') && String(to).includes(arg) && hit();
      if (match && what === 'rename') await reached(String(to));
      await realRename.call(this, from, to);
      if (match && what === 'renamed') await reached(String(to));
    };
  }
  syncBuiltinESMExports();
} else if (spec !== '' && what !== 'phase') {
  throw new Error(`stream-hook: DYADFLOW_TEST_AT=${spec} is not phase:, open:, rename: or renamed:`);
}
