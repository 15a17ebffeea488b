import { describe, it, expect } from 'vitest';
import { renderTable1Markdown } from '../../../src/core/report/table1-markdown.js';
import type { Table1 } from '../../../src/core/stats/table1.js';
import { formatFixed, formatInteger, formatPercent, formatPValue } from '../../../src/core/report/format.js';

// The paper's Table 1 (authors-code.md §5.6): the original RecSys'16 data and the DAEMON subset.
const BEFORE: Table1 = {
  users: 770859,
  offers: 1002161,
  dyads: 10378780,
  perUser: { displayed: 76, clicked: 7, bookmarked: 0.27, replied: 0.42, interactionsMean: 13.46, interactionsMedian: 7 },
  perOffer: { usersMean: 10.36, usersMedian: 5 },
  sparsity: 0.99991,
};
const AFTER: Table1 = {
  users: 5949,
  offers: 25184,
  dyads: 819226,
  perUser: { displayed: 115.04, clicked: 42.19, bookmarked: 1.38, replied: 3.4, interactionsMean: 819226 / 5949, interactionsMedian: 120 },
  perOffer: { usersMean: 819226 / 25184, usersMedian: 12.5 },
  sparsity: 1 - 819226 / (5949 * 25184),
};

describe('renderTable1Markdown', () => {
  it('renders before and after side by side', () => {
    expect(renderTable1Markdown(BEFORE, AFTER)).toBe(
      [
        '| | Before subsampling | After subsampling |',
        '|---|---:|---:|',
        '| Users | 770,859 | 5,949 |',
        '| Offers | 1,002,161 | 25,184 |',
        '| Dyads (observations) | 10,378,780 | 819,226 |',
        '| Dyads per user, mean / median | 13.46 / 7 | 137.71 / 120 |',
        '| Users per offer, mean / median | 10.36 / 5 | 32.53 / 12.5 |',
        '| Displayed per user (mean) | 76.00 | 115.04 |',
        '| Clicked per user (mean) | 7.00 | 42.19 |',
        '| Bookmarked per user (mean) | 0.27 | 1.38 |',
        '| Replied per user (mean) | 0.42 | 3.40 |',
        '| Sparsity | 99.991% | 99.453% |',
        '',
      ].join('\n'),
    );
  });

  it('renders one column without a before table', () => {
    const md = renderTable1Markdown(null, AFTER);
    expect(md.split('\n')[0]).toBe('| | Dataset |');
    expect(md).toContain('| Users | 5,949 |');
  });
});

describe('format helpers', () => {
  it('are locale-free and never print -0', () => {
    expect(formatInteger(0)).toBe('0');
    expect(formatInteger(999)).toBe('999');
    expect(formatInteger(-1234567)).toBe('-1,234,567');
    expect(formatFixed(-0.0001, 3)).toBe('0.000');
    expect(formatFixed(NaN, 3)).toBe('n/a');
    expect(formatPercent(0.9999999)).toBe('> 99.999%');
    expect(formatPercent(1)).toBe('100.000%');
    expect(formatPValue(null)).toBe('n/a');
    expect(formatPValue(0)).toBe('< 1e-300');
    expect(formatPValue(0.0123)).toBe('0.012');
    expect(formatPValue(0.000032)).toBe('3.2e-5');
  });
});
