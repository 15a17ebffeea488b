// runExperiment on a small synthetic table (issue 10 findings 3 and 4): each task's λ by its validation
// per-user AUC, ties to the larger λ whatever the grid order, F1 only for thresholds; the baselines, the
// oracle and variant rows beside every model; flags for degenerate selection.
import { describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentOptions, type ExperimentResult } from '../../../src/core/experiment/experiment.js';
import type { FeatureTable } from '../../../src/core/features/feature-table.js';
import { syntheticFeatureTable } from '../../../src/core/model/synthetic-table.js';
import { Rng } from '../../../src/core/random/rng.js';
import { PAPER_THRESHOLD_GRID } from '../../../src/core/evaluation/index.js';

/** A small learnable table with first-seen times in 6 weekly ties (so the validation part has ties too). */
function table(seed: number): FeatureTable {
  const rng = Rng.fromSeed(seed);
  const t = syntheticFeatureTable({ users: 80, items: 120, rowsPerUser: 60 }, rng);
  t.firstSeenS = Float64Array.from({ length: t.length }, () => 1439769600 + 604800 * rng.nextInt(6));
  return t;
}

function options(l2: number[], extra: Partial<ExperimentOptions> = {}): ExperimentOptions {
  return {
    model: { seed: 3, maxEpochs: 4, learningRateWeights: 0.02, learningRateEmbeddings: 0.02 },
    grid: { l2, bookmarkWeight: [7], replyWeight: [5] },
    thresholdGrid: [...PAPER_THRESHOLD_GRID],
    splitSeed: 1,
    ...extra,
  };
}

const withoutReplies = (t: FeatureTable): FeatureTable => ({ ...t, reply: new Uint8Array(t.length) });

/** The preferred of two points for a task: higher validation AUC, then the larger λ (the tie rule). */
function better<P extends { validationAuc: Partial<Record<string, number | null>> }>(task: string, l2: (p: P) => number) {
  return (a: P, b: P): P => {
    const va = a.validationAuc[task] ?? -1;
    const vb = b.validationAuc[task] ?? -1;
    return vb > va || (vb === va && l2(b) > l2(a)) ? b : a;
  };
}

describe('runExperiment: selection', () => {
  const t = withoutReplies(table(11));
  const up = runExperiment(t, options([1e-4, 1e-2]));
  const down = runExperiment(t, options([1e-2, 1e-4]));

  it('chooses the same hyper-parameters whatever the order of the grid (ties never go to grid order)', () => {
    for (const kind of Object.keys(up.runs)) expect(down.runs[kind]!.chosen, kind).toEqual(up.runs[kind]!.chosen);
  });

  it('falls back to the larger λ when no grid point has a defined validation AUC, and says so', () => {
    // No reply label anywhere: stl-reply's validation AUC is undefined at every λ.
    expect(up.runs['stl-reply']!.chosen.l2Reply).toBe(1e-2);
    expect(up.runs['stl-reply']!.selection.reply!.validationAuc).toBeNull();
    expect(up.runs['stl-reply']!.selection.reply!.fallback).toMatch(/no grid point has a defined validation per-user AUC of reply: fell back to the tie rule, λ = 0\.01/);
    expect(up.flags.filter((f) => f.code === 'selection-fallback').map((f) => `${f.row}/${f.task}`)).toEqual(['stl-reply/reply', 'mtl/reply']);
    expect(up.runs.mtl!.chosen.l2Reply).toBe(1e-2);
  });

  it("picks each STL task's λ by its validation per-user AUC", () => {
    for (const kind of ['stl-click', 'stl-embedding', 'stl-bookmark'] as const) {
      const run = up.runs[kind]!;
      const task = kind.slice(4) as 'click' | 'embedding' | 'bookmark';
      const best = run.grid.reduce(better(task, (p) => p.l2Click));
      expect(run.selection[task]!.validationAuc, kind).toBe(best.validationAuc[task]);
      expect(run.chosen.l2Click, kind).toBe(best.l2Click);
    }
  });

  it("searches the paper's MTL task by task: λ4 by the embedding row, then λ1-λ3 with that λ4 (2·|grid| − 1 trainings)", () => {
    const run = up.runs.mtl!;
    expect(run.search).toBe('per-task');
    expect(run.grid).toHaveLength(3);
    const stage1 = run.grid.filter((p) => p.l2Click === p.l2Embedding);
    const l2Embedding = stage1.reduce(better('embedding', (p) => p.l2Embedding)).l2Embedding;
    expect(run.chosen.l2Embedding).toBe(l2Embedding);
    const stage2 = run.grid.filter((p) => p.l2Embedding === l2Embedding);
    expect(stage2).toHaveLength(2);
    for (const task of ['click', 'bookmark'] as const) {
      const best = stage2.reduce(better(task, (p) => (task === 'click' ? p.l2Click : p.l2Bookmark)));
      expect(run.chosen[task === 'click' ? 'l2Click' : 'l2Bookmark'], task).toBe(task === 'click' ? best.l2Click : best.l2Bookmark);
    }
  });

  it('searches one λ for all tasks when the tasks share gradients', () => {
    const shared = runExperiment(t, options([1e-4, 1e-2], { model: { seed: 3, maxEpochs: 4, embeddingGradient: 'shared' } }));
    const run = shared.runs.mtl!;
    expect(run.search).toBe('joint');
    expect(run.grid).toHaveLength(2);
    const c = run.chosen;
    expect(new Set([c.l2Click, c.l2Bookmark, c.l2Reply, c.l2Embedding]).size).toBe(1);
  });

  it('is deterministic', () => {
    const again = runExperiment(t, options([1e-4, 1e-2]));
    expect(again.fig2).toEqual(up.fig2);
    expect(again.runs).toEqual(up.runs);
  });
});

