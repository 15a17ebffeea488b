// The consumer's fast byte parsers against the schema's own verdict (JSON.parse + the compiled validator): whatever
// the fast path accepts, the validator accepts with the same values, and every message our producer writes takes the
// fast path. Values: the producer's form, other JSON forms of the same records (field order, spaces, 1.0, exponents),
// out-of-range and mistyped fields, and random byte edits of valid values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeValueSlow,
  parseImpressionFast,
  parseInteractionFast,
  type ImpressionFields,
  type InteractionFields,
} from '../../../src/adapters/kafka/event-decoder.js';
import { encodeImpression, encodeInteraction } from '../../../src/adapters/kafka/messages.js';
import { isoWeekStartS } from '../../../src/core/time/iso-week.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const interactionOut = (): InteractionFields => ({ userId: -1, itemId: -1, type: -1, createdAtS: -1 });
const impressionOut = (): ImpressionFields => ({ userId: -1, eventTimeS: -1, items: new Int32Array(2), itemCount: -1 });
const LIMIT = 256 * 1024;

/** The fast path agrees with the schema: when it accepts, the validator accepts the same values. */
function checkInteraction(value: Buffer): boolean {
  const out = interactionOut();
  const fast = parseInteractionFast(value, 0, value.length, out);
  const slow = decodeValueSlow(value, 'interactions', LIMIT);
  if (fast) {
    expect(slow.ok).toBe(true);
    if (slow.ok && slow.kind === 'interaction') {
      const r = slow.record;
      expect([out.userId, out.itemId, out.type, out.createdAtS]).toEqual([r.user_id, r.item_id, r.interaction_type, r.created_at]);
    }
  }
  return fast;
}

function checkImpression(value: Buffer): boolean {
  const out = impressionOut();
  const fast = parseImpressionFast(value, 0, value.length, out);
  const slow = decodeValueSlow(value, 'impressions', LIMIT);
  if (fast) {
    expect(slow.ok).toBe(true);
    if (slow.ok && slow.kind === 'impression') {
      const r = slow.record;
      expect([out.userId, out.eventTimeS, [...out.items.subarray(0, out.itemCount)]]).toEqual([r.user_id, isoWeekStartS(r.year, r.week), r.items]);
    }
  }
  return fast;
}

// Field values around every bound of the schemas, and some that are not integers at all.
const intish = fc.oneof(
  fc.integer({ min: 0, max: 2147483647 }),
  fc.constantFrom(0, 1, 4, 5, 9, 10, 2147483647, 2147483648, 4102444800, 4102444801, 9999999999, 10000000000, -1, 1970, 2099, 2100, 53, 54),
  fc.integer({ min: -100, max: 100 }),
  fc.double({ noNaN: true }),
);
const field = fc.oneof({ weight: 6, arbitrary: intish }, { weight: 1, arbitrary: fc.constantFrom<unknown>('7', null, true, [], {}, '1e3') });

const validInteraction = fc.record({
  user_id: fc.integer({ min: 0, max: 2147483647 }),
  item_id: fc.integer({ min: 0, max: 2147483647 }),
  interaction_type: fc.integer({ min: 1, max: 4 }),
  created_at: fc.integer({ min: 0, max: 4102444800 }),
});
const validImpression = fc.record({
  user_id: fc.integer({ min: 0, max: 2147483647 }),
  year: fc.integer({ min: 1970, max: 2099 }),
  week: fc.integer({ min: 1, max: 52 }),
  items: fc.array(fc.integer({ min: 0, max: 2147483647 }), { minLength: 1, maxLength: 30 }),
});

/** JSON in the producer's field order (template) or reordered, with or without spaces. */
function serialise(record: Record<string, unknown>, order: string[], spaced: boolean): string {
  const parts = order.filter((k) => k in record).map((k) => `"${k}":${spaced ? ' ' : ''}${JSON.stringify(record[k])}`);
  return `{${parts.join(spaced ? ', ' : ',')}}`;
}

