import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_OPTIONS } from '../../pipelines/stream.js';
import { StreamContext, type StreamRequest } from '../../pipelines/stream-stages.js';
import { ImplicitState } from '../../src/core/matrix/implicit-state.js';
import { Rng } from '../../src/core/random/rng.js';

function context(): StreamContext {
  const req = { outDir: '/nonexistent', options: DEFAULT_STREAM_OPTIONS } as unknown as StreamRequest;
  return new StreamContext(req, ImplicitState.empty(), null, Rng.fromSeed(1));
}

/** A job of `cheap` units of kind 'a' then `dear` units of kind 'b'; it records the budget of every call. */
function twoKindJob(cheap: number, dear: number): { run(budget: number): boolean; readonly unitKind: string; calls: { kind: string; budget: number }[] } {
  let a = cheap;
  let b = dear;
  const calls: { kind: string; budget: number }[] = [];
  return {
    calls,
    get unitKind() {
      return a > 0 ? 'a' : 'b';
    },
    run(budget) {
      calls.push({ kind: a > 0 ? 'a' : 'b', budget });
      if (a > 0) a = Math.max(0, a - budget);
      else b = Math.max(0, b - Math.min(budget, 1));
      return a === 0 && b === 0;
    },
  };
}

describe('StreamContext.runSliced', () => {
  it('gives each unit kind of a job its own budget: one grown on cheap units is never spent on dear ones', async () => {
    const ctx = context();
    const job = twoKindJob(5_000_000, 3);
    await ctx.runSliced(job, 'test', 1_000);
    const firstB = job.calls.find((c) => c.kind === 'b')!;
    // The cheap phase doubled its budget far past the start; the dear phase starts again from the initial budget.
    expect(Math.max(...job.calls.filter((c) => c.kind === 'a').map((c) => c.budget))).toBeGreaterThan(1_000);
    expect(firstB.budget).toBe(1_000);
  });

  it('a job without unit kinds keeps one budget, carried to its next run', async () => {
    const ctx = context();
    let calls = 0;
    await ctx.runSliced({ run: () => ++calls >= 3 }, 'plain', 7);
    const seen: number[] = [];
    await ctx.runSliced({ run: (b) => (seen.push(b), true) }, 'plain', 7);
    expect(seen[0]).toBeGreaterThan(7);
  });
});
