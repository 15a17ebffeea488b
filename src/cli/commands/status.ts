// `dyadflow status --out DIR [--brokers LIST] [--kafka-config FILE] [--json]` (issue 12 item 5): the last
// checkpointed window of a run, its source positions, the model it published and, given brokers, the lag now.
import type { Command } from 'commander';
import { loadKafkaConfig, parseBrokers } from '../../adapters/kafka/index.js';
import { readRunStatus } from '../../../pipelines/status.js';
import type { CommandModule } from '../command.js';
import { EXIT, type CliIo } from '../io.js';

interface StatusFlags {
  out: string;
  brokers?: string;
  kafkaConfig?: string;
  json?: boolean;
}

function isoOf(s: number): string {
  return new Date(s * 1000).toISOString().replace('.000Z', 'Z');
}

/** Registers `status`: what a run's output directory holds. */
export const statusCommand: CommandModule = (program: Command, io: CliIo, setExit) => {
  program
    .command('status')
    .description("a run's last checkpointed window, its source positions, the model it published, and (with --brokers) the lag now")
    .requiredOption('--out <dir>', 'the output directory of a `dyadflow run`')
    .option('--brokers <list>', 'Kafka brokers: also print the consumer lag of the checkpointed position now')
    .option('--kafka-config <file>', "Kafka connection settings (TLS, SASL, client id) as JSON in kafkajs's option names")
    .option('--json', 'print one JSON document on stdout')
    .action(async (flags: StatusFlags) => {
      const brokers = flags.brokers ? parseBrokers(flags.brokers) : null;
      const connection = flags.kafkaConfig ? loadKafkaConfig(flags.kafkaConfig) : undefined;
      const s = await readRunStatus(flags.out, brokers, connection ? { connection } : {});
      if (flags.json) {
        io.stdout(JSON.stringify(s) + '\n');
      } else {
        const c = s.checkpoint;
        const lines = [
          c
            ? `last checkpointed window: ${c.window.id} [${isoOf(c.window.startS)}, ${isoOf(c.window.endS)}) (checkpoint ${c.seq}, ${c.windowsTotal} window(s) in all${c.ended ? ', input ended' : ''})`
            : 'no window checkpointed yet',
          ...(c ? [`source position: ${JSON.stringify(c.position)}`, `state: ${Object.entries(c.state).map(([k, v]) => `${v} ${k}`).join(', ')}`] : []),
          ...(c?.trailing ? [`after the last window's events, in no window: ${Object.entries(c.trailing).map(([k, v]) => `${k} ${v}`).join(', ')}`] : []),
          s.latestModel
            ? `model published: ${s.latestModel.id} (${s.latestModel.kind}, parent ${s.latestModel.parent ?? '–'}, ${s.latestModel.epochs} epochs in all, ${s.latestModel.users} users, ${s.latestModel.items} items)`
            : 'no model published yet',
          ...(s.lag ? [`lag now: ${Object.entries(s.lag).map(([t, n]) => `${t} ${n}`).join(', ')}`] : brokers ? ['lag: not a Kafka run'] : []),
        ];
        io.stdout(lines.join('\n') + '\n');
      }
      setExit(EXIT.ok);
    });
};