describe('fast event decoding vs the schema (JSON.parse + validator)', () => {
  it('takes the fast path for every message the producer writes, with the record`s values', () => {
    fc.assert(
      fc.property(validInteraction, (r) => {
        const enc = encodeInteraction(r);
        expect(enc.ok).toBe(true);
        if (enc.ok) expect(checkInteraction(bytes(enc.message.value))).toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(validImpression, (r) => {
        const enc = encodeImpression(r);
        if (!enc.ok) return; // a week 53 of a short year: not a record the producer writes
        expect(checkImpression(bytes(enc.message.value))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never accepts what the validator refuses, nor reads other values (any field values, orders, spaces)', () => {
    const interactionKeys = ['user_id', 'item_id', 'interaction_type', 'created_at'];
    fc.assert(
      fc.property(
        fc.record({ user_id: field, item_id: field, interaction_type: field, created_at: field, extra: field }, { requiredKeys: [] }),
        fc.shuffledSubarray([...interactionKeys, 'extra'], { minLength: 0 }),
        fc.boolean(),
        (record, order, spaced) => {
          checkInteraction(bytes(serialise(record, order, spaced)));
          checkInteraction(bytes(serialise(record, interactionKeys, false)));
        },
      ),
      { numRuns: 2000 },
    );
    const impressionKeys = ['user_id', 'year', 'week', 'items'];
    fc.assert(
      fc.property(
        fc.record({ user_id: field, year: field, week: field, items: fc.oneof(fc.array(field, { maxLength: 5 }), field) }, { requiredKeys: [] }),
        fc.shuffledSubarray(impressionKeys, { minLength: 0 }),
        fc.boolean(),
        (record, order, spaced) => {
          checkImpression(bytes(serialise(record, order, spaced)));
          checkImpression(bytes(serialise(record, impressionKeys, false)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees on random byte edits of valid values (insertions, deletions, replacements)', () => {
    const edit = fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom(...'0123456789,:{}[]" -.eE\u00e9x'.split('')));
    fc.assert(
      fc.property(validInteraction, fc.array(edit, { minLength: 1, maxLength: 3 }), (r, edits) => {
        const enc = encodeInteraction(r);
        if (!enc.ok) return;
        let s = enc.message.value;
        for (const [at, how, ch] of edits) {
          const i = at % (s.length + 1);
          s = how === 'insert' ? s.slice(0, i) + ch + s.slice(i) : how === 'delete' ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + ch + s.slice(i + 1);
        }
        checkInteraction(bytes(s));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(validImpression, fc.array(edit, { minLength: 1, maxLength: 3 }), (r, edits) => {
        const enc = encodeImpression(r);
        if (!enc.ok) return;
        let s = enc.message.value;
        for (const [at, how, ch] of edits) {
          const i = at % (s.length + 1);
          s = how === 'insert' ? s.slice(0, i) + ch + s.slice(i) : how === 'delete' ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + ch + s.slice(i + 1);
        }
        checkImpression(bytes(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads values at an offset inside a larger buffer, as kafkajs hands them over', () => {
    const buf = bytes('xx{"user_id":7,"item_id":100,"interaction_type":2,"created_at":1471219300}yy');
    const out = interactionOut();
    expect(parseInteractionFast(buf, 2, buf.length - 2, out)).toBe(true);
    expect(out).toEqual({ userId: 7, itemId: 100, type: 2, createdAtS: 1471219300 });
    expect(parseInteractionFast(buf, 2, buf.length, out)).toBe(false);
  });

  it('says why, naming a record of the other topic, a null value and a value over the limit', () => {
    expect(decodeValueSlow(null, 'interactions', LIMIT)).toEqual({ ok: false, reason: 'null message value' });
    expect(decodeValueSlow(bytes('{"user_id":7,"year":2016,"week":33,"items":[1]}'), 'interactions', LIMIT)).toEqual({ ok: false, reason: 'an impression record on the interactions topic' });
    expect(decodeValueSlow(bytes('{"user_id":7,"item_id":1,"interaction_type":1,"created_at":5}'), 'impressions', LIMIT)).toEqual({ ok: false, reason: 'an interaction record on the impressions topic' });
    expect(decodeValueSlow(bytes('x'.repeat(11)), 'interactions', 10)).toEqual({ ok: false, reason: 'message value of 11 bytes exceeds the 10-byte limit' });
    expect(decodeValueSlow(bytes('{"user_id":7,"item_id":1,"interaction_type":1,"created_at":5.0}'), 'interactions', LIMIT)).toEqual({
      ok: true,
      kind: 'interaction',
      record: { user_id: 7, item_id: 1, interaction_type: 1, created_at: 5 },
    });
  });
});
