// `--kafka-config FILE`: kafkajs's own option names, checked key by key, PEM files read relative to the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKafkaConfig, parseKafkaConfig } from '../../../src/adapters/kafka/client.js';
import { InputError } from '../../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dyadflow-kafka-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function refused(value: unknown): string {
  try {
    parseKafkaConfig(value, 'k.json');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('DF_ERR_INPUT_KAFKA_CONFIG');
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('Kafka connection config', () => {
  it('reads TLS, SASL, client id, timeouts and retries in kafkajs names; PEM text or files next to the config', () => {
    writeFileSync(join(dir, 'ca.pem'), PEM);
    writeFileSync(
      join(dir, 'kafka.json'),
      JSON.stringify({
        clientId: 'dyadflow-prod',
        ssl: { ca: ['ca.pem'], cert: PEM, rejectUnauthorized: true, servername: 'kafka.example', minVersion: 'TLSv1.2' },
        sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
        connectionTimeout: 5000,
        requestTimeout: 60000,
        enforceRequestTimeout: true,
        retry: { retries: 8, initialRetryTime: 500, factor: 0.2 },
      }),
    );
    const c = loadKafkaConfig(join(dir, 'kafka.json'));
    expect(c).toEqual({
      clientId: 'dyadflow-prod',
      ssl: { ca: [PEM], cert: PEM, rejectUnauthorized: true, servername: 'kafka.example', minVersion: 'TLSv1.2' },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
      connectionTimeout: 5000,
      requestTimeout: 60000,
      enforceRequestTimeout: true,
      retry: { retries: 8, initialRetryTime: 500, factor: 0.2 },
    });
    expect(Object.isFrozen(c)).toBe(true);
    expect(parseKafkaConfig({ ssl: true }, 'k.json')).toEqual({ ssl: true });
    expect(parseKafkaConfig({ sasl: { mechanism: 'aws', authorizationIdentity: 'a', accessKeyId: 'b', secretAccessKey: 'c' } }, 'k.json')).toEqual({
      sasl: { mechanism: 'aws', authorizationIdentity: 'a', accessKeyId: 'b', secretAccessKey: 'c' },
    });
  });

  it('refuses, naming the file and the key: unknown keys, brokers, wrong types, function-only mechanisms, unreadable PEM files', () => {
    expect(refused({ clientID: 'x' })).toMatch(/^k\.json: clientID is not a kafkajs option this file may set \(allowed: clientId, ssl/);
    expect(refused({ brokers: ['a:1'] })).toMatch(/^k\.json: brokers is not read from the file: give the brokers on the command line/);
    expect(refused({ connectionTimeout: '3s' })).toBe('k.json: connectionTimeout must be a non-negative integer (milliseconds or a count)');
    expect(refused({ ssl: { rejectUnauthorized: 'no' } })).toBe('k.json: ssl.rejectUnauthorized must be true or false');
    expect(refused({ ssl: { ca: 'missing.pem' } })).toMatch(/^k\.json: ssl\.ca names .*missing\.pem, which cannot be read \(ENOENT\)$/);
    expect(refused({ ssl: { minVersion: 'SSLv3' } })).toBe('k.json: ssl.minVersion must be one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3');
    expect(refused({ sasl: { mechanism: 'plain', username: 'u' } })).toBe('k.json: sasl.password must be a non-empty string');
    expect(refused({ sasl: { mechanism: 'plain', username: 'u', password: 'p', extra: 1 } })).toMatch(/^k\.json: sasl\.extra is not a kafkajs option/);
    expect(refused({ sasl: { mechanism: 'oauthbearer' } })).toMatch(/oauthbearer" needs a token provider function/);
    expect(refused({ sasl: { mechanism: 'kerberos' } })).toBe('k.json: sasl.mechanism must be one of plain, scram-sha-256, scram-sha-512, aws');
    expect(refused({ retry: { retries: -1 } })).toBe('k.json: retry.retries must be a non-negative integer (milliseconds or a count)');
    expect(refused([])).toBe('k.json: the file must hold a JSON object of kafkajs client options');
  });

  it('a missing or non-JSON file is an InputError naming it', () => {
    expect(() => loadKafkaConfig(join(dir, 'nope.json'))).toThrow(/nope\.json: cannot read the Kafka config file \(ENOENT\)/);
    writeFileSync(join(dir, 'bad.json'), '{ clientId: x }');
    expect(() => loadKafkaConfig(join(dir, 'bad.json'))).toThrow(/bad\.json: not JSON/);
  });
});
