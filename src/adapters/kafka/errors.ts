// kafkajs errors become DyadflowErrors with a stable code, keeping kafkajs's own `retriable` verdict, so callers
// above the adapter never see a kafkajs type (dependencies.md: keep kafkajs behind our interface).
import { DyadflowError } from '../../core/errors.js';

/** Stable codes of Kafka failures. */
export const KAFKA_ERROR = {
  /** No broker answered (refused, unreachable, closed): usually a wrong --brokers or a stopped broker. */
  connect: 'DF_ERR_KAFKA_CONNECT',
  /** A request or an operation timed out. */
  timeout: 'DF_ERR_KAFKA_TIMEOUT',
  /** The broker answered with a Kafka protocol error (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
  protocol: 'DF_ERR_KAFKA_PROTOCOL',
  /** Topic creation or metadata failed. */
  topic: 'DF_ERR_KAFKA_TOPIC',
  /** Anything else kafkajs reported. */
  other: 'DF_ERR_KAFKA',
} as const;

interface KafkaLikeError {
  name?: string;
  message?: string;
  retriable?: boolean;
  type?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
}

function chain(err: unknown): KafkaLikeError[] {
  const out: KafkaLikeError[] = [];
  let e: unknown = err;
  for (let i = 0; i < 6 && e && typeof e === 'object' && !out.includes(e as KafkaLikeError); i++) {
    out.push(e as KafkaLikeError);
    e = (e as KafkaLikeError).cause ?? (e as KafkaLikeError).originalError;
  }
  return out;
}

function codeOf(errs: KafkaLikeError[]): string {
  const names = errs.map((e) => e.name ?? '');
  if (names.some((n) => n.startsWith('KafkaJSConnection') || n === 'KafkaJSBrokerNotFound' || n === 'KafkaJSNoBrokerAvailableError'))
    return KAFKA_ERROR.connect;
  if (names.some((n) => n === 'KafkaJSRequestTimeoutError' || n === 'KafkaJSTimeout' || n === 'KafkaJSLockTimeout'))
    return KAFKA_ERROR.timeout;
  if (names.some((n) => n === 'KafkaJSCreateTopicError' || n.endsWith('MetadataNotLoaded'))) return KAFKA_ERROR.topic;
  if (names.some((n) => n === 'KafkaJSProtocolError')) return KAFKA_ERROR.protocol;
  return KAFKA_ERROR.other;
}

/**
 * Wraps anything thrown by kafkajs into a DyadflowError: `what` says what we were doing (one line), the deepest
 * cause's message says why. `retriable` is kafkajs's verdict on the outermost error (false after retries ran out).
 */
export function wrapKafkaError(err: unknown, what: string): DyadflowError {
  if (err instanceof DyadflowError) return err;
  const errs = chain(err);
  const code = codeOf(errs);
  const outer = errs[0];
  const root = errs[errs.length - 1];
  const aggregate = outer?.errors?.map((e) => (e as KafkaLikeError).message ?? String(e)).join('; ');
  const why = aggregate || root?.message || String(err);
  const type = errs.find((e) => e.type)?.type;
  const message = `${what}: ${why.replace(/\s+/g, ' ').trim()}${type && !why.includes(type) ? ` (${type})` : ''}`;
  return new DyadflowError(code, message, { retriable: outer?.retriable === true, cause: err });
}
