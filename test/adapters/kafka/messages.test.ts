import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeImpression,
  decodeInteraction,
  encodeImpression,
  encodeInteraction,
  impressionTimeS,
} from '../../../src/adapters/kafka/messages.js';

describe('Kafka message encoding', () => {
  it('encodes an interaction as JSON with the RecSys 2016 field names, keyed by the user id', () => {
    expect(encodeInteraction({ user_id: 42, item_id: 7, interaction_type: 4, created_at: 1471219200 })).toEqual({
      ok: true,
      message: { key: '42', value: '{"user_id":42,"item_id":7,"interaction_type":4,"created_at":1471219200}' },
    });
  });

  it('encodes an impression with its item list in order, repeats kept', () => {
    expect(encodeImpression({ user_id: 3, year: 2016, week: 33, items: [9, 1, 9] })).toEqual({
      ok: true,
      message: { key: '3', value: '{"user_id":3,"year":2016,"week":33,"items":[9,1,9]}' },
    });
  });

  it('rejects invalid records with the validator’s reason instead of encoding them', () => {
    expect(encodeInteraction({ user_id: 1, item_id: 2, interaction_type: 5, created_at: 0 })).toEqual({ ok: false, reason: 'unknown interaction_type' });
    expect(encodeInteraction({ user_id: 1, item_id: 2, interaction_type: 1 })).toEqual({ ok: false, reason: 'missing field created_at' });
    expect(encodeInteraction({ user_id: -1, item_id: 2, interaction_type: 1, created_at: 0 }).ok).toBe(false);
    expect(encodeImpression({ user_id: 1, year: 2016, week: 33, items: [] }).ok).toBe(false);
    expect(encodeImpression({ user_id: 1, year: 2015, week: 54, items: [1] }).ok).toBe(false);
    expect(encodeImpression({ user_id: 1, year: 2016, week: 53, items: [1] })).toEqual({
      ok: false,
      reason: 'week 53 does not exist in ISO year 2016',
    });
  });

  it('decodes what it encodes (bytes or string), and equals JSON.stringify of the record', () => {
    const interaction = fc.record({
      user_id: fc.integer({ min: 0, max: 2147483647 }),
      item_id: fc.integer({ min: 0, max: 2147483647 }),
      interaction_type: fc.constantFrom(1, 2, 3, 4),
      created_at: fc.integer({ min: 0, max: 4102444800 }),
    });
    fc.assert(
      fc.property(interaction, (r) => {
        const enc = encodeInteraction(r);
        if (!enc.ok) return false;
        expect(enc.message.value).toBe(JSON.stringify(r));
        expect(decodeInteraction(Buffer.from(enc.message.value))).toEqual({ ok: true, value: r });
        return decodeInteraction(enc.message.value).ok;
      }),
    );
    const impression = fc.record({
      user_id: fc.integer({ min: 0, max: 2147483647 }),
      year: fc.integer({ min: 1971, max: 2098 }),
      week: fc.integer({ min: 1, max: 52 }),
      items: fc.array(fc.integer({ min: 0, max: 2147483647 }), { minLength: 1, maxLength: 30 }),
    });
    fc.assert(
      fc.property(impression, (r) => {
        const enc = encodeImpression(r);
        if (!enc.ok) return false;
        expect(enc.message.value).toBe(JSON.stringify(r));
        expect(decodeImpression(new Uint8Array(Buffer.from(enc.message.value)))).toEqual({ ok: true, value: r });
        return true;
      }),
    );
  });

  it('reports undecodable values', () => {
    expect(decodeInteraction(null)).toEqual({ ok: false, reason: 'empty message value' });
    expect(decodeInteraction('{"user_id":')).toEqual({ ok: false, reason: 'message value is not JSON' });
    expect(decodeImpression('{"user_id":1,"year":2016,"week":33,"items":[1],"x":1}')).toEqual({ ok: false, reason: 'unknown field x' });
  });

  it('times an impression at 00:00 UTC on the Monday of its ISO week', () => {
    expect(impressionTimeS({ user_id: 1, year: 2016, week: 33, items: [1] })).toBe(Date.UTC(2016, 7, 15) / 1000);
    expect(impressionTimeS({ user_id: 1, year: 2015, week: 53, items: [1] })).toBe(Date.UTC(2015, 11, 28) / 1000);
  });
});
