// Significance tests of method.md §7 on per-user metric values.
//
// Wilcoxon signed-rank test (F. Wilcoxon, "Individual comparisons by ranking methods", Biometrics
// Bulletin 1, 1945) on paired values: zero differences are dropped (Wilcoxon's own convention, scipy's
// zero_method="wilcox"), tied |differences| get mid-ranks. Small n: the exact permutation distribution
// of W₊ given those mid-ranks (all 2ⁿ sign patterns equally likely), which is also exact with ties.
// Larger n: normal approximation with the tie correction of the variance, n(n+1)(2n+1)/24 − Σ(t³−t)/48,
// and a continuity correction of ½ (as scipy.stats.wilcoxon(correction=True, method="approx")).
//
// Wilcoxon–Mann–Whitney rank-sum test (Wilcoxon 1945; H. B. Mann & D. R. Whitney, Ann. Math. Stat. 18,
// 1947) on two samples, the test the paper names: U of the first sample from mid-ranks; exact
// distribution when both samples are small and there are no ties; otherwise normal approximation with
// the tie-corrected variance n₁n₂/12·((N+1) − Σ(t³−t)/(N(N−1))) and a continuity correction of ½ (as
// scipy.stats.mannwhitneyu(method="asymptotic")). Both corrections can be switched off, which gives
// exactly scipy.stats.ranksums, the test the authors' reading suggests (authors-code.md §5.5).
//
// p-values are two-sided: p = min(1, 2·min(P(T <= t), P(T >= t))) exact, 2·P(Z > |z|) normal.
import { invariant } from '../errors.js';
import { normalSf } from './special.js';

/** How a p-value was computed. */
export type TestMethod = 'exact' | 'normal' | 'none';

/** Result of a Wilcoxon signed-rank test. */
export interface SignedRankResult {
  /** Pairs with a non-zero difference (the n of the test). */
  n: number;
  /** Pairs dropped because their difference was exactly 0. */
  zeroDifferences: number;
  /** Sum of the ranks of the positive differences x − y. */
  wPlus: number;
  /** Sum of the ranks of the negative differences. */
  wMinus: number;
  /** The normal deviate (continuity-corrected), or null for the exact test. */
  z: number | null;
  /** Two-sided p-value; null when there was no pair at all; 1 when every difference was 0. */
  p: number | null;
  method: TestMethod;
}

/** Result of a Wilcoxon–Mann–Whitney rank-sum test. */
export interface RankSumResult {
  n1: number;
  n2: number;
  /** Sum of the mid-ranks of the first sample in the pooled sample. */
  rankSum1: number;
  /** Mann–Whitney U of the first sample: rankSum1 − n1(n1+1)/2. */
  u1: number;
  /** The normal deviate, or null for the exact test. */
  z: number | null;
  /** Two-sided p-value; null when a sample is empty. */
  p: number | null;
  method: TestMethod;
}

/** Options of the signed-rank test. */
export interface SignedRankOptions {
  /** Exact distribution up to this many non-zero differences, normal approximation beyond (default 25). */
  exactMaxN?: number;
  /** Continuity correction of ½ in the normal approximation (default true). */
  continuityCorrection?: boolean;
}

/** Options of the rank-sum test. */
export interface RankSumOptions {
  /** Exact distribution when both samples have at most this many values and no value ties (default 25). */
  exactMaxN?: number;
  /** Continuity correction of ½ in the normal approximation (default true; false for scipy's ranksums). */
  continuityCorrection?: boolean;
  /** Tie correction of the variance (default true; false for scipy's ranksums). */
  tieCorrection?: boolean;
}

/**
 * Doubled mid-ranks (so they are integers) of `values` in ascending order, written to `ranks2` at the
 * original positions, and Σ(t³ − t) over the groups of ties.
 */
function doubledMidRanks(values: Float64Array, ranks2: Float64Array): number {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    const va = values[a]!;
    const vb = values[b]!;
    return va < vb ? -1 : va > vb ? 1 : a - b;
  });
  let tieTerm = 0;
  let g0 = 0;
  while (g0 < n) {
    let g1 = g0 + 1;
    while (g1 < n && values[order[g1]!] === values[order[g0]!]) g1++;
    // Ranks g0+1 .. g1 share the mid-rank (g0 + 1 + g1)/2.
    const r2 = g0 + 1 + g1;
    for (let j = g0; j < g1; j++) ranks2[order[j]!] = r2;
    const t = g1 - g0;
    tieTerm += t * t * t - t;
    g0 = g1;
  }
  return tieTerm;
}

