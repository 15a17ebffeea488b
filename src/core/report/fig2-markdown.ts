// The paper's Fig. 2 table as Markdown (issue 5): rows click, embedding, bookmark, reply; columns F1,
// AUC, MAP@1, MAP@5 for STL then MTL; best of each STL/MTL pair in bold; ↓ on the worse value when the
// Wilcoxon signed-rank p < 0.01 (method.md §7); then, task by task, a plain sentence on whether MTL beat
// STL here and with what p-values, whatever the answer is. Beside it (issue 10): every row (STL, MTL,
// variants, the baselines and the oracle) with the gap and the test against STL and MTL, task by task
// whether a model beats the best baseline, how much of the oracle's gain each model got, and the flags.
import {
  BASELINE_NAMES,
  FIG2_TASKS,
  SIGNIFICANCE_LEVEL,
  TESTED_METRICS,
  type BaselineName,
  type Fig2,
  type Fig2Entry,
  type Fig2NullReasons,
  type Fig2Task,
  type MetricName,
  type PValues,
  type TaskMetrics,
} from '../evaluation/evaluate-task.js';
import type { Flag } from '../experiment/flags.js';
import { escapeMarkdownCell, formatFixed, formatPValue } from './format.js';

/** Row labels of Fig. 2, as in the paper. */
export const FIG2_TASK_LABELS: Readonly<Record<Fig2Task, string>> = {
  click: 'Click (ranking)',
  embedding: 'Embedding',
  bookmark: 'Bookmark (classification)',
  reply: 'Reply (classification)',
};

const METRIC_LABELS: Readonly<Record<MetricName, string>> = {
  f1: 'F1',
  auc: 'AUC',
  aucPooled: 'pooled AUC',
  map1: 'MAP@1',
  map5: 'MAP@5',
  map5Norm: 'MAP@5 normalised',
};

const TABLE_METRICS = ['f1', 'auc', 'map1', 'map5'] as const;
const DECIMALS = 3;

/** Labels of the baseline rows. */
export const BASELINE_LABELS: Readonly<Record<BaselineName, string>> = {
  random: 'Random (expectation)',
  popularity: 'Popularity',
  itemRate: 'Item rate (smoothed)',
  oracle: 'Oracle (generator truth)',
};

/** Options of the Fig. 2 renderer. */
export interface Fig2MarkdownOptions {
  /** Why metrics are null, printed under the table (from `buildFig2`). */
  nullReasons?: Fig2NullReasons;
  /** Significance level of the ↓ marks (default 0.01, the paper's). */
  alpha?: number;
  /** Degenerate data, models and metrics (experiment/flags.ts), listed under the tables. */
  flags?: readonly Flag[];
}

type Side = 'stl' | 'mtl';

/** Which side (if any) is significantly worse on a tested metric: the lower value, when p < alpha. */
function worseSide(stl: number | null, mtl: number | null, p: number | null, alpha: number): Side | null {
  if (stl === null || mtl === null || p === null || !(p < alpha) || stl === mtl) return null;
  return stl < mtl ? 'stl' : 'mtl';
}

/** Which side is bold: the higher value, unless both print the same (then neither). */
function betterSide(stl: number | null, mtl: number | null): Side | null {
  if (stl === null || mtl === null) return null;
  if (formatFixed(stl, DECIMALS) === formatFixed(mtl, DECIMALS)) return null;
  return stl > mtl ? 'stl' : 'mtl';
}

function cell(metrics: TaskMetrics, other: TaskMetrics, side: Side, metric: MetricName, pValues: PValues, alpha: number): string {
  const value = metrics[metric];
  if (value === null) return 'n/a';
  let text = formatFixed(value, DECIMALS);
  const stl = side === 'stl' ? value : other[metric];
  const mtl = side === 'mtl' ? value : other[metric];
  if (betterSide(stl, mtl) === side) text = `**${text}**`;
  if (metric === 'auc' || metric === 'map1' || metric === 'map5') {
    if (worseSide(stl, mtl, pValues[metric], alpha) === side) text += '↓';
  }
  return text;
}

