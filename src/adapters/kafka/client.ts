// The one place a kafkajs client is made: clientId `dyadflow`, quiet logs (kafkajs would print to the console;
// here nothing by default, else one line per entry without stack traces), bounded retries so that a missing
// broker fails in seconds, not minutes.
// The patch goes first: it must run before kafkajs's producer module loads (see kafkajs-patch.ts).
import './kafkajs-patch.js';
import { Kafka, logLevel as kafkaLogLevel, type Admin, type LogEntry } from 'kafkajs';
import { InputError } from '../../core/errors.js';
import type { KafkaConnectionConfig } from './connection-config.js';
import { wrapKafkaError } from './errors.js';

export { loadKafkaConfig, parseKafkaConfig, type KafkaConnectionConfig } from './connection-config.js';

/** How chatty kafkajs may be; its lines go to `log`, never to stdout. */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** Client options shared by the producer, the admin helpers and (later) the consumer. */
export interface KafkaClientOptions {
  /** Default `dyadflow`. */
  clientId?: string;
  /** Default `nothing`. */
  logLevel?: KafkaLogLevel;
  /** Where kafkajs log lines go (one line each); default: dropped. */
  log?: (line: string) => void;
  /** TCP connect timeout per broker. Default 3000 ms. */
  connectionTimeoutMs?: number;
  /** Request timeout. Default 30000 ms. */
  requestTimeoutMs?: number;
  /** Retries of a failed request or connection (exponential back-off from 300 ms, at most 5 s apart). Default 5. */
  retries?: number;
  /** Settings of a `--kafka-config` file (loadKafkaConfig): TLS, SASL, client id, ...; they win over the above. */
  connection?: KafkaConnectionConfig;
}

const LEVELS: Record<KafkaLogLevel, number> = {
  nothing: kafkaLogLevel.NOTHING,
  error: kafkaLogLevel.ERROR,
  warn: kafkaLogLevel.WARN,
  info: kafkaLogLevel.INFO,
  debug: kafkaLogLevel.DEBUG,
};

/** Parses a `host:port[,host:port...]` broker list; throws InputError on an empty or malformed list. */
export function parseBrokers(list: string): string[] {
  const brokers = list
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0) throw new InputError('DF_ERR_INPUT_BROKERS', 'no brokers given: expected host:port[,host:port...]');
  for (const b of brokers) {
    const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(b);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
      throw new InputError('DF_ERR_INPUT_BROKERS', `invalid broker address "${b}": expected host:port`);
  }
  return brokers;
}

/** A kafkajs client for `brokers` with dyadflow's defaults. Only adapters/kafka uses the kafkajs type. */
export function createKafka(brokers: string[], options: KafkaClientOptions = {}): Kafka {
  const log = options.log;
  const { retry, ...connection } = options.connection ?? {};
  return new Kafka({
    clientId: options.clientId ?? 'dyadflow',
    brokers,
    logLevel: LEVELS[options.logLevel ?? 'nothing'],
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      // One line per entry: no stack trace (the error that ends a run is reported once, by the caller), and
      // none of kafkajs's own timestamp and logger name.
      const { message, stack: _stack, timestamp: _timestamp, logger: _logger, ...rest } = entry.log as LogEntry['log'] & Record<string, unknown>;
      const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
      log(`kafkajs ${entry.namespace}: ${String(message).split('\n')[0]}${extra}`);
    },
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    ...connection,
    retry: { retries: options.retries ?? 5, initialRetryTime: 300, maxRetryTime: 5000, ...retry },
  });
}

/** Runs `fn` with a connected kafkajs admin client and always disconnects it. */
export async function withAdmin<T>(brokers: string[], options: KafkaClientOptions, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka(brokers, options).admin();
  try {
    await admin.connect();
  } catch (err) {
    throw wrapKafkaError(err, `cannot connect to Kafka at ${brokers.join(',')}`);
  }
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
