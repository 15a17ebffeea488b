import { describe, expect, it } from 'vitest';
import { DyadflowError, InputError } from '../../../src/core/errors.js';
import { parseBrokers } from '../../../src/adapters/kafka/client.js';
import { KAFKA_ERROR, wrapKafkaError } from '../../../src/adapters/kafka/errors.js';
import { topicNames } from '../../../src/adapters/kafka/topics.js';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSRequestTimeoutError } from 'kafkajs';

describe('topicNames', () => {
  it('derives the three topics from the prefix, `dyadflow` by default', () => {
    expect(topicNames()).toEqual({ interactions: 'dyadflow.interactions', impressions: 'dyadflow.impressions', deadLetters: 'dyadflow.dead-letters' });
    expect(topicNames('acme_1')).toEqual({ interactions: 'acme_1.interactions', impressions: 'acme_1.impressions', deadLetters: 'acme_1.dead-letters' });
  });

  it('refuses prefixes Kafka would refuse', () => {
    for (const bad of ['', 'a/b', 'a b', 'ü', 'x'.repeat(201)]) expect(() => topicNames(bad)).toThrow(InputError);
  });
});

describe('parseBrokers', () => {
  it('splits and trims a broker list', () => {
    expect(parseBrokers('localhost:9092, kafka-2:19092 ,[::1]:9092')).toEqual(['localhost:9092', 'kafka-2:19092', '[::1]:9092']);
  });

  it('refuses empty lists, missing or bad ports', () => {
    for (const bad of ['', ' , ', 'localhost', 'localhost:0', 'localhost:70000', 'h:p']) expect(() => parseBrokers(bad)).toThrow(InputError);
  });
});

describe('wrapKafkaError', () => {
  it('maps connection failures, keeping the root cause and kafkajs’s retriable verdict', () => {
    const root = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1', { broker: '127.0.0.1:1' });
    const exhausted = new KafkaJSNumberOfRetriesExceeded(root, { retryCount: 5, retryTime: 3000 });
    const e = wrapKafkaError(exhausted, 'cannot connect to Kafka at 127.0.0.1:1');
    expect(e).toBeInstanceOf(DyadflowError);
    expect(e.code).toBe(KAFKA_ERROR.connect);
    expect(e.retriable).toBe(false);
    expect(e.message).toBe('cannot connect to Kafka at 127.0.0.1:1: Connection error: connect ECONNREFUSED 127.0.0.1:1');
    expect(wrapKafkaError(root, 'x').retriable).toBe(true);
  });

  it('maps timeouts and protocol errors, naming the protocol error type', () => {
    expect(wrapKafkaError(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'), 'send').code).toBe(KAFKA_ERROR.timeout);
    const p = new KafkaJSProtocolError({ message: 'This server does not host this topic-partition', type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true } as never);
    const e = wrapKafkaError(p, 'cannot produce to t');
    expect(e.code).toBe(KAFKA_ERROR.protocol);
    expect(e.retriable).toBe(true);
    expect(e.message).toBe('cannot produce to t: This server does not host this topic-partition (UNKNOWN_TOPIC_OR_PARTITION)');
  });

  it('passes DyadflowErrors through and wraps anything else as DF_ERR_KAFKA', () => {
    const d = new DyadflowError('DF_ERR_X', 'x');
    expect(wrapKafkaError(d, 'y')).toBe(d);
    const e = wrapKafkaError(new Error('boom\n  at line'), 'doing it');
    expect(e.code).toBe(KAFKA_ERROR.other);
    expect(e.message).toBe('doing it: boom at line');
    expect(e.retriable).toBe(false);
  });
});
