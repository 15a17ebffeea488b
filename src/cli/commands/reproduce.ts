// `dyadflow reproduce --data DIR [--out DIR] [--json]` (issue 5 item 4): the paper's experiment end to end:
// Table 1, the Fig. 2 table (STL against MTL), loss curves, results.json (deterministic) and timings.
import type { Command } from 'commander';
import { DyadflowError, InputError } from '../../core/errors.js';
import { DEFAULT_MODEL_OPTIONS, type EmbeddingGradient, type Precision } from '../../core/model/index.js';
import { DEFAULT_SELECTION_GRID } from '../../core/experiment/experiment.js';
import { renderFig2Markdown, renderTable1Markdown } from '../../core/report/index.js';
import { PAPER_THRESHOLD_GRID } from '../../core/evaluation/index.js';
import { runReproduce } from '../../../pipelines/reproduce.js';
import { formatTimings, reportBadRows, type CommandModule } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { createPhaseReporter } from '../progress.js';
import {
  addFeatureFlags,
  badOption,
  choiceOption,
  featureOptionsFrom,
  integerOption,
  numberListOption,
  positiveNumberOption,
  type FeatureFlags,
} from '../feature-flags.js';

interface ReproduceFlags extends FeatureFlags {
  data: string;
  out?: string;
  deadLetters?: string;
  json?: boolean;
  learningRate?: string;
  dim: string;
  initScale: string;
  maxEpochs: string;
  epsilon: string;
  embeddingGradient: string;
  precision: string;
  gridL2: string;
  gridBookmarkWeight: string;
  gridReplyWeight: string;
  thresholds: string;
}

/** Decision thresholds: probabilities strictly between 0 and 1. */
function thresholdList(text: string): number[] {
  const ts = numberListOption('--thresholds', text);
  if (ts.some((t) => !(t > 0 && t < 1))) throw badOption('--thresholds', text, 'probabilities strictly between 0 and 1');
  return ts;
}

function list(xs: readonly number[]): string {
  return xs.join(',');
}

