import { describe, it, expect } from 'vitest';
import { renderFig2Markdown } from '../../../src/core/report/fig2-markdown.js';
import type { Fig2, Fig2Entry, Fig2Row, TaskMetrics } from '../../../src/core/evaluation/evaluate-task.js';
import type { Flag } from '../../../src/core/experiment/flags.js';

const m = (f1: number | null, auc: number | null, map1: number | null, map5: number | null): TaskMetrics => ({
  f1,
  auc,
  aucPooled: auc === null ? null : auc - 0.01,
  map1,
  map5,
  map5Norm: map5 === null ? null : map5 * 2,
});

/** No baselines or variants: the paper's table alone. */
const BARE = { baselines: {}, variants: {}, bestBaseline: { auc: null, map1: null, map5: null }, againstBestBaseline: {} } as const;

// The paper's Fig. 2 values, with invented p-values that give its marks (and two nulls).
const PAPER: Record<keyof Fig2, Omit<Fig2Entry, keyof typeof BARE>> = {
  click: {
    stl: m(0.51, 0.62, 0.659, 0.537),
    mtl: m(0.54, 0.65, 0.708, 0.584),
    pValues: { auc: 1e-5, map1: 0.002, map5: 0.004 },
    pValuesRankSum: { auc: 2e-5, map1: 0.02, map5: 0.03 },
  },
  embedding: {
    stl: m(0.42, 0.52, 0.427, 0.318),
    mtl: m(0.46, 0.54, 0.421, 0.314),
    pValues: { auc: 0.003, map1: 0.4, map5: 0.6 },
    pValuesRankSum: { auc: 0.01, map1: 0.5, map5: 0.7 },
  },
  bookmark: {
    stl: m(0.03, 0.51, 0.008, 0.005),
    mtl: m(0.06, null, 0.026, 0.015),
    pValues: { auc: null, map1: 0, map5: 0.0005 },
    pValuesRankSum: { auc: null, map1: 1e-9, map5: 0.001 },
  },
  reply: {
    stl: m(0.17, 0.55, 0.062, 0.038),
    mtl: m(0.16, 0.58, 0.083, 0.05),
    pValues: { auc: 0.5, map1: 0.2, map5: 0.3 },
    pValuesRankSum: { auc: 0.6, map1: 0.3, map5: 0.4 },
  },
};
const FIG2: Fig2 = {
  click: { ...PAPER.click, ...BARE },
  embedding: { ...PAPER.embedding, ...BARE },
  bookmark: { ...PAPER.bookmark, ...BARE },
  reply: { ...PAPER.reply, ...BARE },
};

