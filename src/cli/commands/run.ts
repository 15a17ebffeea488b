// `dyadflow run --source file:DIR|kafka:BROKERS --out DIR [options]` (issues 11, 12): the stream. Parses, opens the
// source, calls pipelines/stream.ts, renders: a progress line while a window fills and trains and a table row per
// window on a terminal, one JSON line per window and a summary with --json. SIGINT and SIGTERM stop it cleanly
// (the open window is abandoned, the directory stays at its last checkpoint) and it exits 0.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { parseDuration } from '../../core/window/duration.js';
import { MODEL_KINDS, type ModelKind } from '../../core/model/index.js';
import { openFileSource } from '../../adapters/source/file-source.js';
import { groupIdForOutput, loadKafkaConfig, openKafkaSource, parseBrokers } from '../../adapters/kafka/index.js';
import { DEFAULT_STREAM_OPTIONS, runStream, type StreamOptions, type StreamSourceFactory, type WindowLine } from '../../../pipelines/stream.js';
import { plural, type CommandModule } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { badOption, choiceOption, integerOption } from '../feature-flags.js';

interface RunFlags {
  source: string;
  out: string;
  profiles?: string;
  window: string;
  epochsPerWindow: string;
  modelKind: string;
  seed: string;
  k: string;
  similarity: string;
  neighbourhood: string;
  spread: string;
  leaveOneOut: boolean;
  keep?: string;
  json?: boolean;
  topicPrefix: string;
  group?: string;
  untilIdle?: string;
  idlePartitionTimeout: string;
  sessionTimeout: string;
  fromEarliestAvailable?: boolean;
  kafkaConfig?: string;
}

function durationOption(flag: string, text: string, allowZero = false): number {
  const d = parseDuration(text, { allowZero });
  if (!d.ok) throw new InputError('DF_ERR_INPUT_OPTION', `${flag} ${text}: ${d.reason}`);
  return d.seconds;
}

/** The stream's options from the flags (a bad value is exit 2, one line). */
export function streamOptionsFromFlags(flags: RunFlags): StreamOptions {
  const d = DEFAULT_STREAM_OPTIONS;
  return {
    windowS: durationOption('--window', flags.window),
    features: {
      k: integerOption('--k', flags.k, 1, 1_000_000),
      similarity: choiceOption('--similarity', flags.similarity, ['weighted', 'binary'] as const),
      neighbourhood: choiceOption('--neighbourhood', flags.neighbourhood, ['item', 'global'] as const),
      spread: choiceOption('--spread', flags.spread, ['std', 'var'] as const),
      leaveOneOut: flags.leaveOneOut,
    },
    model: { kind: choiceOption('--model-kind', flags.modelKind, MODEL_KINDS) as ModelKind },
    epochsPerWindow: integerOption('--epochs-per-window', flags.epochsPerWindow, 1, 10_000),
    seed: integerOption('--seed', flags.seed, 0, 4294967295),
    parquet: { ...d.parquet },
  };
}

/** The source named by `--source file:DIR` or `--source kafka:BROKERS`. */
function sourceFrom(flags: RunFlags, io: CliIo, outDir: string): StreamSourceFactory {
  const m = /^(file|kafka):(.+)$/.exec(flags.source);
  if (!m) throw badOption('--source', flags.source, 'file:DIR or kafka:HOST:PORT[,HOST:PORT...]');
  if (m[1] === 'file') {
    const dataDir = m[2]!;
    return {
      kind: 'file',
      describe: dataDir,
      dataDir,
      profilesDir: flags.profiles ?? dataDir,
      open: ({ deadLetters, spillDir, log }) =>
        openFileSource({ dataDir, deadLetters, spillDir, onNotice: (n) => (io.stderr(`run: ${n.message}\n`), log(n.message)) }),
    };
  }
  const brokers = parseBrokers(m[2]!);
  const connection = flags.kafkaConfig ? loadKafkaConfig(flags.kafkaConfig) : undefined;
  const untilIdleMs = flags.untilIdle === undefined ? undefined : durationOption('--until-idle', flags.untilIdle, true) * 1000;
  const idlePartitionTimeoutMs = durationOption('--idle-partition-timeout', flags.idlePartitionTimeout) * 1000;
  const sessionTimeoutMs = durationOption('--session-timeout', flags.sessionTimeout) * 1000;
  if (flags.profiles === undefined) io.stderr('run: no --profiles DIR: user and item context features will be 0\n');
  return {
    kind: 'kafka',
    describe: brokers.join(','),
    dataDir: null,
    profilesDir: flags.profiles ?? null,
    open: ({ log }) =>
      openKafkaSource({
        brokers,
        groupId: flags.group ?? groupIdForOutput(resolve(outDir)),
        topicPrefix: flags.topicPrefix,
        client: connection ? { connection } : {},
        idlePartitionTimeoutMs,
        untilIdleMs,
        sessionTimeoutMs,
        // kafkajs wants heartbeats well inside the session (a third, as it recommends; the source's 1 s at most).
        heartbeatIntervalMs: Math.min(1000, Math.floor(sessionTimeoutMs / 3)),
        fromEarliestAvailable: Boolean(flags.fromEarliestAvailable),
        log,
      }),
  };
}

