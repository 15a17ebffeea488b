// Shared helpers of the recsys16 adapter tests: temp dirs and draining the batch generators.
import { mkdtempSync, rmSync } from 'node:fs';
import { onTestFinished } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory, removed when the calling test finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dyadflow-recsys16-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Drains an async generator: every yielded value and its return value. */
export async function drain<T, R>(gen: AsyncGenerator<T, R>): Promise<{ items: T[]; result: R }> {
  const items: T[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { items, result: r.value };
    items.push(r.value);
  }
}
