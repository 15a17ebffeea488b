// report.md and the loss curves of `dyadflow reproduce`: deterministic text built from results.json alone.
import { renderFig2Markdown, renderLineChartSvg, renderTable1Markdown, formatFixed } from '../report/index.js';
import type { EpochLoss, ModelKind } from '../model/index.js';
import type { ReproduceResults } from './results.js';

type LossTask = 'click' | 'embedding' | 'bookmark' | 'reply';

const STL_OF: Record<LossTask, ModelKind> = {
  click: 'stl-click',
  embedding: 'stl-embedding',
  bookmark: 'stl-bookmark',
  reply: 'stl-reply',
};

function lossValues(losses: EpochLoss[], task: LossTask): number[] {
  return losses.map((l) => l[task] ?? Number.NaN);
}

/** What each task's epoch loss is (sgd.ts): the chart's y label and the line under its title. */
const LOSS_MEANING: Record<LossTask, { yLabel: string; subtitle: string }> = {
  click: {
    yLabel: 'mean loss per triplet',
    subtitle: 'logistic loss of the score difference (clicked − not clicked) per sampled triplet, plus the L2 penalty',
  },
  embedding: {
    yLabel: 'mean loss per triplet',
    subtitle: 'logistic loss of ⟨U, I+ − I−⟩ per sampled triplet, plus the L2 penalty of the rows it touched',
  },
  bookmark: {
    yLabel: 'mean weighted loss per dyad',
    subtitle: 'class-weighted logistic loss of the two dyads of each sampled triplet (½ each), plus the L2 penalty',
  },
  reply: {
    yLabel: 'mean weighted loss per dyad',
    subtitle: 'class-weighted logistic loss of the two dyads of each sampled triplet (½ each), plus the L2 penalty',
  },
};

/** One SVG per task: the final STL and MTL training loss of that task by epoch (file name → SVG text). */
export function renderLossCurves(runs: ReproduceResults['runs']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const task of ['click', 'embedding', 'bookmark', 'reply'] as const) {
    out[`loss-${task}.svg`] = renderLineChartSvg({
      title: `${task} loss per epoch (final training)`,
      subtitle: LOSS_MEANING[task].subtitle,
      xLabel: 'epoch',
      yLabel: LOSS_MEANING[task].yLabel,
      noDataText: `no ${task} loss was recorded (no epoch trained)`,
      series: [
        { name: `STL ${task}`, values: lossValues(runs[STL_OF[task]].losses, task) },
        { name: `MTL ${task}`, values: lossValues(runs.mtl.losses, task) },
      ],
    });
  }
  return out;
}

function g(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toExponential(0);
}

/** The whole report.md: Table 1, Fig. 2 with the verdicts, model selection, training and the options. */
export function renderReproduceReport(r: ReproduceResults): string {
  const f = r.options.features;
  const lines: string[] = [];
  lines.push('# dyadflow reproduce');
  lines.push('');
  lines.push(
    'Rerun of the experiment of Moura, Asarbaev, Amini & Maximov, "Heterogeneous Dyadic Multi-Task Learning with ' +
      'Implicit Feedback": Table 1 and the Fig. 2 comparison of single-task (STL) and multi-task (MTL) models.',
  );
  lines.push('');
  lines.push('## Table 1: the dataset');
  lines.push('');
  lines.push(
    `Subsampling: items with at least ${r.options.subsample.minItemUsers} interacting users, then users with at least ` +
      `${r.options.subsample.minUserItems} interacted items. Input: ${r.input.droppedDeletes} deletes dropped, ${r.input.badRows} bad rows.`,
  );
  lines.push('');
  lines.push(renderTable1Markdown(r.table1.before, r.table1.after).trimEnd());
  lines.push('');
  lines.push('## Fig. 2: STL against MTL on the test dyads');
  lines.push('');
  lines.push(
    `Features: K = ${f.k}, ${f.similarity} cosine, ${f.neighbourhood} neighbourhood, ${f.spread}, ` +
      `leave-one-out ${f.leaveOneOut ? 'on' : 'off'}, leakage ${f.leakage === 'none' ? 'none (point in time)' : "paper (the authors' all-data features)"}, ` +
      `${f.split} split. Rows: ${r.rows.train} train (of which ${r.rows.validation} validation), ${r.rows.test} test.`,
  );
  lines.push('');
  lines.push(renderFig2Markdown(r.fig2, { nullReasons: r.nullReasons }).trimEnd());
  lines.push('');
  lines.push('## Model selection and training');
  lines.push('');
  lines.push(
    'Each model is trained on the training dyads minus the validation part (the last sixth of each user\'s training ' +
      'dyads) for every grid point and judged by its mean validation F1 over its tasks (the paper tuned on F1); the ' +
      'chosen point is then trained on all training dyads. The F1 threshold (and, for ranking scores, the logistic ' +
      'calibration) of each task is the one the winning grid point chose on the validation dyads, which its model ' +
      'did not train on; the final model\'s test scores are judged with it unchanged.',
  );
  lines.push('');
  lines.push('| Model | grid (λ, bookmark weight, reply weight → validation F1) | chosen | epochs | stopped by | final loss |');
  lines.push('|---|---|---|---:|---|---:|');
  for (const kind of ['stl-click', 'stl-embedding', 'stl-bookmark', 'stl-reply', 'mtl'] as const) {
    const run = r.runs[kind];
    const grid = run.grid
      .map((p) => `(${g(p.l2)}, ${p.bookmarkWeight}, ${p.replyWeight}) → ${p.validationF1 === null ? 'n/a' : formatFixed(p.validationF1, 3)}`)
      .join('; ');
    const last = run.losses[run.losses.length - 1];
    lines.push(
      `| ${kind} | ${grid} | (${g(run.chosen.l2)}, ${run.chosen.bookmarkWeight}, ${run.chosen.replyWeight}) | ${run.epochs} | ` +
        `${run.stoppedBy} | ${last ? formatFixed(last.total, 4) : 'n/a'} |`,
    );
  }
  lines.push('');
  lines.push('Loss curves per task: `loss-click.svg`, `loss-embedding.svg`, `loss-bookmark.svg`, `loss-reply.svg`.');
  lines.push('');
  lines.push('Decision thresholds chosen on validation (F1):');
  lines.push('');
  for (const task of ['click', 'embedding', 'bookmark', 'reply'] as const) {
    const d = r.decisions[task];
    const t = (x: { threshold: number | null; thresholdNote: string | null }): string =>
      (x.threshold === null ? 'n/a' : String(x.threshold)) + (x.thresholdNote ? ` (${x.thresholdNote})` : '');
    lines.push(`- ${task}: STL ${t(d.stl)}, MTL ${t(d.mtl)}`);
  }
  lines.push('');
  lines.push(`Data fingerprint of the feature table: \`${r.dataFingerprint}\`. Options: see \`results.json\`.`);
  return lines.join('\n') + '\n';
}