function sentence(task: Fig2Task, fig2: Fig2, alpha: number): string {
  const entry = fig2[task];
  const better: string[] = [];
  const worse: string[] = [];
  const parts: string[] = [];
  for (const metric of TESTED_METRICS) {
    const stl = entry.stl[metric];
    const mtl = entry.mtl[metric];
    const label = METRIC_LABELS[metric];
    if (stl === null || mtl === null) {
      parts.push(`${label} not available`);
      continue;
    }
    const p = entry.pValues[metric];
    const pr = entry.pValuesRankSum[metric];
    const direction = mtl > stl ? 'higher' : mtl < stl ? 'lower' : 'equal';
    const significant = p !== null && p < alpha;
    if (significant && mtl > stl) better.push(label);
    if (significant && mtl < stl) worse.push(label);
    parts.push(
      `${label} MTL ${formatFixed(mtl, DECIMALS)} vs STL ${formatFixed(stl, DECIMALS)} (${direction}; Wilcoxon signed-rank p = ${formatPValue(p)}, rank-sum p = ${formatPValue(pr)})`,
    );
  }
  const f1Stl = entry.stl.f1;
  const f1Mtl = entry.mtl.f1;
  const f1Text =
    f1Stl === null || f1Mtl === null
      ? 'F1 not available for both'
      : `F1 MTL ${formatFixed(f1Mtl, DECIMALS)} vs STL ${formatFixed(f1Stl, DECIMALS)} (not tested: F1 is not a per-user value)`;
  const level = `p < ${alpha}`;
  let verdict: string;
  if (better.length > 0 && worse.length === 0) {
    verdict = `MTL beat STL here: significantly better on ${better.join(', ')} at ${level}, significantly worse on none.`;
  } else if (worse.length > 0 && better.length === 0) {
    verdict = `MTL did not beat STL here: STL was significantly better on ${worse.join(', ')} at ${level}, MTL on none.`;
  } else if (better.length > 0) {
    verdict = `Mixed: MTL was significantly better on ${better.join(', ')} and significantly worse on ${worse.join(', ')} at ${level}.`;
  } else {
    verdict = `MTL did not beat STL here: no per-user difference is significant at ${level}.`;
  }
  return `- **${FIG2_TASK_LABELS[task]}**: ${verdict} ${parts.join('; ')}; ${f1Text}.`;
}

/**
 * Renders the Fig. 2 results as Markdown: the main table (bold = better of the STL/MTL pair, ↓ =
 * significantly worse by the Wilcoxon signed-rank test), a table of the other reported values and p-values,
 * the reasons for any null, and one sentence per task on whether MTL beat STL. Deterministic text.
 */
export function renderFig2Markdown(fig2: Fig2, options: Fig2MarkdownOptions = {}): string {
  const alpha = options.alpha ?? SIGNIFICANCE_LEVEL;
  const lines: string[] = [];
  lines.push('| Task | STL F1 | STL AUC | STL MAP@1 | STL MAP@5 | MTL F1 | MTL AUC | MTL MAP@1 | MTL MAP@5 |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const task of FIG2_TASKS) {
    const e = fig2[task];
    const stlCells = TABLE_METRICS.map((m) => cell(e.stl, e.mtl, 'stl', m, e.pValues, alpha));
    const mtlCells = TABLE_METRICS.map((m) => cell(e.mtl, e.stl, 'mtl', m, e.pValues, alpha));
    lines.push(`| ${FIG2_TASK_LABELS[task]} | ${stlCells.join(' | ')} | ${mtlCells.join(' | ')} |`);
  }
  lines.push('');
  lines.push(
    `Bold: the better of each STL/MTL pair. ↓: significantly worse than the other model on that metric ` +
      `(Wilcoxon signed-rank test on the per-user values paired by user, two-sided, p < ${alpha}). ` +
      `F1 and pooled AUC are not per-user values and get no mark. AUC is the per-user AUC averaged over users ` +
      `with both classes; MAP@k divides AP@k by k and averages over every evaluated user (users with no positive count 0).`,
  );
  lines.push('');
  lines.push('| Task | STL pooled AUC | MTL pooled AUC | STL MAP@5 norm. | MTL MAP@5 norm. | p AUC | p MAP@1 | p MAP@5 | rank-sum p AUC | rank-sum p MAP@1 | rank-sum p MAP@5 |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const task of FIG2_TASKS) {
    const e = fig2[task];
    const v = (x: number | null): string => (x === null ? 'n/a' : formatFixed(x, DECIMALS));
    lines.push(
      `| ${FIG2_TASK_LABELS[task]} | ${v(e.stl.aucPooled)} | ${v(e.mtl.aucPooled)} | ${v(e.stl.map5Norm)} | ${v(e.mtl.map5Norm)} | ` +
        `${formatPValue(e.pValues.auc)} | ${formatPValue(e.pValues.map1)} | ${formatPValue(e.pValues.map5)} | ` +
        `${formatPValue(e.pValuesRankSum.auc)} | ${formatPValue(e.pValuesRankSum.map1)} | ${formatPValue(e.pValuesRankSum.map5)} |`,
    );
  }
  lines.push('');
  lines.push('p: Wilcoxon signed-rank (sets the ↓ marks); rank-sum: the Wilcoxon–Mann–Whitney test the paper names, on the same users.');

  const reasons = options.nullReasons ?? {};
  const nullLines: string[] = [];
  for (const task of FIG2_TASKS) {
    for (const { key, label, metrics } of rowsOf(fig2[task])) {
      for (const metric of Object.keys(METRIC_LABELS) as MetricName[]) {
        if (metrics[metric] !== null) continue;
        const why = reasons[task]?.[key]?.[metric] ?? 'no reason recorded';
        nullLines.push(`- ${FIG2_TASK_LABELS[task]}, ${label} ${METRIC_LABELS[metric]}: n/a because ${escapeMarkdownCell(why)}.`);
      }
    }
  }
  if (nullLines.length > 0) {
    lines.push('');
    lines.push('Not available:');
    lines.push(...nullLines);
  }
  lines.push('');
  lines.push('Did MTL beat STL?');
  for (const task of FIG2_TASKS) lines.push(sentence(task, fig2, alpha));

  const flags = options.flags ?? [];
  lines.push('');
  lines.push(...besideTable(fig2, alpha, flags));
  lines.push('');
  lines.push('Does a model beat the best baseline?');
  for (const task of FIG2_TASKS) lines.push(baselineSentence(task, fig2[task], alpha));
  const oracleLines = FIG2_TASKS.map((task) => oracleSentence(task, fig2[task])).filter((l): l is string => l !== null);
  if (oracleLines.length > 0) {
    lines.push('');
    lines.push("How much of the learnable signal did each model get? (share of the oracle's per-user AUC gain over chance, (AUC − 0.5)/(oracle AUC − 0.5))");
    lines.push(...oracleLines);
  }
  if (flags.length > 0) {
    lines.push('');
    lines.push('Flags (degenerate data, models or metrics):');
    for (const f of flags) lines.push(`- ${escapeMarkdownCell(f.message)}.`);
  }
  return lines.join('\n') + '\n';
}

