// `--kafka-config FILE` (issue 12): connection settings (TLS, SASL, client id, timeouts, retries) as a JSON object in
// kafkajs's own option names (its KafkaConfig), for `run` and `produce` alike. Read once, checked key by key (an
// unknown key or a wrong type is an InputError naming the file and the key), frozen. Brokers stay on the command line.
// One convenience beyond kafkajs: `ssl.ca`, `ssl.cert` and `ssl.key` may name PEM files (relative to the config
// file) instead of holding the PEM text; a value starting with `-----BEGIN` is the text itself.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { InputError } from '../../core/errors.js';

/** The connection settings a config file may give: kafkajs's KafkaConfig without brokers, logging or functions. */
export type KafkaConnectionConfig = Readonly<
  Pick<KafkaConfig, 'clientId' | 'ssl' | 'sasl' | 'connectionTimeout' | 'authenticationTimeout' | 'reauthenticationThreshold' | 'requestTimeout' | 'enforceRequestTimeout' | 'retry'>
>;

const CODE = 'DF_ERR_INPUT_KAFKA_CONFIG';
const TOP_KEYS = ['clientId', 'ssl', 'sasl', 'connectionTimeout', 'authenticationTimeout', 'reauthenticationThreshold', 'requestTimeout', 'enforceRequestTimeout', 'retry'];
const SSL_STRING_KEYS = ['passphrase', 'servername', 'minVersion', 'maxVersion', 'ciphers'];
const SSL_PEM_KEYS = ['ca', 'cert', 'key'];
const RETRY_KEYS = ['maxRetryTime', 'initialRetryTime', 'factor', 'multiplier', 'retries'];
const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks a parsed config object; `file` names it in errors and anchors relative PEM paths. Returns a frozen copy with
 * PEM files read.
 */
export function parseKafkaConfig(value: unknown, file: string): KafkaConnectionConfig {
  const fail = (key: string, why: string): never => {
    throw new InputError(CODE, `${file}: ${key} ${why}`);
  };
  if (!isObject(value)) return fail('the file', 'must hold a JSON object of kafkajs client options');
  const unknownKeys = (o: Obj, allowed: string[], prefix: string): void => {
    for (const k of Object.keys(o)) {
      if (k === 'brokers') fail(`${prefix}brokers`, 'is not read from the file: give the brokers on the command line (--brokers, --source kafka:BROKERS)');
      if (!allowed.includes(k)) fail(`${prefix}${k}`, `is not a kafkajs option this file may set (allowed: ${allowed.join(', ')})`);
    }
  };
  const positiveInt = (v: unknown, key: string): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(key, 'must be a non-negative integer (milliseconds or a count)');
  unknownKeys(value, TOP_KEYS, '');
  const out: Obj = {};
  if (value.clientId !== undefined) {
    const v = value.clientId;
    out.clientId = typeof v === 'string' && v.length > 0 ? v : fail('clientId', 'must be a non-empty string');
  }
  for (const k of ['connectionTimeout', 'authenticationTimeout', 'reauthenticationThreshold', 'requestTimeout']) {
    if (value[k] !== undefined) out[k] = positiveInt(value[k], k);
  }
  if (value.enforceRequestTimeout !== undefined) {
    out.enforceRequestTimeout = typeof value.enforceRequestTimeout === 'boolean' ? value.enforceRequestTimeout : fail('enforceRequestTimeout', 'must be true or false');
  }
  if (value.retry !== undefined) {
    const r = value.retry;
    if (!isObject(r)) fail('retry', 'must be an object');
    unknownKeys(r as Obj, RETRY_KEYS, 'retry.');
    const retry: Obj = {};
    for (const k of RETRY_KEYS) {
      const v = (r as Obj)[k];
      if (v === undefined) continue;
      retry[k] = k === 'factor' || k === 'multiplier' ? (typeof v === 'number' && v >= 0 && Number.isFinite(v) ? v : fail(`retry.${k}`, 'must be a non-negative number')) : positiveInt(v, `retry.${k}`);
    }
    out.retry = Object.freeze(retry);
  }
  if (value.ssl !== undefined) out.ssl = parseSsl(value.ssl, file, fail, unknownKeys);
  if (value.sasl !== undefined) out.sasl = parseSasl(value.sasl, fail, unknownKeys);
  return Object.freeze(out) as KafkaConnectionConfig;
}

