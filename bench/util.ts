// Shared helpers of the benchmarks: one JSON line per figure, with the machine stated.
import { cpus, totalmem } from 'node:os';

/** The machine a figure was measured on. */
export function machine(): { cpu: string; cores: number; memGiB: number; node: string } {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/** Prints one figure as a JSON line on stdout. */
export function report(bench: string, figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ bench, figure, value, unit, ...extra, machine: machine() }) + '\n');
}

/** Peak resident set size of this process so far, in bytes (Linux VmHWM). */
export async function peakRssBytes(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile('/proc/self/status', 'utf8');
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}
