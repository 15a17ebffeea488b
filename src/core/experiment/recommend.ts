// Which model kind the project recommends (issue 10; method.md §6: "the default changes only on evidence").
// The rule: a variant replaces the paper's MTL as the default only if, in every run given (the project's
// evidence is `reproduce` on daemon with two seeds), it beats STL significantly — per-user AUC higher and
// the Wilcoxon signed-rank p < 0.01 — on click and on at least one of bookmark and reply. Otherwise the
// paper's MTL stays. Among several qualifying variants the one with the largest mean click AUC gap wins,
// then the name in alphabetical order.
import { SIGNIFICANCE_LEVEL, type Fig2, type Fig2Task } from '../evaluation/index.js';

/** The recommended kind and why. */
export interface KindRecommendation {
  /** 'mtl' (the paper's) or a variant's name. */
  kind: string;
  /** The variants that met the rule in every run. */
  qualifying: string[];
  runs: number;
  /** True when fewer runs were given than the rule asks for: the answer is this evidence only. */
  provisional: boolean;
  reason: string;
}

/** Whether a variant beats STL significantly on a task's per-user AUC in one run. */
export function beatsStl(fig2: Fig2, variant: string, task: Fig2Task, alpha = SIGNIFICANCE_LEVEL): boolean {
  const e = fig2[task];
  const v = e.variants[variant];
  if (!v || v.auc === null || e.stl.auc === null) return false;
  const p = v.pValuesVsStl.auc;
  return v.auc > e.stl.auc && p !== null && p < alpha;
}

/**
 * Applies the rule of the file comment to the Fig. 2 results of several runs (e.g. seeds 1 and 2 on daemon).
 * With fewer than `minRuns` runs the answer is marked provisional.
 */
export function recommendModelKind(runs: Fig2[], options: { minRuns?: number; alpha?: number } = {}): KindRecommendation {
  const minRuns = options.minRuns ?? 2;
  const alpha = options.alpha ?? SIGNIFICANCE_LEVEL;
  const names = runs.length === 0 ? [] : Object.keys(runs[0]!.click.variants).sort();
  const qualifying = names.filter((name) =>
    runs.every((f) => beatsStl(f, name, 'click', alpha) && (beatsStl(f, name, 'bookmark', alpha) || beatsStl(f, name, 'reply', alpha))),
  );
  const provisional = runs.length < minRuns;
  const rule =
    `the rule: a variant becomes the default only if it beats STL (per-user AUC, Wilcoxon p < ${alpha}) on click and on ` +
    `bookmark or reply in each of ${minRuns} runs (daemon, two seeds)`;
  if (runs.length === 0 || qualifying.length === 0) {
    const why = names.length === 0 ? 'no variant ran' : `no variant (${names.join(', ')}) met it in ${runs.length === 1 ? 'this run' : `all ${runs.length} runs`}`;
    return { kind: 'mtl', qualifying, runs: runs.length, provisional, reason: `the paper's MTL, since ${why}; ${rule}` };
  }
  const meanGap = (name: string): number => {
    let sum = 0;
    for (const f of runs) sum += f.click.variants[name]!.auc! - f.click.stl.auc!;
    return sum / runs.length;
  };
  const best = [...qualifying].sort((a, b) => meanGap(b) - meanGap(a) || (a < b ? -1 : 1))[0]!;
  const kind = provisional ? 'mtl' : best;
  const reason = provisional
    ? `the paper's MTL until there is more evidence: ${qualifying.join(', ')} met it in ${runs.length} of the ${minRuns} runs; ${rule}`
    : `variant ${best}, since it met ${rule}`;
  return { kind, qualifying, runs: runs.length, provisional, reason };
}