function fixed(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : v.toFixed(3);
}

const HEADER = ['window', 'events', 'dyads', 'new u/i', 'late', 'bad', 'click AUC m/pop', 'MAP@1 m/pop', 'epochs', 'seconds'];
const WIDTHS = [12, 9, 8, 13, 5, 5, 15, 13, 6, 7];
/** A Kafka run's table has one more column: the consumer lag after the window, interactions/impressions messages. */
const LAG_HEADER = 'lag int/imp';
const LAG_WIDTH = 17;

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i] ?? LAG_WIDTH))).join('  ') + '\n';
}

/** The lag cell: messages behind on the interactions and the impressions topic ('–' when the broker did not answer). */
function lagCell(lag: Record<string, number> | null, topicPrefix: string): string {
  const n = (topic: string): string => (lag && lag[`${topicPrefix}.${topic}`] !== undefined ? String(lag[`${topicPrefix}.${topic}`]) : '–');
  return `${n('interactions')}/${n('impressions')}`;
}

type TableRow = Pick<WindowLine, 'metrics'> & { seconds: number | null; lag: WindowLine['lag'] | null };

function windowRow(w: TableRow, lagOf: ((w: TableRow) => string) | null): string {
  const m = w.metrics;
  const c = m.prequential?.click;
  const cells = [
    m.window,
    String(m.events.interactions + m.events.impressionPairs),
    String(m.snapshot.dyads),
    `${m.snapshot.newUsers}/${m.snapshot.newItems}`,
    String(m.events.lateEvents),
    String(m.events.badEvents),
    `${fixed(c?.model?.auc)}/${fixed(c?.popularity.auc)}`,
    `${fixed(c?.model?.map1)}/${fixed(c?.popularity.map1)}`,
    String(m.training.epochs),
    w.seconds === null ? '–' : w.seconds.toFixed(1),
  ];
  return row(lagOf ? [...cells, lagOf(w)] : cells);
}

