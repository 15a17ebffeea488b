// Topic names and creation. Contract (architecture.md, "Contracts"): `<prefix>.interactions`,
// `<prefix>.impressions`, `<prefix>.dead-letters`, default prefix `dyadflow`.
import { DyadflowError, InputError } from '../../core/errors.js';
import { withAdmin, type KafkaClientOptions } from './client.js';
import { KAFKA_ERROR, wrapKafkaError } from './errors.js';

/** The topics dyadflow reads and writes. */
export interface TopicNames {
  interactions: string;
  impressions: string;
  deadLetters: string;
}

/** The default topic prefix. */
export const DEFAULT_TOPIC_PREFIX = 'dyadflow';

// Kafka's legal topic characters (and at most 249 of them).
const TOPIC_RE = /^[a-zA-Z0-9._-]+$/;

/** The topic names for a prefix; throws InputError when the prefix would make an illegal topic name. */
export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): TopicNames {
  if (!TOPIC_RE.test(prefix) || prefix.length > 200 || prefix === '.' || prefix === '..')
    throw new InputError('DF_ERR_INPUT_TOPIC', `invalid topic prefix "${prefix}": use 1-200 of [a-zA-Z0-9._-]`);
  return { interactions: `${prefix}.interactions`, impressions: `${prefix}.impressions`, deadLetters: `${prefix}.dead-letters` };
}

/** Options of ensureTopics. */
export interface EnsureTopicsOptions extends KafkaClientOptions {
  /** Partitions of topics that are created (existing topics keep theirs). Default 3. */
  partitions?: number;
  /** How long to wait for new topics' metadata (leaders elected). Default 30 s. */
  timeoutMs?: number;
}

/**
 * Creates the missing topics among `names` (replication factor 1 on a single broker, the cluster default
 * otherwise) and waits until every one of them has a leader for each partition. Returns the names it created.
 */
export async function ensureTopics(brokers: string[], names: string[], options: EnsureTopicsOptions = {}): Promise<string[]> {
  const partitions = options.partitions ?? 3;
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new InputError('DF_ERR_INPUT_PARTITIONS', `invalid partition count ${partitions}: a positive integer`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return withAdmin(brokers, options, async (admin) => {
    const wanted = [...new Set(names)];
    let existing: string[];
    try {
      existing = await admin.listTopics();
    } catch (err) {
      throw wrapKafkaError(err, `cannot list topics on ${brokers.join(',')}`);
    }
    const missing = wanted.filter((t) => !existing.includes(t));
    if (missing.length > 0) {
      let brokerCount = 1;
      try {
        brokerCount = (await admin.describeCluster()).brokers.length;
      } catch (err) {
        throw wrapKafkaError(err, `cannot describe the cluster at ${brokers.join(',')}`);
      }
      try {
        await admin.createTopics({
          waitForLeaders: true,
          timeout: timeoutMs,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: partitions,
            // -1 = the broker's default.replication.factor; 1 where there is one broker.
            replicationFactor: brokerCount === 1 ? 1 : -1,
          })),
        });
      } catch (err) {
        // Another producer may have created it between list and create: that is success.
        const wrapped = wrapKafkaError(err, `cannot create topics ${missing.join(', ')}`);
        if (!/TOPIC_ALREADY_EXISTS|already exists/i.test(wrapped.message)) throw wrapped;
      }
    }
    await waitForLeaders(admin, wanted, timeoutMs);
    return missing;
  });
}

async function waitForLeaders(admin: Parameters<Parameters<typeof withAdmin>[2]>[0], topics: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      const notReady = meta.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      if (notReady.length === 0 && meta.length === topics.length) return;
      last = `no leader yet for ${notReady.join(', ')}`;
    } catch (err) {
      last = wrapKafkaError(err, 'topic metadata').message;
    }
    if (Date.now() > deadline)
      throw new DyadflowError(KAFKA_ERROR.topic, `topics ${topics.join(', ')} not ready after ${timeoutMs} ms: ${last}`, { retriable: true });
    await new Promise((r) => setTimeout(r, 100));
  }
}
