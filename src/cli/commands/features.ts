// `dyadflow features --data DIR --out DIR [options] [--json]` (issue 4 item 3): the dyad feature table of a
// RecSys 2016 dataset as OUT/features.parquet, OUT/features.arrow and OUT/manifest.json, every option of
// method.md as a flag. Same input and options → byte-identical files; timings only in --json and on stderr.
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { DEFAULT_FEATURE_OPTIONS, type FeatureOptions } from '../../core/features/build-feature-table.js';
import { DEFAULT_SUBSAMPLE } from '../../core/dataset/subsample.js';
import { DEFAULT_PARQUET_WRITE_OPTIONS, type ParquetCompression } from '../../adapters/parquet/index.js';
import { runBatchFeatures, type BatchFeaturesResult } from '../../../pipelines/batch-features.js';
import { EXIT, type CliIo } from '../io.js';
import { logLine } from '../progress.js';
import type { CommandModule } from './index.js';

interface FeaturesFlags {
  data: string;
  out: string;
  k: string;
  similarity: string;
  neighbourhood: string;
  spread: string;
  leakage: string;
  leaveOneOut: boolean;
  split: string;
  seed: string;
  minItemUsers: string;
  minUserItems: string;
  rowGroupRows: string;
  compression: string;
  parquetStatistics: boolean;
  json?: boolean;
}

function badOption(flag: string, value: string, expected: string): InputError {
  return new InputError('DF_ERR_INPUT_OPTION', `${flag} ${value}: expected ${expected}`);
}

function integerOption(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw badOption(flag, text, min === 0 ? `an integer from 0 to ${max}` : `an integer from ${min} to ${max}`);
  }
  return n;
}

function choiceOption<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw badOption(flag, text, choices.join(' or '));
  return text as T;
}

