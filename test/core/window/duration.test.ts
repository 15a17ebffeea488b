import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/core/window/duration.js';

const seconds = (text: string, opts?: { allowZero?: boolean }): number | string => {
  const d = parseDuration(text, opts);
  return d.ok ? d.seconds : d.reason;
};

describe('parseDuration', () => {
  it('reads a whole number with an optional unit s, m, h, d, w into whole seconds; a bare number is seconds', () => {
    expect(['10s', '30m', '6h', '1d', '1w', '2w', '90m', '45', '7d'].map((t) => seconds(t))).toEqual([
      10, 1800, 21600, 86400, 604800, 1209600, 5400, 45, 604800,
    ]);
  });

  it('refuses anything else, naming the text', () => {
    for (const text of ['', '1.5h', ' 1w', '1w ', '1W', '-1s', '1x', 'w', '1 w', '1e3', '0x10', '1wk', '+5']) {
      const d = parseDuration(text);
      expect(d.ok, text).toBe(false);
      if (!d.ok) expect(d.reason).toContain(JSON.stringify(text));
    }
  });

  it('refuses zero unless allowed', () => {
    expect(seconds('0')).toContain('longer than zero');
    expect(seconds('0w')).toContain('"0w"');
    expect(seconds('0', { allowZero: true })).toBe(0);
    expect(seconds('0m', { allowZero: true })).toBe(0);
  });

  it('refuses a duration past the safe integers', () => {
    expect(seconds('99999999999999999w')).toBe('"99999999999999999w" is too long a duration');
  });
});

describe('formatDuration', () => {
  it('writes the largest unit that divides the duration', () => {
    expect([0, 10, 60, 5400, 3600, 21600, 86400, 604800, 1209600, 691200, 61].map(formatDuration)).toEqual([
      '0s', '10s', '1m', '90m', '1h', '6h', '1d', '1w', '2w', '8d', '61s',
    ]);
  });

  it('round-trips with parseDuration', () => {
    for (const s of [1, 59, 60, 3599, 3600, 86399, 86400, 604799, 604800, 1814400, 1234567]) {
      expect(parseDuration(formatDuration(s))).toEqual({ ok: true, seconds: s });
    }
  });
});
