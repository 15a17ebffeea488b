// The count baselines of Fig. 2 on a literal table: popularity and the smoothed item rate from training dyads only.
import { describe, expect, it } from 'vitest';
import { baselineScores, itemCounts, ITEM_RATE_PRIOR_DYADS } from '../../../src/core/experiment/baselines.js';
import { literalTable } from '../model/helpers.js';

// Item 7: 4 training dyads, 3 clicks, 1 bookmark. Item 8: 1 training dyad, a click with a reply. Item 9: only in test.
const t = literalTable([
  { user: 1, item: 7, click: 1, bookmark: 1 },
  { user: 1, item: 8, click: 1, reply: 1 },
  { user: 1, item: 9, click: 1, split: 'test' },
  { user: 2, item: 7, click: 1 },
  { user: 3, item: 7, click: 1 },
  { user: 4, item: 7, click: 0 },
  { user: 4, item: 8, click: 0, split: 'test' },
]);
const train = Uint8Array.from(t.split, (s) => (s === 0 ? 1 : 0));
const rows = Int32Array.from([0, 1, 2]); // items 7, 8, 9

describe('count baselines', () => {
  const counts = itemCounts(t, train);

  it('counts training dyads and labels per item, and nothing from test dyads', () => {
    expect(counts.totals).toEqual({ dyads: 5, click: 4, bookmark: 1, reply: 1 });
    expect(counts.slotOf.has(9)).toBe(false);
  });

  it('popularity: the training count of the task label (clicks for the click and embedding rows)', () => {
    expect([...baselineScores('popularity', 'click', counts, t, rows)]).toEqual([3, 1, 0]);
    expect([...baselineScores('popularity', 'embedding', counts, t, rows)]).toEqual([3, 1, 0]);
    expect([...baselineScores('popularity', 'bookmark', counts, t, rows)]).toEqual([1, 0, 0]);
    expect([...baselineScores('popularity', 'reply', counts, t, rows)]).toEqual([0, 1, 0]);
  });

  it('item rate: (k + m·p)/(n + m), m = 10, p the training base rate; an unseen item scores p', () => {
    const m = ITEM_RATE_PRIOR_DYADS;
    expect(m).toBe(10);
    const p = 4 / 5;
    expect([...baselineScores('itemRate', 'click', counts, t, rows)]).toEqual([(3 + m * p) / (4 + m), (1 + m * p) / (1 + m), p]);
    const pb = 1 / 5;
    expect([...baselineScores('itemRate', 'bookmark', counts, t, rows)]).toEqual([(1 + m * pb) / (4 + m), (0 + m * pb) / (1 + m), pb]);
  });

  it('random: one constant for every dyad', () => {
    expect([...baselineScores('random', 'reply', counts, t, rows)]).toEqual([1, 1, 1]);
  });
});
