// `dyadflow features --data DIR --out DIR [options] [--json]` (issue 4 item 3): the dyad feature table of a
// RecSys 2016 dataset as OUT/features.parquet, OUT/features.arrow and OUT/manifest.json, every option of
// method.md as a flag. Same input and options → byte-identical files; timings only in --json and on stderr.
import type { Command } from 'commander';
import type { FeatureOptions } from '../../core/features/build-feature-table.js';
import { addFeatureFlags, choiceOption, featureOptionsFrom, integerOption, type FeatureFlags } from '../feature-flags.js';
import { DEFAULT_PARQUET_WRITE_OPTIONS, type ParquetCompression } from '../../adapters/parquet/index.js';
import { runBatchFeatures, type BatchFeaturesResult } from '../../../pipelines/batch-features.js';
import { formatTimings, plural, reportBadRows, type CommandModule } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { createPhaseReporter } from '../progress.js';

interface FeaturesFlags extends FeatureFlags {
  data: string;
  out: string;
  deadLetters?: string;
  rowGroupRows: string;
  compression: string;
  parquetStatistics: boolean;
  json?: boolean;
}

/** Parses and checks the flags into the pipeline's options; a bad value is an InputError (exit 2). */
export function featureOptionsFromFlags(flags: FeaturesFlags): {
  features: FeatureOptions;
  subsample: { minItemUsers: number; minUserItems: number };
  parquet: { rowGroupRows: number; compression: ParquetCompression; statistics: boolean };
} {
  return {
    ...featureOptionsFrom(flags),
    parquet: {
      rowGroupRows: integerOption('--row-group-rows', flags.rowGroupRows, 1, 1_048_576),
      compression: choiceOption('--compression', flags.compression, ['snappy', 'none'] as const),
      statistics: flags.parquetStatistics,
    },
  };
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
      `  input: ${r.input.droppedDeletes} deletes dropped, ${plural(r.badRows.count, 'bad row')}` +
        (r.badRows.deadLetters !== null ? ` (see ${r.badRows.deadLetters})` : ''),
    ].join('\n') + '\n'
  );
}

/** Registers `features`: builds the dyad feature snapshot of a dataset. */
export const featuresCommand: CommandModule = (program: Command, io: CliIo, setExit) => {
  const cmd = program
    .command('features')
    .description('dyad feature table of DIR as OUT/features.parquet, OUT/features.arrow and OUT/manifest.json (written last)')
    .requiredOption('--data <dir>', 'folder with the RecSys 2016 files (interactions.csv, impressions.csv, users.csv, items.csv)')
    .requiredOption('--out <dir>', 'output folder (created if missing; locked while written; without manifest.json it is incomplete)')
    .option('--dead-letters <file>', 'where bad rows go (ndjson; created only when there are some) [default: OUT/dead-letters.ndjson]');
  addFeatureFlags(cmd)
    .option('--row-group-rows <n>', 'rows per Parquet row group', String(DEFAULT_PARQUET_WRITE_OPTIONS.rowGroupRows))
    .option('--compression <c>', 'Parquet page compression: snappy or none', DEFAULT_PARQUET_WRITE_OPTIONS.compression)
    .option('--no-parquet-statistics', 'omit Parquet column statistics (readers then cannot prune row groups)')
    .option('--json', 'print one JSON document (options, table1, rows, report, timings, files, badRows) on stdout')
    .action(async (flags: FeaturesFlags) => {
      const opts = featureOptionsFromFlags(flags);
      const phases = createPhaseReporter(io, 'features', io.isTTY && !flags.json);
      const result = await runBatchFeatures({
        dataDir: flags.data,
        outDir: flags.out,
        deadLettersPath: flags.deadLetters,
        features: opts.features,
        subsample: opts.subsample,
        parquet: opts.parquet,
        warn: (message) => io.stderr(`dyadflow: warning: ${message}\n`),
        onPhase: (phase) => phases.phase(phase),
      }).finally(() => phases.stop());
      // Wall-clock facts go to stderr in every mode (stdout stays one JSON document with --json).
      io.stderr(`features: ${result.rows.total} dyads in ${formatTimings(result.timings)}\n`);
      reportBadRows(io, 'features', result.badRows);
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
            badRows: result.badRows,
          }) + '\n',
        );
      } else {
        io.stdout(humanSummary(flags.out, result));
      }
      setExit(EXIT.ok);
    });
};
