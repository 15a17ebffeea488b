// report.md and the loss curves of `dyadflow reproduce`: deterministic text built from results.json alone.
import { renderFig2Markdown, renderLineChartSvg, renderTable1Markdown, formatFixed } from '../report/index.js';
import type { EpochLoss } from '../model/index.js';
import type { Fig2Task } from '../evaluation/index.js';
import { STL_OF, type ModelRun } from './experiment.js';
import type { ReproduceResults } from './results.js';

type LossTask = 'click' | 'embedding' | 'bookmark' | 'reply';


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

/** The λ of each task a kind has, e.g. "λ1 1e-4, λ2 1e-2" (STL: its one λ). */
function lambdas(run: ModelRun): string {
  const c = run.chosen;
  const tasks = Object.keys(run.selection) as Fig2Task[];
  if (run.search !== 'per-task') {
    const l2 = tasks.length === 1 ? (tasks[0] === 'embedding' ? c.l2Embedding : tasks[0] === 'bookmark' ? c.l2Bookmark : tasks[0] === 'reply' ? c.l2Reply : c.l2Click) : c.l2Click;
    return `λ ${g(l2)}`;
  }
  return `λ1 ${g(c.l2Click)}, λ2 ${g(c.l2Bookmark)}, λ3 ${g(c.l2Reply)}, λ4 ${g(c.l2Embedding)}`;
}

const SEARCH_TEXT: Record<ModelRun['search'], string> = {
  'single-task': 'its one task',
  'per-task': 'each task alone (λ4 first, then λ1–λ3 with it)',
  joint: 'one λ for all tasks, by their mean',
};

/** The whole report.md: Table 1, Fig. 2 with baselines, verdicts and flags, model selection, training, options. */
export function renderReproduceReport(r: ReproduceResults): string {
  const f = r.options.features;
  const lines: string[] = [];
  lines.push('# dyadflow reproduce');
  lines.push('');
  lines.push(
    'Rerun of the experiment of Moura, Asarbaev, Amini & Maximov, "Heterogeneous Dyadic Multi-Task Learning with ' +
      'Implicit Feedback": Table 1 and the Fig. 2 comparison of single-task (STL) and multi-task (MTL) models, with ' +
      'baselines beside every model.',
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
  const tieShare = (n: number, of: number): string => (of === 0 ? '0' : `${n} (${formatFixed((100 * n) / of, 1)}%)`);
  lines.push(
    `Features: K = ${f.k}, ${f.similarity} cosine, ${f.neighbourhood} neighbourhood, ${f.spread}, ` +
      `leave-one-out ${f.leaveOneOut ? 'on' : 'off'}, leakage ${f.leakage === 'none' ? 'none (point in time)' : "paper (the authors' all-data features)"}, ` +
      `${f.split} split. Rows: ${r.rows.train} train (of which ${r.rows.validation} validation), ${r.rows.test} test. ` +
      `Dyads a tie in first-seen time placed (ordered by hash(seed, user, item), never by item id): ` +
      `${tieShare(r.features.splitTiePlaced, r.features.dyads)} at the train/test cut, ${tieShare(r.rows.validationTiePlaced, r.rows.train)} at the validation cut.`,
  );
  if (r.oracle) {
    lines.push('');
    lines.push(
      `Oracle: the generator's truth of preset ${r.oracle.preset}, seed ${r.oracle.seed} (truth.json beside the data; the features never read it)` +
        (r.oracle.testDyadsWithoutTruth > 0 ? `; ${r.oracle.testDyadsWithoutTruth} of ${r.oracle.testDyads} test dyads have no truth.` : '.'),
    );
  }
  lines.push('');
  lines.push(renderFig2Markdown(r.fig2, { nullReasons: r.nullReasons, flags: r.flags }).trimEnd());
  lines.push('');
  lines.push(`Recommended model kind: ${r.recommendation.kind}: ${r.recommendation.reason}.`);
  lines.push('');
  lines.push('## Model selection and training');
  lines.push('');
  lines.push(
    "Each model is trained on the training dyads minus the validation part (the last sixth of each user's training " +
      'dyads) for every grid point, and each task\'s λ (λ1 click, λ2 bookmark, λ3 reply, λ4 embedding) is chosen by that ' +
      "task's validation per-user AUC; a tie goes to the larger λ (stronger regularisation), then the smaller class weight. " +
      "The paper's MTL (embeddings learning from their own task only) is searched task by task: one model per λ with all " +
      'four equal picks λ4 by the embedding row, then one model per λ with that λ4 picks λ1–λ3. Kinds whose tasks feed ' +
      'each other get one λ for all tasks, by the mean of their AUCs. The chosen values train the final model on all ' +
      'training dyads. F1 only picks the decision threshold: each task\'s threshold (and, for ranking scores, the ' +
      "logistic calibration) is the one its chosen grid point's model found on the validation dyads it did not train on.",
  );
  lines.push('');
  lines.push('| Model | search | grid (λ1, λ2, λ3, λ4; bookmark weight, reply weight → validation AUC per task) | chosen | epochs | stopped by | final loss |');
  lines.push('|---|---|---|---|---:|---|---:|');
  for (const kind of Object.keys(r.runs)) {
    const run = r.runs[kind]!;
    const grid = run.grid
      .map((p) => {
        const aucs = (Object.keys(p.validationAuc) as Fig2Task[]).map((t) => `${t} ${p.validationAuc[t] == null ? 'n/a' : formatFixed(p.validationAuc[t]!, 3)}`);
        return `(${g(p.l2Click)}, ${g(p.l2Bookmark)}, ${g(p.l2Reply)}, ${g(p.l2Embedding)}; ${p.bookmarkWeight}, ${p.replyWeight}) → ${aucs.join(', ')}`;
      })
      .join('; ');
    const last = run.losses[run.losses.length - 1];
    lines.push(
      `| ${kind} | ${SEARCH_TEXT[run.search]} | ${grid} | ${lambdas(run)}; bw ${run.chosen.bookmarkWeight}, rw ${run.chosen.replyWeight} | ${run.epochs} | ` +
        `${run.stoppedBy} | ${last ? formatFixed(last.total, 4) : 'n/a'} |`,
    );
  }
  const fallbacks = r.flags.filter((x) => x.code === 'selection-fallback');
  if (fallbacks.length > 0) {
    lines.push('');
    for (const x of fallbacks) lines.push(`- ${x.message}.`);
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
    lines.push(`- ${task}: ${Object.keys(d).map((row) => `${row} ${t(d[row]!)}`).join(', ')}`);
  }
  lines.push('');
  lines.push(`Data fingerprint of the feature table: \`${r.dataFingerprint}\`. Options: see \`results.json\`.`);
  return lines.join('\n') + '\n';
}