function parseSsl(
  v: unknown,
  file: string,
  fail: (key: string, why: string) => never,
  unknownKeys: (o: Obj, allowed: string[], prefix: string) => void,
): boolean | Obj {
  if (typeof v === 'boolean') return v;
  if (!isObject(v)) return fail('ssl', 'must be true, false or an object of TLS options');
  unknownKeys(v, ['rejectUnauthorized', ...SSL_PEM_KEYS, ...SSL_STRING_KEYS], 'ssl.');
  const out: Obj = {};
  if (v.rejectUnauthorized !== undefined)
    out.rejectUnauthorized = typeof v.rejectUnauthorized === 'boolean' ? v.rejectUnauthorized : fail('ssl.rejectUnauthorized', 'must be true or false');
  for (const k of SSL_STRING_KEYS) {
    if (v[k] === undefined) continue;
    if (typeof v[k] !== 'string') fail(`ssl.${k}`, 'must be a string');
    if ((k === 'minVersion' || k === 'maxVersion') && !TLS_VERSIONS.includes(v[k] as string)) fail(`ssl.${k}`, `must be one of ${TLS_VERSIONS.join(', ')}`);
    out[k] = v[k];
  }
  const pem = (s: unknown, key: string): string => {
    if (typeof s !== 'string' || s.length === 0) return fail(key, 'must be PEM text or the path of a PEM file');
    if (s.trimStart().startsWith('-----BEGIN')) return s;
    const path = resolve(dirname(file), s);
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      return fail(key, `names ${path}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  for (const k of SSL_PEM_KEYS) {
    const s = v[k];
    if (s === undefined) continue;
    out[k] = Array.isArray(s) ? s.map((x, i) => pem(x, `ssl.${k}[${i}]`)) : pem(s, `ssl.${k}`);
  }
  return Object.freeze(out);
}

function parseSasl(v: unknown, fail: (key: string, why: string) => never, unknownKeys: (o: Obj, allowed: string[], prefix: string) => void): SASLOptions {
  if (!isObject(v)) return fail('sasl', 'must be an object with a mechanism');
  const mechanism = v.mechanism;
  const str = (key: string, optional = false): string | undefined => {
    const s = v[key];
    if (s === undefined && optional) return undefined;
    return typeof s === 'string' && s.length > 0 ? s : fail(`sasl.${key}`, 'must be a non-empty string');
  };
  switch (mechanism) {
    case 'plain':
    case 'scram-sha-256':
    case 'scram-sha-512':
      unknownKeys(v, ['mechanism', 'username', 'password'], 'sasl.');
      return Object.freeze({ mechanism, username: str('username')!, password: str('password')! });
    case 'aws': {
      unknownKeys(v, ['mechanism', 'authorizationIdentity', 'accessKeyId', 'secretAccessKey', 'sessionToken'], 'sasl.');
      const sessionToken = str('sessionToken', true);
      return Object.freeze({
        mechanism,
        authorizationIdentity: str('authorizationIdentity')!,
        accessKeyId: str('accessKeyId')!,
        secretAccessKey: str('secretAccessKey')!,
        ...(sessionToken === undefined ? {} : { sessionToken }),
      });
    }
    case 'oauthbearer':
      return fail('sasl.mechanism', '"oauthbearer" needs a token provider function, which a JSON file cannot hold');
    default:
      return fail('sasl.mechanism', 'must be one of plain, scram-sha-256, scram-sha-512, aws');
  }
}

/** Reads and checks a `--kafka-config` file (see the file's header); InputError (exit 2) on any problem. */
export function loadKafkaConfig(file: string): KafkaConnectionConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(CODE, `${file}: cannot read the Kafka config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(CODE, `${file}: not JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  return parseKafkaConfig(value, file);
}