describe('runExperiment: rows beside the models', () => {
  const t = table(12);
  const r: ExperimentResult = runExperiment(t, options([1e-3], { variants: [{ name: 'again', kind: 'mtl' }] }));

  it('has the random, popularity and item-rate baselines for every task, and no oracle without a truth', () => {
    for (const task of ['click', 'embedding', 'bookmark', 'reply'] as const) {
      expect(Object.keys(r.fig2[task].baselines)).toEqual(['random', 'popularity', 'itemRate']);
      const random = r.fig2[task].baselines.random!;
      // A constant score: per-user AUC exactly ½ and pooled AUC exactly ½ (tie-aware).
      expect(random.auc).toBe(0.5);
      expect(random.aucPooled).toBe(0.5);
      expect(Object.keys(random.pValuesVsStl).sort()).toEqual(['auc', 'map1', 'map5']);
    }
    expect(r.oracle).toBeNull();
  });

  it('adds a row per variant kind (here the existing mtl kind under another name): one line per kind', () => {
    for (const task of ['click', 'embedding', 'bookmark', 'reply'] as const) {
      const v = r.fig2[task].variants.again!;
      const { pValuesVsStl: _s, pValuesVsMtl, ...metrics } = v;
      expect(metrics).toEqual(r.fig2[task].mtl);
      // Every per-user difference against MTL is 0: the signed-rank test keeps no pair.
      expect(pValuesVsMtl).toEqual({ auc: 1, map1: 1, map5: 1 });
      expect(r.fig2[task].againstBestBaseline['variants.again']).toEqual(r.fig2[task].againstBestBaseline.mtl);
    }
    expect(r.decisions.click['variants.again']).toEqual(r.decisions.click.mtl);
  });

  it('names the best baseline per metric and says whether each model beats it', () => {
    for (const task of ['click', 'embedding', 'bookmark', 'reply'] as const) {
      const e = r.fig2[task];
      for (const m of ['auc', 'map1', 'map5'] as const) {
        const candidates = (['random', 'popularity', 'itemRate'] as const).map((b) => e.baselines[b]![m]).filter((x): x is number => x !== null);
        expect(e.bestBaseline[m]!.value).toBe(Math.max(...candidates));
        const against = e.againstBestBaseline.stl![m]!;
        expect(against.gap).toBeCloseTo(e.stl[m]! - e.bestBaseline[m]!.value, 12);
        expect(against.beats).toBe(against.gap! > 0 && against.p! < 0.01);
      }
    }
  });
});