/** Two-sided exact p from a count distribution over integer statistic values (index = statistic). */
function exactTwoSided(counts: Float64Array, observed: number): number {
  let total = 0;
  let lower = 0;
  let upper = 0;
  for (let s = 0; s < counts.length; s++) {
    total += counts[s]!;
    if (s <= observed) lower += counts[s]!;
    if (s >= observed) upper += counts[s]!;
  }
  return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

/** Two-sided normal p with an optional continuity correction toward the mean. */
function normalTwoSided(statistic: number, mean: number, variance: number, continuity: boolean): { z: number; p: number } {
  if (variance <= 0) return { z: 0, p: 1 };
  const diff = statistic - mean;
  const correction = continuity ? 0.5 * Math.sign(diff) : 0;
  const z = (diff - correction) / Math.sqrt(variance);
  return { z, p: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/**
 * Wilcoxon signed-rank test of paired samples x and y (same length, pair i = (x[i], y[i])), two-sided.
 * Zero differences are dropped (Wilcoxon); see the file comment for the distribution used.
 */
export function wilcoxonSignedRank(x: ArrayLike<number>, y: ArrayLike<number>, options: SignedRankOptions = {}): SignedRankResult {
  invariant(x.length === y.length, `paired samples differ in length (${x.length} vs ${y.length})`);
  const exactMaxN = options.exactMaxN ?? 25;
  const continuity = options.continuityCorrection ?? true;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    invariant(!Number.isNaN(d), `pair ${i} has a NaN value`);
    if (d !== 0) n++;
  }
  const zeroDifferences = x.length - n;
  if (x.length === 0) return { n: 0, zeroDifferences: 0, wPlus: 0, wMinus: 0, z: null, p: null, method: 'none' };
  if (n === 0) return { n: 0, zeroDifferences, wPlus: 0, wMinus: 0, z: null, p: 1, method: 'none' };

  const absDiff = new Float64Array(n);
  const positive = new Uint8Array(n);
  for (let i = 0, k = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    if (d === 0) continue;
    absDiff[k] = Math.abs(d);
    positive[k] = d > 0 ? 1 : 0;
    k++;
  }
  const ranks2 = new Float64Array(n);
  const tieTerm = doubledMidRanks(absDiff, ranks2);
  let wPlus2 = 0;
  let total2 = 0;
  for (let k = 0; k < n; k++) {
    total2 += ranks2[k]!;
    if (positive[k]) wPlus2 += ranks2[k]!;
  }
  const wPlus = wPlus2 / 2;
  const wMinus = (total2 - wPlus2) / 2;

  if (n <= exactMaxN) {
    // counts[s] = number of sign patterns whose doubled W₊ is s: the product of (1 + q^{2r_k}).
    const counts = new Float64Array(total2 + 1);
    counts[0] = 1;
    let reach = 0;
    for (let k = 0; k < n; k++) {
      const r2 = ranks2[k]!;
      for (let s = reach; s >= 0; s--) if (counts[s]! !== 0) counts[s + r2] = counts[s + r2]! + counts[s]!;
      reach += r2;
    }
    return { n, zeroDifferences, wPlus, wMinus, z: null, p: exactTwoSided(counts, wPlus2), method: 'exact' };
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const { z, p } = normalTwoSided(wPlus, mean, variance, continuity);
  return { n, zeroDifferences, wPlus, wMinus, z, p, method: 'normal' };
}

/**
 * Distribution of the Mann–Whitney U for sample sizes m and n without ties: the coefficients of the
 * Gaussian binomial [m+n choose m]_q = Π_{i=1..m} (1 − q^{n+i})/(1 − q^i), truncated at degree m·n.
 */
function mannWhitneyCounts(m: number, n: number): Float64Array {
  const degree = m * n;
  const c = new Float64Array(degree + 1);
  c[0] = 1;
  for (let i = 1; i <= m; i++) {
    const shift = n + i;
    for (let s = degree; s >= shift; s--) c[s] = c[s]! - c[s - shift]!;
    for (let s = i; s <= degree; s++) c[s] = c[s]! + c[s - i]!;
  }
  return c;
}

/**
 * Wilcoxon–Mann–Whitney rank-sum test of two independent samples, two-sided. See the file comment for
 * the exact/normal choice; with `{ continuityCorrection: false, tieCorrection: false, exactMaxN: 0 }` it
 * equals scipy.stats.ranksums.
 */
export function rankSumTest(x: ArrayLike<number>, y: ArrayLike<number>, options: RankSumOptions = {}): RankSumResult {
  const exactMaxN = options.exactMaxN ?? 25;
  const continuity = options.continuityCorrection ?? true;
  const tieCorrection = options.tieCorrection ?? true;
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { n1, n2, rankSum1: 0, u1: 0, z: null, p: null, method: 'none' };
  const total = n1 + n2;
  const pooled = new Float64Array(total);
  for (let i = 0; i < n1; i++) pooled[i] = x[i]!;
  for (let i = 0; i < n2; i++) pooled[n1 + i] = y[i]!;
  for (let i = 0; i < total; i++) invariant(!Number.isNaN(pooled[i]!), `rank-sum value ${i} is NaN`);
  const ranks2 = new Float64Array(total);
  const tieTerm = doubledMidRanks(pooled, ranks2);
  let rankSum2 = 0;
  for (let i = 0; i < n1; i++) rankSum2 += ranks2[i]!;
  const rankSum1 = rankSum2 / 2;
  const u1 = rankSum1 - (n1 * (n1 + 1)) / 2;

  if (tieTerm === 0 && n1 <= exactMaxN && n2 <= exactMaxN) {
    return { n1, n2, rankSum1, u1, z: null, p: exactTwoSided(mannWhitneyCounts(n1, n2), u1), method: 'exact' };
  }
  const mean = (n1 * n2) / 2;
  const variance = tieCorrection
    ? ((n1 * n2) / 12) * (total + 1 - tieTerm / (total * (total - 1)))
    : (n1 * n2 * (total + 1)) / 12;
  const { z, p } = normalTwoSided(u1, mean, variance, continuity);
  return { n1, n2, rankSum1, u1, z, p, method: 'normal' };
}
