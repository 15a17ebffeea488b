// `dyadflow stats --data DIR [--json] [--min-item-users N] [--min-user-items N] [--dead-letters FILE]`
// (issue 2, item 6): the paper's Table 1 for a RecSys 2016 dataset, before and after subsampling.
import type { Command } from 'commander';
import { DEFAULT_SUBSAMPLE } from '../../core/dataset/subsample.js';
import { renderTable1Markdown } from '../../core/report/index.js';
import { runStats } from '../../../pipelines/stats.js';
import { formatTimings, plural, reportBadRows, type CommandModule } from '../command.js';
import { integerOption } from '../feature-flags.js';
import { EXIT, type CliIo } from '../io.js';
import { createPhaseReporter } from '../progress.js';

interface StatsFlags {
  data: string;
  json?: boolean;
  minItemUsers: string;
  minUserItems: string;
  deadLetters?: string;
}

/** Registers `stats`: the paper's Table 1 of a dataset, before and after subsampling. */
export const statsCommand: CommandModule = (program: Command, io: CliIo, setExit) => {
  program
    .command('stats')
    .description("the paper's Table 1 for a RecSys 2016 dataset, before and after subsampling")
    .requiredOption('--data <dir>', 'folder with interactions.csv, impressions.csv (and optionally users.csv, items.csv)')
    .option('--json', 'print one JSON document { before, after, droppedDeletes, badRows, options } on stdout')
    .option('--min-item-users <n>', 'keep items with at least N distinct interacting users (0 keeps all)', String(DEFAULT_SUBSAMPLE.minItemUsers))
    .option('--min-user-items <n>', 'then users with at least N distinct interacted kept items (0 keeps all)', String(DEFAULT_SUBSAMPLE.minUserItems))
    .option('--dead-letters <file>', 'write bad rows to FILE (ndjson; created only when there are some) [default: count them, print the first five]')
    .action(async (flags: StatsFlags) => {
      const subsample = {
        minItemUsers: integerOption('--min-item-users', flags.minItemUsers, 0, 2147483647),
        minUserItems: integerOption('--min-user-items', flags.minUserItems, 0, 2147483647),
      };
      const phases = createPhaseReporter(io, 'stats', io.isTTY && !flags.json);
      const r = await runStats({
        dataDir: flags.data,
        subsample,
        deadLettersPath: flags.deadLetters ?? null,
        warn: (m) => io.stderr(`dyadflow: warning: ${m}\n`),
        onPhase: (phase) => phases.phase(phase),
      }).finally(() => phases.stop());
      io.stderr(`stats: done in ${formatTimings(r.timings)}\n`);
      reportBadRows(io, 'stats', r.badRows);
      if (flags.json) {
        io.stdout(JSON.stringify({ before: r.before, after: r.after, droppedDeletes: r.droppedDeletes, badRows: r.badRows, options: r.options }) + '\n');
      } else {
        io.stdout('Table 1\n\n' + renderTable1Markdown(r.before, r.after, { subsample: r.options }) + '\n');
        io.stdout(`deletes dropped: ${r.droppedDeletes}, ${plural(r.badRows.count, 'bad row')}\n`);
      }
      setExit(EXIT.ok);
    });
};
