import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { rankSumTest, wilcoxonSignedRank } from '../../../src/core/evaluation/significance.js';

// Reference values computed with scipy 1.17.1 and hard-coded here (printed with repr()), from these calls:
//   stats.wilcoxon(HW_X, HW_Y, method='exact')
//   stats.wilcoxon(A40, B40, zero_method='wilcox', correction=True|False, method='approx')
//   stats.wilcoxon(P60, Q60, zero_method='wilcox', correction=True, method='approx')
//   stats.mannwhitneyu([0.8, 1.9, 3.1, 4.2, 5.5], [2.0, 2.7, 3.6, 6.1, 7.3, 8.0, 9.4], method='exact')
//   stats.mannwhitneyu(A40, B40 | P60, Q60, method='asymptotic', use_continuity=True)
//   stats.ranksums(A40, B40)

// Hollander & Wolfe's depression-scale example (also in scipy's wilcoxon documentation).
const HW_X = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
const HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];

// 40 pairs with tied |differences| and 3 zero differences: a_i = ((7i) mod 11)/10, b_i = ((5i) mod 9)/10.
const A40 = Array.from({ length: 40 }, (_, i) => ((i * 7) % 11) / 10);
const B40 = Array.from({ length: 40 }, (_, i) => ((i * 5) % 9) / 10);

// 0/1 per-user values (like AP@1), 60 users: massive ties.
const P60 = Array.from({ length: 60 }, (_, i) => ((i * 13) % 7 < 3 ? 1 : 0));
const Q60 = Array.from({ length: 60 }, (_, i) => ((i * 11) % 5 < 3 ? 1 : 0));