describe('renderFig2Markdown', () => {
  const md = renderFig2Markdown(FIG2, { nullReasons: { bookmark: { mtl: { auc: 'no test user has both a positive and a negative dyad' } } } });
  const lines = md.split('\n');

  it('renders the table rows with bold best values and ↓ on the significantly worse one', () => {
    expect(lines[0]).toBe('| Task | STL F1 | STL AUC | STL MAP@1 | STL MAP@5 | MTL F1 | MTL AUC | MTL MAP@1 | MTL MAP@5 |');
    expect(lines[2]).toBe('| Click (ranking) | 0.510 | 0.620↓ | 0.659↓ | 0.537↓ | **0.540** | **0.650** | **0.708** | **0.584** |');
    expect(lines[3]).toBe('| Embedding | 0.420 | 0.520↓ | **0.427** | **0.318** | **0.460** | **0.540** | 0.421 | 0.314 |');
    expect(lines[4]).toBe('| Bookmark (classification) | 0.030 | 0.510 | 0.008↓ | 0.005↓ | **0.060** | n/a | **0.026** | **0.015** |');
    expect(lines[5]).toBe('| Reply (classification) | **0.170** | 0.550 | 0.062 | 0.038 | 0.160 | **0.580** | **0.083** | **0.050** |');
  });

  it('reports the secondary values, p-values and the reasons for nulls', () => {
    expect(md).toContain('| Bookmark (classification) | 0.500 | n/a | 0.010 | 0.030 | n/a | < 1e-300 | 5.0e-4 | n/a | 1.0e-9 | 0.001 |');
    expect(md).toContain('- Bookmark (classification), MTL AUC: n/a because no test user has both a positive and a negative dyad.');
    expect(md).toContain('- Bookmark (classification), MTL pooled AUC: n/a because no reason recorded.');
  });

  it('says task by task whether MTL beat STL, with p-values, whatever the answer', () => {
    const click = lines.find((l) => l.startsWith('- **Click (ranking)**'))!;
    expect(click).toContain('MTL beat STL here: significantly better on AUC, MAP@1, MAP@5 at p < 0.01');
    expect(click).toContain('AUC MTL 0.650 vs STL 0.620 (higher; Wilcoxon signed-rank p = 1.0e-5, rank-sum p = 2.0e-5)');
    expect(click).toContain('F1 MTL 0.540 vs STL 0.510 (not tested');
    const reply = lines.find((l) => l.startsWith('- **Reply (classification)**'))!;
    expect(reply).toContain('MTL did not beat STL here: no per-user difference is significant at p < 0.01.');
    const bookmark = lines.find((l) => l.startsWith('- **Bookmark (classification)**'))!;
    expect(bookmark).toContain('AUC not available');
    expect(bookmark).toContain('significantly better on MAP@1, MAP@5');
  });

  it('marks MTL when MTL is the significantly worse one, and reports a mixed result', () => {
    const worse: Fig2 = {
      ...FIG2,
      click: { ...FIG2.click, stl: FIG2.click.mtl, mtl: FIG2.click.stl },
      reply: { ...FIG2.reply, pValues: { auc: 0.001, map1: 0.001, map5: 0.9 }, mtl: m(0.16, 0.58, 0.05, 0.05) },
    };
    const out = renderFig2Markdown(worse).split('\n');
    expect(out[2]).toBe('| Click (ranking) | **0.540** | **0.650** | **0.708** | **0.584** | 0.510 | 0.620↓ | 0.659↓ | 0.537↓ |');
    expect(out.find((l) => l.startsWith('- **Click'))).toContain('MTL did not beat STL here: STL was significantly better on AUC, MAP@1, MAP@5');
    expect(out.find((l) => l.startsWith('- **Reply'))).toContain('Mixed: MTL was significantly better on AUC and significantly worse on MAP@1');
  });

  it('is deterministic', () => {
    expect(renderFig2Markdown(FIG2)).toBe(renderFig2Markdown(structuredClone(FIG2)));
  });

  it('puts every baseline and variant beside STL and MTL with gap and test, and says whether a model beats the best baseline', () => {
    const row = (metrics: TaskMetrics, p: number): Fig2Row => ({ ...metrics, pValuesVsStl: { auc: p, map1: p, map5: p }, pValuesVsMtl: { auc: p, map1: p, map5: p } });
    const click: Fig2Entry = {
      ...FIG2.click,
      baselines: { random: row(m(0.5, 0.5, 0.4, 0.3), 1e-6), popularity: row(m(0.45, 0.63, 0.7, 0.55), 0.004), oracle: row(m(0.6, 0.7, 0.8, 0.6), 1e-9) },
      variants: { bilinear: row(m(0.55, 0.66, 0.71, 0.59), 0.2) },
      bestBaseline: { auc: { name: 'popularity', value: 0.63 }, map1: { name: 'popularity', value: 0.7 }, map5: { name: 'popularity', value: 0.55 } },
      againstBestBaseline: {
        stl: { auc: { baseline: 'popularity', gap: -0.01, p: 0.004, beats: false }, map1: { baseline: 'popularity', gap: -0.041, p: 0.3, beats: false }, map5: { baseline: 'popularity', gap: -0.013, p: 0.5, beats: false } },
        mtl: { auc: { baseline: 'popularity', gap: 0.02, p: 0.001, beats: true }, map1: { baseline: 'popularity', gap: 0.008, p: 0.6, beats: false }, map5: { baseline: 'popularity', gap: 0.034, p: 0.002, beats: true } },
      },
    };
    const flags: Flag[] = [{ code: 'pooled-auc-separates-users', task: 'click', row: 'baselines.popularity', message: 'baselines.popularity click pooled AUC 0.620 only separates users' }];
    const out = renderFig2Markdown({ ...FIG2, click }, { flags }).split('\n');
    expect(out).toContain('| Click (ranking) | MTL | 0.540 | 0.650 | 0.708 | 0.584 | 0.640 | +0.030 (p 1.0e-5) | — | +0.049 (p 0.002) | — | +0.047 (p 0.004) | — |');
    expect(out).toContain('| Click (ranking) | Variant bilinear | 0.550 | 0.660 | 0.710 | 0.590 | 0.650 | +0.040 (p 0.200) | +0.010 (p 0.200) | +0.051 (p 0.200) | +0.002 (p 0.200) | +0.053 (p 0.200) | +0.006 (p 0.200) |');
    expect(out).toContain('| Click (ranking) | Popularity | 0.450 | 0.630 | 0.700 | 0.550 | 0.620† | +0.010 (p 0.004) | −0.020 (p 0.004) | +0.041 (p 0.004) | −0.008 (p 0.004) | +0.013 (p 0.004) | −0.034 (p 0.004) |');
    expect(out).toContain('| Click (ranking) | Random (expectation) | 0.500 | 0.500 | 0.400 | 0.300 | 0.490 | −0.120 (p 1.0e-6) | −0.150 (p 1.0e-6) | −0.259 (p 1.0e-6) | −0.308 (p 1.0e-6) | −0.237 (p 1.0e-6) | −0.284 (p 1.0e-6) |');
    const verdict = out.find((l) => l.startsWith('- **Click (ranking)**: best baseline'))!;
    expect(verdict).toContain('best baseline AUC popularity 0.630, MAP@1 popularity 0.700, MAP@5 popularity 0.550.');
    expect(verdict).toContain('STL does not beat it on any metric (AUC −0.010 (p 0.004), MAP@1 −0.041 (p 0.300), MAP@5 −0.013 (p 0.500))');
    expect(verdict).toContain('MTL beats it on AUC, MAP@5 only');
    expect(out).toContain('- Click (ranking): oracle AUC 0.700; STL 60%, MTL 75%, variant bilinear 80%.');
    expect(out).toContain('- baselines.popularity click pooled AUC 0.620 only separates users.');
    // Tasks without baselines name none.
    expect(out.find((l) => l.startsWith('- **Reply (classification)**: best baseline'))).toContain('best baseline AUC none, MAP@1 none, MAP@5 none.');
  });
});
