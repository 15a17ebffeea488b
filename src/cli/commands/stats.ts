// `dyadflow stats --data DIR [--json] [--min-item-users N] [--min-user-items N] [--dead-letters FILE]`
// (issue 2, item 6): the paper's Table 1 for a RecSys 2016 dataset, before and after subsampling.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { DEFAULT_SUBSAMPLE, subsample, type SubsampleOptions } from '../../core/dataset/subsample.js';
import { computeTable1, type Table1 } from '../../core/stats/table1.js';
import { createDeadLetterFile, loadDataset } from '../../adapters/recsys16/index.js';
import { EXIT, type CliIo } from '../io.js';
import { logLine } from '../progress.js';
import type { CommandModule } from './index.js';

interface StatsFlags {
  data: string;
  json?: boolean;
  minItemUsers: string;
  minUserItems: string;
  deadLetters?: string;
}

/** What `stats --json` prints. */
export interface StatsReport {
  before: Table1;
  after: Table1;
  droppedDeletes: number;
  badRows: number;
  options: SubsampleOptions;
}

function threshold(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n > 2147483647) {
    throw new InputError('DF_ERR_INPUT_OPTION', `${flag} ${text}: expected an integer from 0 to 2147483647`);
  }
  return n;
}

async function requireDirectory(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new InputError('DF_ERR_INPUT_MISSING', `${dir}: no such data directory`);
  }
  if (!isDir) throw new InputError('DF_ERR_INPUT_MISSING', `${dir}: not a directory`);
}

function fixed(v: number, digits: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Table 1 before and after subsampling as aligned text, in the paper's row order. */
export function formatTable1(before: Table1, after: Table1, opts: SubsampleOptions): string {
  const rows: [string, (t: Table1) => string][] = [
    ['# Users', (t) => fixed(t.users, 0)],
    ['# Offers', (t) => fixed(t.offers, 0)],
    ['# Dyads', (t) => fixed(t.dyads, 0)],
    ['Av. nb interactions/user', (t) => fixed(t.perUser.interactionsMean, 2)],
    ['Med. nb interactions/user', (t) => fixed(t.perUser.interactionsMedian, 1)],
    ['Av. nb users/offer', (t) => fixed(t.perOffer.usersMean, 2)],
    ['Med. nb users/offer', (t) => fixed(t.perOffer.usersMedian, 1)],
    ['Av. nb displayed/user', (t) => fixed(t.perUser.displayed, 2)],
    ['Av. nb clicked/user', (t) => fixed(t.perUser.clicked, 2)],
    ['Av. nb bookmarked/user', (t) => fixed(t.perUser.bookmarked, 2)],
    ['Av. nb replied/user', (t) => fixed(t.perUser.replied, 2)],
    ['Sparsity', (t) => `${fixed(100 * t.sparsity, 3)}%`],
  ];
  const head: [string, string, string] = ['', 'before', `after ${opts.minItemUsers}/${opts.minUserItems}`];
  const body = rows.map(([label, f]): [string, string, string] => [label, f(before), f(after)]);
  const widths = [0, 1, 2].map((c) => Math.max(...[head, ...body].map((r) => r[c]!.length)));
  const line = (r: [string, string, string]): string => `${r[0].padEnd(widths[0]!)}  ${r[1].padStart(widths[1]!)}  ${r[2].padStart(widths[2]!)}`;
  return [line(head), ...body.map(line)].join('\n') + '\n';
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
    .option('--dead-letters <file>', 'where bad rows go (ndjson; created only when there are some) [default: DIR/dead-letters.ndjson]')
    .action(async (flags: StatsFlags) => {
      const options: SubsampleOptions = {
        minItemUsers: threshold('--min-item-users', flags.minItemUsers),
        minUserItems: threshold('--min-user-items', flags.minUserItems),
      };
      await requireDirectory(flags.data);
      const deadLetterPath = flags.deadLetters ?? join(flags.data, 'dead-letters.ndjson');
      const deadLetters = createDeadLetterFile(deadLetterPath);
      let dataset;
      try {
        dataset = await loadDataset(flags.data, { deadLetters, warn: (m) => io.stderr(`dyadflow: warning: ${m}\n`) });
      } finally {
        await deadLetters.close();
      }
      const report: StatsReport = {
        before: computeTable1(dataset),
        after: computeTable1(subsample(dataset, options)),
        droppedDeletes: dataset.droppedDeletes,
        badRows: dataset.badRows,
        options,
      };
      if (flags.json) {
        io.stdout(JSON.stringify(report) + '\n');
      } else {
        io.stdout(formatTable1(report.before, report.after, options));
        io.stdout(`deletes dropped: ${report.droppedDeletes}, bad rows: ${report.badRows}\n`);
      }
      if (report.badRows > 0) logLine(io, `stats: ${report.badRows} bad rows written to ${deadLetterPath}`, Boolean(flags.json));
      setExit(EXIT.ok);
    });
};
