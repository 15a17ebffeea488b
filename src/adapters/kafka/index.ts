// The Kafka adapter (kafkajs behind dyadflow's own interfaces): clients, topics, messages, the producer.
export { kafkajsGroupingPatched, kafkajsProduceRequestPatched, kafkajsRecordBatchDecoderPatched } from './kafkajs-patch.js';
// createKafka/withAdmin stay inside the adapter: no kafkajs type crosses this index.
export { loadKafkaConfig, parseBrokers, type KafkaClientOptions, type KafkaConnectionConfig, type KafkaLogLevel } from './client.js';
export { KAFKA_ERROR, wrapKafkaError } from './errors.js';
export {
  decodeImpression,
  decodeInteraction,
  encodeImpression,
  encodeInteraction,
  impressionTimeS,
  type Encoded,
  type OutgoingMessage,
} from './messages.js';
export { connectProducer, type ProducerOptions, type RecordProducer, type TopicBatch } from './producer.js';
export { systemClock, TokenBucket, type LimiterClock } from './rate-limiter.js';
export { DEFAULT_TOPIC_PREFIX, ensureTopics, topicNames, type EnsureTopicsOptions, type TopicNames } from './topics.js';
export { deadLetterOf, type KafkaDeadLetter } from './dead-letters.js';
export { groupIdForOutput } from './group.js';
export {
  KAFKA_SOURCE_ERROR,
  KafkaEventSource,
  lagOfPosition,
  openKafkaSource,
  type KafkaPartitionPosition,
  type KafkaSourceOptions,
  type KafkaSourcePosition,
} from './source.js';