/** Registers `reproduce`: the paper's Table 1 and Fig. 2 on a dataset. */
export const reproduceCommand: CommandModule = (program: Command, io: CliIo, setExit) => {
  const m = DEFAULT_MODEL_OPTIONS;
  const cmd = program
    .command('reproduce')
    .description("the paper's experiment: subsample, features, STL and MTL training, Table 1 and the Fig. 2 table")
    .requiredOption('--data <dir>', 'folder with the RecSys 2016 files (interactions.csv, impressions.csv, users.csv, items.csv)')
    .option('--out <dir>', 'write report.md, loss-*.svg, models/ and results.json (last) there; locked while written')
    .option('--dead-letters <file>', 'where bad rows go (ndjson) [default: OUT/dead-letters.ndjson; without --out, count them and print the first five]')
    .option('--json', 'print one JSON document (table1, fig2, timings, options, ...) on stdout; no progress bars');
  addFeatureFlags(cmd)
    .option('--learning-rate <x>', `SGD step size η of both the task weights and the embeddings (default ${m.learningRateWeights} and ${m.learningRateEmbeddings})`)
    .option('--dim <n>', 'embedding dimension of U and I', String(m.dim))
    .option('--init-scale <x>', 'standard deviation of initial embedding entries', String(m.initScale))
    .option('--max-epochs <n>', 'at most this many epochs per training', String(m.maxEpochs))
    .option('--epsilon <x>', "stop when every task's epoch loss changes by less than this", String(m.epsilon))
    .option('--embedding-gradient <g>', 'ranking: U, I learn from task 4 only (authors); shared: tasks 1-3 too', m.embeddingGradient)
    .option('--precision <p>', 'parameter storage: float64 or float32', m.precision)
    .option('--grid-l2 <list>', "λ values tried on validation (comma-separated); each task's λ is chosen among them by validation per-user AUC", list(DEFAULT_SELECTION_GRID.l2))
    .option('--grid-bookmark-weight <list>', 'bookmark positive-class weights tried', list(DEFAULT_SELECTION_GRID.bookmarkWeight))
    .option('--grid-reply-weight <list>', 'reply positive-class weights tried', list(DEFAULT_SELECTION_GRID.replyWeight))
    .option('--thresholds <list>', 'F1 decision thresholds tried on validation', list(PAPER_THRESHOLD_GRID))
    .action(async (flags: ReproduceFlags) => {
      const { features, subsample } = featureOptionsFrom(flags);
      const experiment = {
        model: {
          seed: features.seed,
          learningRate: flags.learningRate === undefined ? undefined : positiveNumberOption('--learning-rate', flags.learningRate),
          dim: integerOption('--dim', flags.dim, 1, 4096),
          initScale: positiveNumberOption('--init-scale', flags.initScale),
          maxEpochs: integerOption('--max-epochs', flags.maxEpochs, 1, 100_000),
          epsilon: positiveNumberOption('--epsilon', flags.epsilon),
          embeddingGradient: choiceOption<EmbeddingGradient>('--embedding-gradient', flags.embeddingGradient, ['ranking', 'shared']),
          precision: choiceOption<Precision>('--precision', flags.precision, ['float64', 'float32']),
        },
        grid: {
          l2: numberListOption('--grid-l2', flags.gridL2),
          bookmarkWeight: numberListOption('--grid-bookmark-weight', flags.gridBookmarkWeight),
          replyWeight: numberListOption('--grid-reply-weight', flags.gridReplyWeight),
        },
        thresholdGrid: thresholdList(flags.thresholds),
      };
      const phases = createPhaseReporter(io, 'reproduce', io.isTTY && !flags.json);
      let epochCap = experiment.model.maxEpochs;
      const outcome = await (async () => {
        try {
          return await runReproduce({
            dataDir: flags.data,
            outDir: flags.out ?? null,
            deadLettersPath: flags.deadLetters,
            subsample,
            features,
            experiment,
            warn: (message) => io.stderr(`dyadflow: warning: ${message}\n`),
            onPhase: (phase) => phases.phase(phase),
            // Each training is a phase of its own: a bar of its epochs on a terminal, a line otherwise.
            onTraining: (label, maxEpochs) => {
              epochCap = maxEpochs;
              phases.phase(`training ${label}`);
            },
            onEpoch: (label, loss) => phases.progress(loss.epoch, epochCap, label.slice(0, 40)),
          });
        } catch (err) {
          // The step size is the user's choice: a diverging run is a bad option (exit 2), not a crash.
          if (err instanceof DyadflowError && err.code === 'DF_ERR_TRAINING_DIVERGED') {
            const was = flags.learningRate ?? `${m.learningRateWeights} and ${m.learningRateEmbeddings}`;
            throw new InputError('DF_ERR_INPUT_OPTION', `${err.message.replace(/ \(lower learningRate[^)]*\)$/, '')}: lower --learning-rate (was ${was})`);
          }
          throw err;
        } finally {
          phases.stop();
        }
      })();
      const r = outcome.results;
      const t = outcome.timings;
      io.stderr(`reproduce: done in ${formatTimings(t)}\n`);
      reportBadRows(io, 'reproduce', outcome.badRows);
      if (flags.json) {
        io.stdout(
          JSON.stringify({
            table1: r.table1.after,
            table1Before: r.table1.before,
            fig2: r.fig2,
            nullReasons: r.nullReasons,
            timings: outcome.timings,
            options: r.options,
            rows: r.rows,
            features: r.features,
            selection: Object.fromEntries(
              Object.entries(r.runs).map(([k, run]) => [k, { search: run.search, chosen: run.chosen, selection: run.selection, grid: run.grid, epochs: run.epochs }]),
            ),
            flags: r.flags,
            oracle: r.oracle,
            recommendation: r.recommendation,
            files: outcome.files,
            badRows: outcome.badRows,
          }) + '\n',
        );
      } else {
        io.stdout('Table 1\n\n' + renderTable1Markdown(r.table1.before, r.table1.after, { subsample: r.options.subsample }) + '\n');
        io.stdout('Fig. 2\n\n' + renderFig2Markdown(r.fig2, { nullReasons: r.nullReasons, flags: r.flags }));
        io.stdout(`\nRecommended model kind: ${r.recommendation.kind}: ${r.recommendation.reason}.\n`);
        if (flags.out) io.stdout(`\nwrote ${outcome.files.join(', ')} to ${flags.out}\n`);
      }
      setExit(EXIT.ok);
    });
};
