// A reporter beside vitest's default one that names what a run left unfinished, as the last lines of `npm test`.
// When a test worker dies (a native crash, a signal, V8 out of memory), vitest says only "Worker exited
// unexpectedly" and leaves the file out of its counts; CI keeps the tail of the output. This prints, after the
// summary: each file that did not pass, the tests that started and never ended (with how long they had run), and
// how each test process that died ended (exit code or signal), so a crash names its file and its cause.
import { ChildProcess } from 'node:child_process';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

interface Started {
  name: string;
  atMs: number;
}

interface Death {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  atMs: number;
}

const deaths: Death[] = [];
let patched = false;

/** Records every child process of this (the main vitest) process that ends with a non-zero code or a signal. */
function watchChildExits(): void {
  if (patched) return;
  patched = true;
  const emit = ChildProcess.prototype.emit as (this: ChildProcess, event: string | symbol, ...args: unknown[]) => boolean;
  ChildProcess.prototype.emit = function (this: ChildProcess, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'exit') {
      const [code, signal] = args as [number | null, NodeJS.Signals | null];
      if (code !== 0 || signal !== null) deaths.push({ pid: this.pid, code, signal, atMs: Date.now() });
    }
    return emit.call(this, event, ...args);
  } as typeof ChildProcess.prototype.emit;
}

/** Names unfinished files and tests, and dead test processes, after vitest's summary. */
export default class UnfinishedReporter implements Reporter {
  private readonly running = new Map<string, Started>();

  onInit(): void {
    watchChildExits();
  }

  onTestCaseReady(test: TestCase): void {
    this.running.set(test.id, { name: `${test.module.moduleId} › ${test.fullName}`, atMs: Date.now() });
  }

  onTestCaseResult(test: TestCase): void {
    this.running.delete(test.id);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const notPassed = modules.filter((m) => m.state() !== 'passed' && m.state() !== 'skipped');
    if (notPassed.length === 0 && this.running.size === 0) return;
    const now = Date.now();
    const lines = ['', 'unfinished-reporter: what did not pass or did not end'];
    for (const m of notPassed) lines.push(`  file ${m.moduleId}: ${m.state()}`);
    for (const t of this.running.values()) lines.push(`  started, never ended (${((now - t.atMs) / 1000).toFixed(1)} s ago): ${t.name}`);
    // Test workers are not the only children (a broker's shell, a CLI a test starts): all are listed, with times.
    for (const d of deaths) lines.push(`  child pid ${d.pid} ended with ${d.signal ?? `code ${d.code}`} ${((now - d.atMs) / 1000).toFixed(1)} s before the end`);
    process.stdout.write(lines.join('\n') + '\n');
  }
}
