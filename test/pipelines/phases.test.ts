import { describe, expect, it } from 'vitest';
import { PhaseTimer } from '../../pipelines/phases.js';

describe('PhaseTimer', () => {
  it('announces each phase as it starts and times every phase and the total in whole milliseconds', async () => {
    const seen: string[] = [];
    const timer = new PhaseTimer<'a' | 'b'>((p) => seen.push(p));
    timer.start('a');
    await new Promise((r) => setTimeout(r, 30));
    timer.start('b');
    const t = timer.finish();
    expect(seen).toEqual(['a', 'b']);
    expect(Object.keys(t)).toEqual(['a', 'b', 'total']);
    expect(t.a).toBeGreaterThanOrEqual(25);
    for (const v of Object.values(t)) expect(Number.isInteger(v)).toBe(true);
    expect(t.total).toBeGreaterThanOrEqual(t.a + t.b - 1);
  });
});