/** Registers `run`: the stream over a file or Kafka source. */
export const runCommand: CommandModule = (program: Command, io: CliIo, setExit) => {
  const d = DEFAULT_STREAM_OPTIONS;
  program
    .command('run')
    .description('the stream: event-time windows → point-in-time snapshots, prequential metrics, warm-started models; resumable')
    .requiredOption('--source <source>', 'file:DIR (RecSys 2016 files replayed in event-time order) or kafka:HOST:PORT[,...]')
    .requiredOption('--out <dir>', 'output directory (state/, snapshots/, models/, metrics.ndjson, report.md, run.log); resumed if it holds a run')
    .option('--profiles <dir>', 'folder with users.csv and items.csv (default: the file source folder; none for Kafka)')
    .option('--window <duration>', 'window length: 1w, 1d, 6h, 30m, 90s or seconds (aligned to Monday 1970-01-05)', '1w')
    .option('--epochs-per-window <n>', 'warm-started epochs per window (fewer when every task has settled)', String(d.epochsPerWindow))
    .option('--model-kind <kind>', `model trained every window: ${MODEL_KINDS.join(', ')}`, d.model.kind)
    .option('--seed <n>', 'the one seed of every random draw', String(d.seed))
    .option('--k <n>', 'neighbourhood size K', String(d.features.k))
    .option('--similarity <s>', 'cosine on IM values (weighted) or on binarised rows (binary)', d.features.similarity)
    .option('--neighbourhood <n>', "neighbours among the item's users (item) or overall (global)", d.features.neighbourhood)
    .option('--spread <s>', 'spread statistic of win/tie/loss: std or var', d.features.spread)
    .option('--no-leave-one-out', "similarity with the dyad's own item included (the authors' setting)")
    .option('--keep <n>', 'keep only the newest N snapshots and models (default: all)')
    .option('--json', 'one JSON line per closed window on stdout, then a summary line')
    .option('--topic-prefix <p>', 'Kafka: topics P.interactions, P.impressions, P.dead-letters', 'dyadflow')
    .option('--group <g>', 'Kafka: consumer group (default: derived from the output directory)')
    .option('--until-idle <duration>', 'Kafka: end when every partition has lag 0 and received nothing for this long')
    .option('--idle-partition-timeout <duration>', 'Kafka: a partition silent this long stops holding the watermark back', '30s')
    .option('--session-timeout <duration>', "Kafka: the consumer group's session timeout: how soon a restarted run gets the partitions of a killed one back (the broker accepts 6s to 5m by default)", '10s')
    .option('--from-earliest-available', 'Kafka: accept checkpointed positions that retention deleted (the loss is counted)')
    .option('--kafka-config <file>', "Kafka: connection settings (TLS, SASL, client id) as JSON in kafkajs's option names")
    .action(async (flags: RunFlags) => {
      const options = streamOptionsFromFlags(flags);
      const keep = flags.keep === undefined ? null : integerOption('--keep', flags.keep, 1, 1_000_000);
      const source = sourceFrom(flags, io, flags.out);
      const json = Boolean(flags.json);
      const controller = new AbortController();
      let signals = 0;
      const onSignal = (name: string): void => {
        signals++;
        if (signals > 1) process.exit(130);
        io.stderr(`run: ${name}: stopping after the current slice (a second signal exits at once)\n`);
        controller.abort();
      };
      const onInt = (): void => onSignal('SIGINT');
      const onTerm = (): void => onSignal('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      let progressShown = false;
      const clearProgress = (): void => {
        if (progressShown) io.stderr('\r\x1b[K');
        progressShown = false;
      };
      let headerShown = false;
      const lagOf = source.kind === 'kafka' ? (w: TableRow): string => lagCell(w.lag, flags.topicPrefix) : null;
      try {
        const summary = await runStream({
          outDir: flags.out,
          options,
          keep,
          source,
          signal: controller.signal,
          hooks: {
            warn: (m) => io.stderr(`run: warning: ${m}\n`),
            onProgress: (p) => {
              if (!io.isTTY || json) return;
              io.stderr(`\r\x1b[K${p.window}: ${p.phase}${p.events !== undefined ? ` (${p.events} events)` : ''}`);
              progressShown = true;
            },
            onWindow: (w) => {
              clearProgress();
              if (json) io.stdout(JSON.stringify({ ...w.metrics, closedBy: w.closedBy, seconds: w.seconds, stageSeconds: w.stageSeconds, position: w.position, lag: w.lag }) + '\n');
              else {
                if (!headerShown) io.stdout(row(lagOf ? [...HEADER, LAG_HEADER] : HEADER));
                headerShown = true;
                io.stdout(windowRow(w, lagOf));
              }
            },
          },
        });
        clearProgress();
        if (json) {
          const { history: _history, ...rest } = summary; // the window lines were printed as they closed
          io.stdout(JSON.stringify({ summary: rest }) + '\n');
        } else {
          if (summary.windows === 0 && summary.history.length > 0) {
            // Nothing to do here (a finished directory): the table of the windows it holds (seconds in run.log).
            io.stdout(row(HEADER));
            for (const metrics of summary.history) io.stdout(windowRow({ metrics, seconds: null, lag: null }, null));
          }
          const state = summary.stopped ? 'stopped (resume with the same command)' : summary.ended ? 'input ended' : 'done';
          io.stdout(
            `\n${state}: ${plural(summary.windows, 'window')} in ${summary.seconds.toFixed(1)} s (${summary.windowsTotal} in ${flags.out} in all)` +
              `${summary.resumedFrom ? `, resumed after ${summary.resumedFrom}` : ''}; latest model ${summary.latestModel ?? '–'}\n` +
              `  ${flags.out}/report.md (charts), metrics.ndjson, snapshots/<window>/, models/<window>/, models/LATEST, run.log\n`,
          );
        }
        if (summary.badEvents + summary.badProfileRows > 0)
          io.stderr(`run: ${plural(summary.badEvents, 'bad event')} and ${plural(summary.badProfileRows, 'bad profile row')} → ${source.kind === 'file' ? `${flags.out}/dead-letters.ndjson` : `${flags.topicPrefix}.dead-letters`}\n`);
        setExit(EXIT.ok);
      } finally {
        clearProgress();
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      }
    });
};
