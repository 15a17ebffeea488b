// The dead letter of an invalid input message: reason, origin, key, the value as text when it is UTF-8 (else base64),
// its full length and whether it was cut; valid against schemas/kafka-dead-letter.schema.json.
import { describe, expect, it } from 'vitest';
import { deadLetterMessage, deadLetterOf } from '../../../src/adapters/kafka/dead-letters.js';
import type { BadMessage } from '../../../src/adapters/kafka/message-chunk.js';
import { validatorFor } from '../../../src/adapters/schemas/validators.js';

const bad = (over: Partial<BadMessage>): BadMessage => ({
  topic: 'p.interactions',
  partition: 2,
  offset: 41,
  reason: 'message value is not JSON',
  key: Buffer.from('7'),
  value: Buffer.from('{"user_id": '),
  valueBytes: 12,
  ...over,
});

describe('dead letters', () => {
  it('carries reason, origin, key and the value as UTF-8 text', () => {
    expect(deadLetterOf(bad({}))).toEqual({
      reason: 'message value is not JSON',
      origin: { topic: 'p.interactions', partition: 2, offset: 41 },
      key: '7',
      value: '{"user_id": ',
      valueEncoding: 'utf8',
      valueBytes: 12,
      truncated: false,
    });
  });

  it('base64 for bytes that are not UTF-8, null for a null value or key, truncated when only the start was kept', () => {
    expect(deadLetterOf(bad({ value: Buffer.from([0xff, 0xfe]), valueBytes: 2 }))).toMatchObject({ value: '//4=', valueEncoding: 'base64', truncated: false });
    expect(deadLetterOf(bad({ value: null, valueBytes: 0, key: null, reason: 'null message value' }))).toMatchObject({ key: null, value: null, valueEncoding: null, valueBytes: 0, truncated: false });
    expect(deadLetterOf(bad({ value: Buffer.from('xxxx'), valueBytes: 1_000_000 }))).toMatchObject({ value: 'xxxx', valueBytes: 1_000_000, truncated: true });
  });

  it('is a message keyed like the original (or by its origin when it had no key), valid against the schema', () => {
    const validate = validatorFor('kafka-dead-letter.schema.json');
    const m = deadLetterMessage(bad({}));
    expect(m.key).toBe('7');
    expect(validate(JSON.parse(m.value))).toBe(true);
    const n = deadLetterMessage(bad({ key: null, value: null, valueBytes: 0 }));
    expect(n.key).toBe('p.interactions/2/41');
    expect(validate(JSON.parse(n.value))).toBe(true);
    expect(validate({ ...JSON.parse(n.value), origin: { topic: 't', partition: -1, offset: 0 } })).toBe(false);
  });
});