/** Parses and checks the flags into the pipeline's options; a bad value is an InputError (exit 2). */
export function featureOptionsFromFlags(flags: FeaturesFlags): {
  features: FeatureOptions;
  subsample: { minItemUsers: number; minUserItems: number };
  parquet: { rowGroupRows: number; compression: ParquetCompression; statistics: boolean };
} {
  const int32Max = 2147483647;
  return {
    features: {
      k: integerOption('--k', flags.k, 1, 1_000_000),
      similarity: choiceOption('--similarity', flags.similarity, ['weighted', 'binary'] as const),
      neighbourhood: choiceOption('--neighbourhood', flags.neighbourhood, ['item', 'global'] as const),
      spread: choiceOption('--spread', flags.spread, ['std', 'var'] as const),
      leaveOneOut: flags.leaveOneOut,
      leakage: choiceOption('--leakage', flags.leakage, ['none', 'paper'] as const),
      split: choiceOption('--split', flags.split, ['time', 'random'] as const),
      seed: integerOption('--seed', flags.seed, 0, 4294967295),
    },
    subsample: {
      minItemUsers: integerOption('--min-item-users', flags.minItemUsers, 0, int32Max),
      minUserItems: integerOption('--min-user-items', flags.minUserItems, 0, int32Max),
    },
    parquet: {
      rowGroupRows: integerOption('--row-group-rows', flags.rowGroupRows, 1, 1_048_576),
      compression: choiceOption('--compression', flags.compression, ['snappy', 'none'] as const),
      statistics: flags.parquetStatistics,
    },
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function humanSummary(outDir: string, r: BatchFeaturesResult): string {
  const pct = (n: number) => (r.rows.total === 0 ? '0%' : `${((100 * n) / r.rows.total).toFixed(1)}%`);
  return (
    [
      `wrote ${r.rows.total} dyads to ${outDir}: features.parquet (${r.files['features.parquet'].bytes} bytes), ` +
        `features.arrow (${r.files['features.arrow'].bytes} bytes), manifest.json`,
      `  after subsampling: ${r.table1.users} users, ${r.table1.offers} offers`,
      `  train ${r.rows.train.rows} (click ${r.rows.train.click}, bookmark ${r.rows.train.bookmark}, reply ${r.rows.train.reply}), ` +
        `test ${r.rows.test.rows} (click ${r.rows.test.click}, bookmark ${r.rows.test.bookmark}, reply ${r.rows.test.reply})`,
      `  fewer than K=${r.options.features.k} neighbours: ${r.report.fewerThanK} (${pct(r.report.fewerThanK)}), ` +
        `none: ${r.report.noNeighbours} (${pct(r.report.noNeighbours)})`,
      `  without a profile: ${r.report.usersWithoutProfile} users, ${r.report.itemsWithoutProfile} items`,
      `  input: ${r.input.droppedDeletes} deletes dropped, ${r.input.badRows} bad rows` +
        (r.deadLetters > 0 ? ' (see dead-letters.ndjson)' : ''),
    ].join('\n') + '\n'
  );
}

/** Registers `features`: builds the dyad feature snapshot of a dataset. */
export const featuresCommand: CommandModule = (program: Command, io: CliIo, setExit) => {
  const d = DEFAULT_FEATURE_OPTIONS;
  program
    .command('features')
    .description('dyad feature table of DIR as OUT/features.parquet, OUT/features.arrow and OUT/manifest.json')
    .requiredOption('--data <dir>', 'folder with the RecSys 2016 files (interactions.csv, impressions.csv, users.csv, items.csv)')
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option('--k <n>', 'neighbourhood size K', String(d.k))
    .option('--similarity <s>', 'cosine on IM values (weighted) or on binarised rows (binary)', d.similarity)
    .option('--neighbourhood <n>', "neighbours among the item's users (item) or overall (global)", d.neighbourhood)
    .option('--spread <s>', 'spread statistic of win/tie/loss: std or var', d.spread)
    .option('--leakage <l>', 'none: features from training-period state; paper: from all data, as the authors', d.leakage)
    .option('--no-leave-one-out', "similarity with the dyad's own item included (the authors' setting)")
    .option('--split <s>', 'per-user chronological 2/3 train (time) or 30/70 by hash (random)', d.split)
    .option('--seed <n>', 'seed of the random split', String(d.seed))
    .option('--min-item-users <n>', 'keep items with at least N interacting users (0 keeps all)', String(DEFAULT_SUBSAMPLE.minItemUsers))
    .option('--min-user-items <n>', 'then users with at least N interacted items (0 keeps all)', String(DEFAULT_SUBSAMPLE.minUserItems))
    .option('--row-group-rows <n>', 'rows per Parquet row group', String(DEFAULT_PARQUET_WRITE_OPTIONS.rowGroupRows))
    .option('--compression <c>', 'Parquet page compression: snappy or none', DEFAULT_PARQUET_WRITE_OPTIONS.compression)
    .option('--no-parquet-statistics', 'omit Parquet column statistics (readers then cannot prune row groups)')
    .option('--json', 'print one JSON document (options, table1, rows, report, timings, files) on stdout')
    .action(async (flags: FeaturesFlags) => {
      const opts = featureOptionsFromFlags(flags);
      const quiet = Boolean(flags.json);
      const result = await runBatchFeatures({
        dataDir: flags.data,
        outDir: flags.out,
        features: opts.features,
        subsample: opts.subsample,
        parquet: opts.parquet,
        warn: (message) => io.stderr(`dyadflow: warning: ${message}\n`),
        onPhase: (phase) => logLine(io, `features: ${phase}`, quiet),
      });
      const t = result.timings;
      // Wall-clock facts go to stderr in every mode (stdout stays one JSON document with --json).
      io.stderr(
        `features: ${result.rows.total} dyads in ${seconds(t.total)} (load ${seconds(t.load)}, subsample ${seconds(t.subsample)}, ` +
          `features ${seconds(t.features)}, parquet ${seconds(t.parquet)}, arrow ${seconds(t.arrow)}, manifest ${seconds(t.manifest)})\n`,
      );
      if (flags.json) {
        io.stdout(
          JSON.stringify({
            options: result.options,
            input: result.input,
            table1: result.table1,
            rows: result.rows,
            report: result.report,
            timings: result.timings,
            files: result.files,
            deadLetters: result.deadLetters,
          }) + '\n',
        );
      } else {
        io.stdout(humanSummary(flags.out, result));
      }
      setExit(EXIT.ok);
    });
};
