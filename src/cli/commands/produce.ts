// `dyadflow produce --data DIR --brokers LIST [--rate N] [--topic-prefix P] [--partitions N] [--kafka-config FILE] [--json]` (issues 3, 12).
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { loadKafkaConfig, parseBrokers, topicNames } from '../../adapters/kafka/index.js';
import { estimateMessages, produceDataset, type ProduceSummary } from '../../../pipelines/produce.js';
import { plural, reportBadRows, type CommandModule } from '../command.js';
import { debugEnabled, EXIT, type CliIo } from '../io.js';
import { createProgress, logLine } from '../progress.js';

interface ProduceFlags {
  data: string;
  brokers: string;
  rate?: string;
  topicPrefix: string;
  partitions: string;
  deadLetters?: string;
  retries: string;
  kafkaConfig?: string;
  json?: boolean;
}

function positiveNumber(flag: string, text: string, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new InputError('DF_ERR_INPUT_OPTION', `${flag} ${text}: expected a positive ${integer ? 'integer' : 'number'}`);
  return n;
}

function humanSummary(s: ProduceSummary): string {
  const lines = [
    `produced ${s.messages.total} messages in ${(s.elapsedMs / 1000).toFixed(1)} s (${Math.round(s.messagesPerS)} msg/s)`,
    `  ${s.topics.interactions}: ${s.messages.interactions} (deletes included: ${s.deletes})`,
    `  ${s.topics.impressions}: ${s.messages.impressions}`,
    `  ${plural(s.badRows.count, 'bad row')}${s.badRows.deadLetters ? ` → ${s.badRows.deadLetters}` : ''}`,
  ];
  if (s.outOfOrder.interactions + s.outOfOrder.impressions > 0)
    lines.push(`  rows out of event-time order in the files: interactions ${s.outOfOrder.interactions}, impressions ${s.outOfOrder.impressions}`);
  return lines.join('\n') + '\n';
}

/** Registers `produce`: replays a RecSys 2016 dataset into Kafka in event-time order. */
export const produceCommand: CommandModule = (program: Command, io: CliIo, setExit) => {
  program
    .command('produce')
    .description('replay DIR/interactions.csv and DIR/impressions.csv into Kafka topics in event-time order')
    .requiredOption('--data <dir>', 'folder with interactions.csv and impressions.csv')
    .requiredOption('--brokers <list>', 'Kafka bootstrap brokers, host:port[,host:port...]')
    .option('--rate <n>', 'messages per second over both topics (default: as fast as possible)')
    .option('--topic-prefix <p>', 'topic prefix: P.interactions, P.impressions', 'dyadflow')
    .option('--partitions <n>', 'partitions of topics created here', '3')
    .option('--dead-letters <file>', 'write bad rows to FILE (ndjson; checked before the first send) [default: count them, print the first five]')
    .option('--retries <n>', 'retries of a failed Kafka request before giving up', '5')
    .option('--kafka-config <file>', "connection settings (TLS, SASL, client id) as JSON in kafkajs's option names (its retry wins over --retries)")
    .option('--json', 'print one JSON summary on stdout')
    .action(async (flags: ProduceFlags) => {
      const brokers = parseBrokers(flags.brokers);
      const ratePerS = flags.rate === undefined ? undefined : positiveNumber('--rate', flags.rate, false);
      const partitions = positiveNumber('--partitions', flags.partitions, true);
      const retries = Number(flags.retries);
      if (!Number.isInteger(retries) || retries < 0)
        throw new InputError('DF_ERR_INPUT_OPTION', `--retries ${flags.retries}: expected a non-negative integer`);
      topicNames(flags.topicPrefix); // a bad prefix is exit 2 before any file is read
      const connection = flags.kafkaConfig ? loadKafkaConfig(flags.kafkaConfig) : undefined;
      const quiet = Boolean(flags.json);
      // The bar's total is a newline count of both files, taken only when a bar is drawn.
      const progress = io.isTTY && !quiet ? createProgress(io, 'produce', await estimateMessages(flags.data)) : undefined;
      const summary = await produceDataset({
        dataDir: flags.data,
        brokers,
        ratePerS,
        topicPrefix: flags.topicPrefix,
        partitions,
        deadLettersPath: flags.deadLetters ?? null,
        // kafkajs retries and logs each failed attempt; its final error is our one line. DYADFLOW_DEBUG=1 shows them.
        client: { retries, logLevel: debugEnabled() ? 'info' : 'nothing', log: (line) => io.stderr(line + '\n'), ...(connection ? { connection } : {}) },
        onProgress: (sent) => progress?.update(sent),
      }).finally(() => progress?.stop());
      reportBadRows(io, 'produce', summary.badRows);
      if (flags.json) io.stdout(JSON.stringify(summary) + '\n');
      else io.stdout(humanSummary(summary));
      if (summary.createdTopics.length > 0) logLine(io, `produce: created topics ${summary.createdTopics.join(', ')}`, quiet);
      setExit(EXIT.ok);
    });
};
