// The rule for the default model kind as a function of results (issue 10): a variant replaces the paper's MTL
// only if it beats STL (per-user AUC, p < 0.01) on click and on bookmark or reply in every run given.
import { describe, expect, it } from 'vitest';
import { recommendModelKind } from '../../../src/core/experiment/recommend.js';
import type { Fig2, Fig2Entry, Fig2Row, TaskMetrics } from '../../../src/core/evaluation/index.js';

const metrics = (auc: number): TaskMetrics => ({ f1: 0.1, auc, aucPooled: auc, map1: 0.1, map5: 0.1, map5Norm: 0.1 });
const row = (auc: number, p: number): Fig2Row => ({ ...metrics(auc), pValuesVsStl: { auc: p, map1: 1, map5: 1 }, pValuesVsMtl: { auc: 1, map1: 1, map5: 1 } });

/** One run: STL AUC 0.6 everywhere; each variant's (AUC, p against STL) per task. */
type Task = 'click' | 'embedding' | 'bookmark' | 'reply';

function run(variants: Record<string, Partial<Record<Task, readonly [number, number]>>>): Fig2 {
  const entry = (task: Task): Fig2Entry => ({
    stl: metrics(0.6),
    mtl: metrics(0.6),
    pValues: { auc: 1, map1: 1, map5: 1 },
    pValuesRankSum: { auc: 1, map1: 1, map5: 1 },
    baselines: {},
    variants: Object.fromEntries(Object.entries(variants).map(([name, v]) => [name, row(...(v[task] ?? ([0.6, 1] as const)))])),
    bestBaseline: { auc: null, map1: null, map5: null },
    againstBestBaseline: {},
  });
  return { click: entry('click'), embedding: entry('embedding'), bookmark: entry('bookmark'), reply: entry('reply') };
}

describe('recommendModelKind', () => {
  const wins = { click: [0.62, 1e-4], reply: [0.61, 0.003] } as const;

  it('keeps the paper\'s MTL when no variant ran', () => {
    const r = recommendModelKind([run({}), run({})]);
    expect(r.kind).toBe('mtl');
    expect(r.reason).toMatch(/^the paper's MTL, since no variant ran; the rule: /);
  });

  it('picks a variant that beats STL on click and reply in both runs', () => {
    const r = recommendModelKind([run({ bilinear: { ...wins } }), run({ bilinear: { click: [0.63, 1e-6], bookmark: [0.61, 1e-3] } })]);
    expect(r).toMatchObject({ kind: 'bilinear', qualifying: ['bilinear'], runs: 2, provisional: false });
  });

  it('does not when a run misses: not significant, not on click, or only on click', () => {
    expect(recommendModelKind([run({ bilinear: { ...wins } }), run({ bilinear: { click: [0.62, 0.02], reply: [0.61, 1e-3] } })]).kind).toBe('mtl');
    expect(recommendModelKind([run({ bilinear: { ...wins } }), run({ bilinear: { reply: [0.61, 1e-3], bookmark: [0.61, 1e-3] } })]).kind).toBe('mtl');
    expect(recommendModelKind([run({ bilinear: { ...wins } }), run({ bilinear: { click: [0.62, 1e-4] } })]).kind).toBe('mtl');
    // Significant but worse than STL does not count.
    expect(recommendModelKind([run({ bilinear: { click: [0.58, 1e-9], reply: [0.61, 1e-3] } }), run({ bilinear: { ...wins } })]).kind).toBe('mtl');
  });

  it('is provisional with fewer runs than the rule asks for, and prefers the larger mean click gain among several', () => {
    const one = recommendModelKind([run({ bilinear: { ...wins } })]);
    expect(one).toMatchObject({ kind: 'mtl', qualifying: ['bilinear'], provisional: true });
    const two = recommendModelKind([
      run({ stacking: { click: [0.63, 1e-4], reply: [0.61, 1e-3] }, bilinear: { ...wins } }),
      run({ stacking: { click: [0.63, 1e-4], reply: [0.61, 1e-3] }, bilinear: { ...wins } }),
    ]);
    expect(two).toMatchObject({ kind: 'stacking', qualifying: ['bilinear', 'stacking'] });
  });
});
