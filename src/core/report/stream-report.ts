// The stream's per-window record (one line of metrics.ndjson) and the report a user opens instead of reading it
// (OUT/report.md with one SVG chart per task: the model's prequential per-user AUC and MAP@1 beside popularity's
// and the random expectation's). Reproducible fields only: no seconds, lag or source positions (architecture.md).
import type { PrequentialTask, TaskWindowMetrics, WindowMetrics } from '../evaluation/prequential.js';
import { PREQUENTIAL_TASKS } from '../evaluation/prequential.js';
import type { WindowFeatureReport } from '../features/window-snapshot.js';
import type { WindowEventCounts } from '../window/window-events.js';
import { escapeMarkdownCell, formatFixed, formatInteger } from './format.js';
import { renderLineChartSvg } from './line-chart-svg.js';

/** The metrics.ndjson line format this build writes. */
export const METRICS_LINE_FORMAT_VERSION = 1;

/** One training call's summary (the last epoch's losses; null for a task the model does not learn). */
export interface WindowTraining {
  epochs: number;
  stoppedBy: string;
  iterationsPerEpoch: number;
  sampledUsers: number;
  lastLoss: { total: number; click: number | null; bookmark: number | null; reply: number | null; embedding: number | null } | null;
}

/** One line of metrics.ndjson: everything reproducible about one window. */
export interface StreamMetricsLine {
  formatVersion: number;
  window: string;
  startS: number;
  endS: number;
  events: WindowEventCounts;
  snapshot: WindowFeatureReport;
  model: { id: string; parent: string | null; kind: string };
  /** The model before this window's training, scored on the window (null in the first window: no model yet). */
  prequential: Record<PrequentialTask, TaskWindowMetrics> | null;
  training: WindowTraining;
}

function metric(m: WindowMetrics | null | undefined, key: 'auc' | 'map1'): number {
  const v = m?.[key];
  return v === null || v === undefined ? NaN : v;
}

function cell(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : formatFixed(v, digits);
}

/** The charts of report.md: file name → SVG, one per task (per-user AUC and MAP@1 of model, popularity, random). */
export function renderStreamCharts(lines: readonly StreamMetricsLine[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const task of PREQUENTIAL_TASKS) {
    const series = (['model', 'popularity', 'random'] as const).flatMap((who) =>
      (['auc', 'map1'] as const).map((key) => ({
        name: `${who} ${key === 'auc' ? 'AUC' : 'MAP@1'}`,
        values: lines.map((l) => metric(l.prequential?.[task][who], key)),
      })),
    );
    const first = lines[0]?.window ?? '';
    out[`metrics-${task}.svg`] = renderLineChartSvg({
      title: `${task}: prequential per-user AUC and MAP@1 by window`,
      xLabel: `window (1 = ${first})`,
      yLabel: 'before the window trains (test, then train)',
      series,
    });
  }
  return out;
}

/** Per task: in how many windows the model's per-user AUC beat popularity's, and the mean gap. */
function verdicts(lines: readonly StreamMetricsLine[]): string[] {
  const out: string[] = [];
  for (const task of PREQUENTIAL_TASKS) {
    let windows = 0;
    let wins = 0;
    let gap = 0;
    for (const l of lines) {
      const m = l.prequential?.[task];
      if (!m || m.model?.auc == null || m.popularity.auc == null) continue;
      windows++;
      if (m.model.auc > m.popularity.auc) wins++;
      gap += m.model.auc - m.popularity.auc;
    }
    if (windows === 0) {
      out.push(`- ${task}: no window with a model before it and users with both classes yet.`);
      continue;
    }
    const mean = gap / windows;
    out.push(
      `- ${task}: the model's per-user AUC beat popularity's in ${wins} of ${windows} windows (mean gap ${mean >= 0 ? '+' : ''}${formatFixed(mean, 3)}); ` +
        (wins === windows ? 'it beats the obvious baseline in every window.' : wins === 0 ? 'popularity is better in every window: the model does not beat the obvious.' : 'mixed.'),
    );
  }
  return out;
}

/** report.md of a run's output directory: the per-window table, the verdict per task and the charts. */
export function renderStreamReport(lines: readonly StreamMetricsLine[], header: { options: Record<string, unknown> }): string {
  const rows = lines.map((l) => {
    const c = l.prequential?.click;
    return [
      l.window,
      formatInteger(l.events.interactions + l.events.impressionPairs),
      formatInteger(l.snapshot.dyads),
      `${formatInteger(l.snapshot.newUsers)} / ${formatInteger(l.snapshot.newItems)}`,
      formatInteger(l.events.lateEvents),
      formatInteger(l.events.badEvents),
      `${cell(c?.model?.auc)} / ${cell(c?.popularity.auc)}`,
      `${cell(c?.model?.map1)} / ${cell(c?.popularity.map1)}`,
      String(l.training.epochs),
    ].map(escapeMarkdownCell);
  });
  const table = [
    '| window | events | dyads | new users / items | late | bad | click AUC model / popularity | MAP@1 model / popularity | epochs |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  return [
    '# dyadflow run',
    '',
    `${lines.length} window${lines.length === 1 ? '' : 's'}, ${lines[0]?.window ?? '–'} to ${lines.at(-1)?.window ?? '–'}. Each window's dyads are scored by the model trained up to the window before (prequential: test, then train), beside item popularity in the same feature state (its count of positive dyads per task) and the random scorer's exact expectation (AUC 0.5; MAP@1 the share of positives). The first window has no model before it. Every figure is in \`metrics.ndjson\`, one line per window.`,
    '',
    '## Does the model beat the obvious?',
    '',
    ...verdicts(lines),
    '',
    '## Windows',
    '',
    table,
    '',
    '## Charts',
    '',
    ...PREQUENTIAL_TASKS.map((t) => `![${t}](metrics-${t}.svg)`),
    '',
    '## Options',
    '',
    '```json',
    JSON.stringify(header.options, null, 2),
    '```',
    '',
  ].join('\n');
}