/** Brute-force two-sided exact signed-rank p: enumerate all 2^n sign patterns of the (mid-)ranks. */
function bruteSignedRankP(x: number[], y: number[]): number {
  const d = x.map((v, i) => v - y[i]!).filter((v) => v !== 0);
  const abs = d.map(Math.abs);
  const ranks = abs.map((v) => {
    let less = 0;
    let equal = 0;
    for (const w of abs) {
      if (w < v) less++;
      else if (w === v) equal++;
    }
    return less + (equal + 1) / 2;
  });
  const wPlus = ranks.reduce((s, r, i) => s + (d[i]! > 0 ? r : 0), 0);
  let lower = 0;
  let upper = 0;
  const total = 2 ** d.length;
  for (let mask = 0; mask < total; mask++) {
    let w = 0;
    for (let k = 0; k < d.length; k++) if (mask & (1 << k)) w += ranks[k]!;
    if (w <= wPlus + 1e-9) lower++;
    if (w >= wPlus - 1e-9) upper++;
  }
  return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

/** Brute-force two-sided exact rank-sum p: enumerate every split of the pooled values into sizes n1, n2. */
function bruteRankSumP(x: number[], y: number[]): number {
  const pooled = [...x, ...y];
  const n = pooled.length;
  const u = (idx: number[]): number => {
    let s = 0;
    for (const i of idx) for (let j = 0; j < n; j++) if (!idx.includes(j)) s += pooled[i]! > pooled[j]! ? 1 : pooled[i] === pooled[j] ? 0.5 : 0;
    return s;
  };
  const observed = u(x.map((_, i) => i));
  let lower = 0;
  let upper = 0;
  let total = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    const idx: number[] = [];
    for (let k = 0; k < n; k++) if (mask & (1 << k)) idx.push(k);
    if (idx.length !== x.length) continue;
    total++;
    const v = u(idx);
    if (v <= observed) lower++;
    if (v >= observed) upper++;
  }
  return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

describe('wilcoxonSignedRank', () => {
  it('matches scipy exact on Hollander & Wolfe (W = 5, p = 0.0390625)', () => {
    const r = wilcoxonSignedRank(HW_X, HW_Y);
    expect(r.method).toBe('exact');
    expect(r.n).toBe(9);
    expect(Math.min(r.wPlus, r.wMinus)).toBe(5);
    expect(r.wPlus + r.wMinus).toBe(45);
    expect(r.p).toBeCloseTo(0.0390625, 14);
  });

  it('matches scipy approx with ties, zeros dropped and continuity correction', () => {
    const r = wilcoxonSignedRank(A40, B40);
    expect(r.method).toBe('normal');
    expect(r.n).toBe(37);
    expect(r.zeroDifferences).toBe(3);
    expect(Math.min(r.wPlus, r.wMinus)).toBe(239);
    // scipy: pvalue 0.09085759872830047, zstatistic -1.6908911245956468
    expect(r.p).toBeCloseTo(0.09085759872830047, 12);
    expect(Math.abs(r.z!)).toBeCloseTo(1.6908911245956468, 12);
    const noCc = wilcoxonSignedRank(A40, B40, { continuityCorrection: false });
    expect(noCc.p).toBeCloseTo(0.08942479591842871, 12);
  });

  it('matches scipy approx on 0/1 values (AP@1-like)', () => {
    const r = wilcoxonSignedRank(P60, Q60);
    expect(Math.min(r.wPlus, r.wMinus)).toBe(135);
    expect(r.p).toBeCloseTo(0.04232920036846107, 12);
  });

  it('is symmetric in its arguments and handles the degenerate cases', () => {
    const a = wilcoxonSignedRank(A40, B40);
    const b = wilcoxonSignedRank(B40, A40);
    expect(b.p).toBe(a.p);
    expect(b.wPlus).toBe(a.wMinus);
    expect(wilcoxonSignedRank([], []).p).toBeNull();
    const same = wilcoxonSignedRank([0.5, 0.25], [0.5, 0.25]);
    expect(same.p).toBe(1);
    expect(same.zeroDifferences).toBe(2);
    expect(() => wilcoxonSignedRank([1], [1, 2])).toThrow();
  });

  it('gives the smallest possible exact p when every difference has the same sign', () => {
    // n = 6, all positive: p = 2 / 2^6.
    const r = wilcoxonSignedRank([2, 3, 4, 5, 6, 7], [1, 1, 1, 1, 1, 1]);
    expect(r.p).toBe(2 / 64);
  });

  it('exact p equals brute-force enumeration of sign patterns, ties included (property)', () => {
    const values = fc.integer({ min: -3, max: 3 });
    fc.assert(
      fc.property(fc.array(fc.tuple(values, values), { minLength: 1, maxLength: 12 }), (pairs) => {
        const x = pairs.map((p) => p[0] / 2);
        const y = pairs.map((p) => p[1] / 2);
        const r = wilcoxonSignedRank(x, y);
        if (r.n === 0) return r.p === 1;
        return r.method === 'exact' && Math.abs(r.p! - bruteSignedRankP(x, y)) < 1e-12;
      }),
      { numRuns: 200, seed: 42 },
    );
  });
});

describe('rankSumTest', () => {
  it('matches scipy mannwhitneyu exact without ties (U = 8, p = 0.148989898989899)', () => {
    const r = rankSumTest([0.8, 1.9, 3.1, 4.2, 5.5], [2.0, 2.7, 3.6, 6.1, 7.3, 8.0, 9.4]);
    expect(r.method).toBe('exact');
    expect(r.u1).toBe(8);
    expect(r.p).toBeCloseTo(0.148989898989899, 14);
  });

  it('matches scipy mannwhitneyu asymptotic with ties and continuity correction', () => {
    const r = rankSumTest(A40, B40);
    expect(r.method).toBe('normal');
    expect(r.u1).toBe(966);
    expect(r.p).toBeCloseTo(0.10960572304838079, 12);
    const r01 = rankSumTest(P60, Q60);
    expect(r01.u1).toBe(1470);
    expect(r01.p).toBeCloseTo(0.04580587594712923, 12);
  });

  it('equals scipy ranksums with both corrections off (z = 1.5973357447579646)', () => {
    const r = rankSumTest(A40, B40, { continuityCorrection: false, tieCorrection: false, exactMaxN: 0 });
    expect(r.z).toBeCloseTo(1.5973357447579646, 12);
    expect(r.p).toBeCloseTo(0.1101908870712426, 12);
  });

  it('handles empty samples and all-equal values', () => {
    expect(rankSumTest([], [1, 2]).p).toBeNull();
    expect(rankSumTest([1, 1], [1, 1, 1]).p).toBe(1);
  });

  it('exact p equals brute-force enumeration of splits when there are no ties (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 11 }),
        fc.integer({ min: 1, max: 10 }),
        (values, cut) => {
          const k = Math.max(1, Math.min(values.length - 1, cut));
          const x = values.slice(0, k);
          const y = values.slice(k);
          const r = rankSumTest(x, y);
          return r.method === 'exact' && Math.abs(r.p! - bruteRankSumP(x, y)) < 1e-12;
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });
});