/** A row of one task: key (as in nullReasons and flags), label, metrics, and its p-values against STL and MTL (null: itself). */
interface DisplayRow {
  key: string;
  label: string;
  metrics: TaskMetrics;
  vsStl: PValues | null;
  vsMtl: PValues | null;
}

/** Every row of one task in display order: STL, MTL, the variants, the baselines, the oracle. */
function rowsOf(e: Fig2Entry): DisplayRow[] {
  return [
    { key: 'stl', label: 'STL', metrics: e.stl, vsStl: null, vsMtl: e.pValues },
    { key: 'mtl', label: 'MTL', metrics: e.mtl, vsStl: e.pValues, vsMtl: null },
    ...Object.keys(e.variants)
      .sort()
      .map((v) => ({ key: `variants.${v}`, label: `Variant ${v}`, metrics: e.variants[v]!, vsStl: e.variants[v]!.pValuesVsStl, vsMtl: e.variants[v]!.pValuesVsMtl })),
    ...BASELINE_NAMES.filter((b) => e.baselines[b]).map((b) => ({
      key: `baselines.${b}`,
      label: BASELINE_LABELS[b],
      metrics: e.baselines[b]!,
      vsStl: e.baselines[b]!.pValuesVsStl,
      vsMtl: e.baselines[b]!.pValuesVsMtl,
    })),
  ];
}

/** A signed gap with three decimals ("+0.012", "−0.003", "0.000"). */
function gapText(gap: number): string {
  const t = formatFixed(gap, DECIMALS);
  return t === formatFixed(0, DECIMALS) ? t : gap > 0 ? `+${t}` : t.replace('-', '−');
}

/** "gap (p)" of a row against a reference on a tested metric, "—" against itself, "n/a" without values. */
function versus(value: number | null, reference: number | null, p: number | null | undefined): string {
  if (value === null || reference === null) return 'n/a';
  return `${gapText(value - reference)} (p ${formatPValue(p ?? null)})`;
}

