import { describe, expect, it } from 'vitest';
import { validateImpression, validateInteraction } from '../../../src/adapters/schemas/validators.js';

describe('record validators', () => {
  it('accepts good interactions and impressions', () => {
    expect(validateInteraction({ user_id: 1, item_id: 2, interaction_type: 3, created_at: 1439966982 })).toEqual({
      ok: true,
      value: { user_id: 1, item_id: 2, interaction_type: 3, created_at: 1439966982 },
    });
    expect(validateImpression({ user_id: 1, year: 2015, week: 34, items: [5, 6, 5] }).ok).toBe(true);
  });

  it('names the first problem of a bad record', () => {
    const bad = (v: unknown) => {
      const r = validateInteraction(v);
      return r.ok ? 'ok' : r.reason;
    };
    expect(bad({ user_id: 1, item_id: 2, interaction_type: 9, created_at: 1 })).toBe('unknown interaction_type');
    expect(bad({ user_id: 1, item_id: 2, interaction_type: 1 })).toBe('missing field created_at');
    expect(bad({ user_id: '1', item_id: 2, interaction_type: 1, created_at: 1 })).toBe('user_id must be integer');
    expect(bad({ user_id: 1, item_id: -2, interaction_type: 1, created_at: 1 })).toBe('item_id must be >= 0');
    expect(bad({ user_id: 1, item_id: 2, interaction_type: 1, created_at: 5e9 })).toBe('created_at must be <= 4102444800');
    expect(bad({ user_id: 1, item_id: 2, interaction_type: 1, created_at: 1, extra: 1 })).toBe('unknown field extra');
    const imp = validateImpression({ user_id: 1, year: 2016, week: 53, items: [1] });
    expect(imp).toEqual({ ok: false, reason: 'week 53 does not exist in ISO year 2016' });
    const empty = validateImpression({ user_id: 1, year: 2015, week: 34, items: [] });
    expect(empty).toEqual({ ok: false, reason: 'items must NOT have fewer than 1 items' });
  });
});
