// The paper's Fig. 2 table as Markdown (issue 5): rows click, embedding, bookmark, reply; columns F1,
// AUC, MAP@1, MAP@5 for STL then MTL; best of each STL/MTL pair in bold; ↓ on the worse value when the
// Wilcoxon signed-rank p < 0.01 (method.md §7); then, task by task, a plain sentence on whether MTL beat
// STL here and with what p-values, whatever the answer is.
import {
  FIG2_TASKS,
  SIGNIFICANCE_LEVEL,
  type Fig2,
  type Fig2NullReasons,
  type Fig2Task,
  type MetricName,
  type PValues,
  type TaskMetrics,
} from '../evaluation/evaluate-task.js';
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
const TESTED_METRICS = ['auc', 'map1', 'map5'] as const;
const DECIMALS = 3;

/** Options of the Fig. 2 renderer. */
export interface Fig2MarkdownOptions {
  /** Why metrics are null, printed under the table (from `buildFig2`). */
  nullReasons?: Fig2NullReasons;
  /** Significance level of the ↓ marks (default 0.01, the paper's). */
  alpha?: number;
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
    for (const side of ['stl', 'mtl'] as const) {
      const metrics = fig2[task][side];
      for (const metric of Object.keys(METRIC_LABELS) as MetricName[]) {
        if (metrics[metric] !== null) continue;
        const why = reasons[task]?.[side]?.[metric] ?? 'no reason recorded';
        nullLines.push(`- ${FIG2_TASK_LABELS[task]}, ${side.toUpperCase()} ${METRIC_LABELS[metric]}: n/a because ${escapeMarkdownCell(why)}.`);
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
  return lines.join('\n') + '\n';
}