/** The table of every row with its gap and test against STL and MTL (Wilcoxon signed-rank, per user). */
function besideTable(fig2: Fig2, alpha: number, flags: readonly Flag[]): string[] {
  const out: string[] = [];
  out.push('Beside the models: variants, baselines and the oracle, each against STL and against MTL (gap, Wilcoxon signed-rank p).');
  out.push('');
  out.push('| Task | Row | F1 | AUC | MAP@1 | MAP@5 | pooled AUC | AUC vs STL | AUC vs MTL | MAP@1 vs STL | MAP@1 vs MTL | MAP@5 vs STL | MAP@5 vs MTL |');
  out.push('|---|---|---:|---:|---:|---:|---:|---|---|---|---|---|---|');
  const separatesUsers = new Set(flags.filter((f) => f.code === 'pooled-auc-separates-users').map((f) => `${f.task}/${f.row}`));
  const v = (x: number | null): string => (x === null ? 'n/a' : formatFixed(x, DECIMALS));
  for (const task of FIG2_TASKS) {
    const e = fig2[task];
    for (const { key, label, metrics, vsStl, vsMtl } of rowsOf(e)) {
      const cells = TESTED_METRICS.flatMap((m) => [
        vsStl === null || key === 'stl' ? '—' : versus(metrics[m], e.stl[m], vsStl[m]),
        vsMtl === null || key === 'mtl' ? '—' : versus(metrics[m], e.mtl[m], vsMtl[m]),
      ]);
      const pooled = v(metrics.aucPooled) + (separatesUsers.has(`${task}/${key}`) ? '†' : '');
      out.push(`| ${FIG2_TASK_LABELS[task]} | ${label} | ${v(metrics.f1)} | ${v(metrics.auc)} | ${v(metrics.map1)} | ${v(metrics.map5)} | ${pooled} | ${cells.join(' | ')} |`);
    }
  }
  out.push('');
  out.push(
    `Gap: the row minus STL (or MTL); p: Wilcoxon signed-rank on the per-user values paired by user, two-sided (significant below ${alpha}). ` +
      'Random: the exact expectation of a scorer at random (a constant score: every metric counts ties as the mean over their orders); ' +
      "its F1 is that of predicting every dyad positive. Popularity: the item's positive training labels (clicks for the click and " +
      'embedding rows). Item rate: the item\'s training rate, smoothed toward the base rate with m = 10 (Cestnik\'s m-estimate). ' +
      'Oracle: the generator\'s own probabilities (synthetic data only), a ceiling, not a baseline. † the pooled AUC only separates users (see the flags).',
  );
  return out;
}

/** One task: the best baseline per tested metric and, for every model row, whether it beats it. */
function baselineSentence(task: Fig2Task, e: Fig2Entry, alpha: number): string {
  const best = TESTED_METRICS.map((m) => {
    const b = e.bestBaseline[m];
    return b === null ? `${METRIC_LABELS[m]} none` : `${METRIC_LABELS[m]} ${BASELINE_LABELS[b.name].toLowerCase()} ${formatFixed(b.value, DECIMALS)}`;
  });
  const models = Object.keys(e.againstBestBaseline).map((key) => {
    const label = key === 'stl' ? 'STL' : key === 'mtl' ? 'MTL' : `variant ${key.slice(9)}`;
    const per = e.againstBestBaseline[key]!;
    const beaten = TESTED_METRICS.filter((m) => per[m]?.beats);
    const parts = TESTED_METRICS.map((m) => {
      const a = per[m];
      return a === null || a.gap === null ? `${METRIC_LABELS[m]} n/a` : `${METRIC_LABELS[m]} ${gapText(a.gap)} (p ${formatPValue(a.p)})`;
    });
    const verdict =
      beaten.length === TESTED_METRICS.length
        ? 'beats it on every metric'
        : beaten.length === 0
          ? 'does not beat it on any metric'
          : `beats it on ${beaten.map((m) => METRIC_LABELS[m]).join(', ')} only`;
    return `${label} ${verdict} (${parts.join(', ')})`;
  });
  return `- **${FIG2_TASK_LABELS[task]}**: best baseline ${best.join(', ')}. ${models.join('; ')}. Beating means higher with p < ${alpha}.`;
}

/** One task: each model's share of the oracle's per-user AUC gain over ½, when the oracle ran. */
function oracleSentence(task: Fig2Task, e: Fig2Entry): string | null {
  const oracle = e.baselines.oracle?.auc ?? null;
  if (oracle === null) return null;
  const share = (auc: number | null): string => (auc === null || !(oracle > 0.5) ? 'n/a' : `${formatFixed((100 * (auc - 0.5)) / (oracle - 0.5), 0)}%`);
  const parts = [`STL ${share(e.stl.auc)}`, `MTL ${share(e.mtl.auc)}`, ...Object.keys(e.variants).sort().map((v) => `variant ${v} ${share(e.variants[v]!.auc)}`)];
  return `- ${FIG2_TASK_LABELS[task]}: oracle AUC ${formatFixed(oracle, DECIMALS)}; ${parts.join(', ')}.`;
}
