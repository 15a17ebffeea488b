import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SUBSAMPLE, subsample } from '../../../src/core/dataset/subsample.js';
import { computeTable1, type Table1 } from '../../../src/core/stats/table1.js';
import { synthDataset } from './synth-dataset.js';

// The paper's Table 1, DAEMON column, and the tolerances of issue 2 ("Must show").
const within = (value: number, target: number, tolerance: number): boolean => Math.abs(value / target - 1) <= tolerance;

describe('daemon preset after 30/30 subsampling', () => {
  let after: Table1;
  beforeAll(() => {
    const { dataset } = synthDataset('daemon', 1);
    after = computeTable1(subsample(dataset, DEFAULT_SUBSAMPLE));
  });

  it('matches the paper Table 1 counts', () => {
    expect(after.users, `users ${after.users}`).toSatisfy((v: number) => within(v, 5949, 0.05));
    expect(after.offers, `offers ${after.offers}`).toSatisfy((v: number) => within(v, 25184, 0.1));
    expect(after.dyads, `dyads ${after.dyads}`).toSatisfy((v: number) => within(v, 819226, 0.1));
  });

  it('matches the paper per-user averages', () => {
    const u = after.perUser;
    expect(u.displayed, `displayed ${u.displayed}`).toSatisfy((v: number) => within(v, 115, 0.15));
    expect(u.clicked, `clicked ${u.clicked}`).toSatisfy((v: number) => within(v, 42.2, 0.15));
    expect(u.bookmarked, `bookmarked ${u.bookmarked}`).toSatisfy((v: number) => within(v, 1.38, 0.25));
    expect(u.replied, `replied ${u.replied}`).toSatisfy((v: number) => within(v, 3.4, 0.25));
    // Dyads per user exceed the displayed items: some interacted items were not shown (paper: 137.71 vs 115.04).
    expect(u.interactionsMean).toBeGreaterThan(u.displayed);
  });
});
