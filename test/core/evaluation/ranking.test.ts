import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PooledPairCountsJob, meanOfValues, perUserRanking, pooledAuc, pooledPairCounts } from '../../../src/core/evaluation/ranking.js';
import { Rng } from '../../../src/core/random/rng.js';

interface Dyad {
  user: number;
  item: number;
  label: number;
  score: number;
}

function arrays(dyads: Dyad[]) {
  return {
    userIds: Int32Array.from(dyads.map((d) => d.user)),
    itemIds: Int32Array.from(dyads.map((d) => d.item)),
    labels: Uint8Array.from(dyads.map((d) => d.label)),
    scores: Float64Array.from(dyads.map((d) => d.score)),
  };
}

/** O(n²) pair count: (correctly ordered + ½ tied) / (P·N); null without both classes. */
function bruteAuc(dyads: Dyad[]): number | null {
  let correct2 = 0;
  let pairs = 0;
  for (const p of dyads) {
    if (p.label === 0) continue;
    for (const q of dyads) {
      if (q.label !== 0) continue;
      pairs++;
      if (p.score > q.score) correct2 += 2;
      else if (p.score === q.score) correct2 += 1;
    }
  }
  return pairs === 0 ? null : correct2 / 2 / pairs;
}

/**
 * AP@k exactly as the old code computed it: rank by score desc, ties by item id asc, then
 * (1/div) Σ_{j<=k} r_j · precision@j. Without ties the ranking is unique and the tie-aware value must equal it.
 */
function oldAp(dyads: Dyad[], k: number, normalised: boolean): number {
  const ranked = [...dyads].sort((a, b) => b.score - a.score || a.item - b.item);
  const positives = ranked.filter((d) => d.label !== 0).length;
  let sum = 0;
  for (let j = 0; j < Math.min(k, ranked.length); j++) {
    if (ranked[j]!.label === 0) continue;
    let hits = 0;
    for (let l = 0; l <= j; l++) hits += ranked[l]!.label !== 0 ? 1 : 0;
    sum += hits / (j + 1);
  }
  if (!normalised) return sum / k;
  return positives === 0 ? 0 : sum / Math.min(k, positives);
}

function byUser(dyads: Dyad[]): Map<number, Dyad[]> {
  const m = new Map<number, Dyad[]>();
  for (const d of dyads) {
    const list = m.get(d.user) ?? [];
    list.push(d);
    m.set(d.user, list);
  }
  return new Map([...m.entries()].sort((a, b) => a[0] - b[0]));
}

// A tiny literal example, in shuffled input order; worked by hand:
// user 1: items 10..13, scores 0.9 0.8 0.8 0.1, labels 0 1 0 1. Pairs (pos, neg): (11,10) wrong, (11,12) tie ½,
//   (13,10) wrong, (13,12) wrong → AUC = 0.5/4 = 0.125. Ranked: 10, then 11 and 12 tied, then 13: the two orders
//   r = 0 1 0 1 (1/2 + 2/4 = 1) and r = 0 0 1 1 (1/3 + 2/4 = 5/6) average to 11/12, so AP@1 = 0,
//   AP@5 = (11/12)/5 = 11/60, normalised (÷ min(5, 2)) = 11/24.
// user 2: items 5 (0.3, pos) and 6 (0.7, pos): no negative, no AUC; AP@1 = 1, AP@5 = (1 + 1)/5 = 0.4, norm 1.
// user 3: item 7 (0.5, neg): AP = 0 everywhere.
// Pooled over the 4 positives × 3 negatives (0.9, 0.8, 0.5): 0.8 → 0 + ½ + 1; 0.1 → 0; 0.3 → 0; 0.7 → 1: 2.5/12.
const LITERAL: Dyad[] = [
  { user: 2, item: 6, label: 1, score: 0.7 },
  { user: 1, item: 13, label: 1, score: 0.1 },
  { user: 3, item: 7, label: 0, score: 0.5 },
  { user: 1, item: 12, label: 0, score: 0.8 },
  { user: 1, item: 10, label: 0, score: 0.9 },
  { user: 2, item: 5, label: 1, score: 0.3 },
  { user: 1, item: 11, label: 1, score: 0.8 },
];

describe('perUserRanking on a literal example', () => {
  it('gives the hand-computed values', () => {
    const a = arrays(LITERAL);
    const r = perUserRanking(a.userIds, a.labels, a.scores);
    expect([...r.auc.userIds]).toEqual([1]);
    expect([...r.auc.values]).toEqual([0.125]);
    expect([...r.ap1.userIds]).toEqual([1, 2, 3]);
    expect([...r.ap1.values]).toEqual([0, 1, 0]);
    expect(r.ap5.values[0]).toBeCloseTo(11 / 60, 15);
    expect(r.ap5Norm.values[0]).toBeCloseTo(11 / 24, 15);
    expect([...r.ap5.values.slice(1)]).toEqual([0.4, 0]);
    expect([...r.ap5Norm.values.slice(1)]).toEqual([1, 0]);
    expect(r.usersWithPositive).toBe(2);
    expect(meanOfValues(r.ap1.values)).toBeCloseTo(1 / 3, 15);
    expect(pooledAuc(a.labels, a.scores)).toBeCloseTo(2.5 / 12, 15);
  });

  it('takes no item ids: relabelling the tied items cannot change AP (the old code ordered ties by item id)', () => {
    const swapped = LITERAL.map((d) => (d.user === 1 && d.item === 11 ? { ...d, item: 14 } : d));
    const a = arrays(LITERAL);
    const b = arrays(swapped);
    // The old code ranked 12 (neg) before 14 (pos) here, r = 0 0 1 1, AP@5 = (1/3 + 2/4)/5, against 0.2 before.
    expect(perUserRanking(b.userIds, b.labels, b.scores)).toEqual(perUserRanking(a.userIds, a.labels, a.scores));
    expect(oldAp(swapped.filter((d) => d.user === 1), 5, false)).not.toBe(oldAp(LITERAL.filter((d) => d.user === 1), 5, false));
  });

  it('expects a tie group ranked below other dyads: one positive among 3 tied after a top positive', () => {
    // Ranks: 1 positive (score 2); 2..4 tied (score 1), one of them positive. E[r_j·hits_j] at ranks 2, 3, 4 is
    // (1/3)·(1 + 1) each: AP@5 sum = 1 + (2/3)(1/2 + 1/3 + 1/4) = 1 + 13/18; AP@1 = 1.
    const a = arrays([
      { user: 9, item: 1, label: 1, score: 2 },
      { user: 9, item: 2, label: 0, score: 1 },
      { user: 9, item: 3, label: 1, score: 1 },
      { user: 9, item: 4, label: 0, score: 1 },
    ]);
    const r = perUserRanking(a.userIds, a.labels, a.scores);
    expect(r.ap1.values[0]).toBe(1);
    expect(r.ap5.values[0]).toBeCloseTo((1 + 13 / 18) / 5, 15);
    expect(r.ap5Norm.values[0]).toBeCloseTo((1 + 13 / 18) / 2, 15);
  });

  it('is null or empty where nothing qualifies, and rejects NaN scores', () => {
    const empty = perUserRanking(new Int32Array(0), new Uint8Array(0), new Float64Array(0));
    expect(empty.ap1.userIds.length).toBe(0);
    expect(meanOfValues(empty.auc.values)).toBeNull();
    expect(pooledAuc(Uint8Array.from([1, 1]), Float64Array.from([0.1, 0.2]))).toBeNull();
    expect(() => perUserRanking(Int32Array.from([1]), Uint8Array.from([1]), Float64Array.from([NaN]))).toThrow(/NaN/);
  });
});

const dyadsArb = fc
  .array(
    fc.record({
      user: fc.integer({ min: 0, max: 6 }),
      item: fc.integer({ min: 0, max: 40 }),
      label: fc.integer({ min: 0, max: 1 }),
      // few distinct scores, so ties are frequent
      score: fc.integer({ min: -4, max: 4 }).map((s) => s / 4),
    }),
    { maxLength: 60 },
  )
  // one dyad per (user, item), as in a dyad table
  .map((ds) => {
    const seen = new Set<string>();
    return ds.filter((d) => {
      const key = `${d.user}/${d.item}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });

describe('perUserRanking agrees with brute force (property, ties included)', () => {
  it('per-user AUC and pooled AUC', () => {
    fc.assert(
      fc.property(dyadsArb, (dyads) => {
        const a = arrays(dyads);
        const r = perUserRanking(a.userIds, a.labels, a.scores);
        const users = byUser(dyads);
        const aucUsers = [...users.entries()].filter(([, ds]) => bruteAuc(ds) !== null);
        expect([...r.auc.userIds]).toEqual(aucUsers.map(([u]) => u));
        expect([...r.auc.values]).toEqual(aucUsers.map(([, ds]) => bruteAuc(ds)));
        expect([...r.ap1.userIds]).toEqual([...users.keys()]);
        const list = [...users.values()];
        // AP with ties: test/property/evaluation/ties.property.test.ts (brute force over every tie order).
        expect(list.length).toBe(r.ap1.values.length);
        expect(pooledAuc(a.labels, a.scores)).toEqual(bruteAuc(dyads));
      }),
      { numRuns: 300, seed: 20261127 },
    );
  });

  it('equals the old code bit for bit when no score ties (distinct scores per user)', () => {
    fc.assert(
      fc.property(dyadsArb, fc.integer(), (dyads, seed) => {
        const rng = Rng.fromSeed(seed);
        const distinct = dyads.map((d) => ({ ...d, score: d.score + rng.nextFloat() * 1e-3 }));
        const a = arrays(distinct);
        const r = perUserRanking(a.userIds, a.labels, a.scores);
        [...byUser(distinct).values()].forEach((ds, i) => {
          expect(r.ap1.values[i]).toBe(oldAp(ds, 1, false));
          expect(r.ap5.values[i]).toBe(oldAp(ds, 5, false));
          expect(r.ap5Norm.values[i]).toBe(oldAp(ds, 5, true));
        });
      }),
      { numRuns: 300, seed: 20261128 },
    );
  });

  it('does not depend on the input order', () => {
    fc.assert(
      fc.property(dyadsArb, fc.integer(), (dyads, seed) => {
        const rng = Rng.fromSeed(seed);
        const shuffled = [...dyads];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = rng.nextInt(i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = arrays(dyads);
        const b = arrays(shuffled);
        const ra = perUserRanking(a.userIds, a.labels, a.scores);
        const rb = perUserRanking(b.userIds, b.labels, b.scores);
        expect(rb).toEqual(ra);
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it('accepts Float32 scores', () => {
    const a = arrays(LITERAL);
    const r = perUserRanking(a.userIds, a.labels, Float32Array.from(a.scores));
    expect([...r.auc.values]).toEqual([0.125]);
  });
});

describe('a scorer at random', () => {
  it('gives per-user AUC ≈ 0.5 and MAP@1 ≈ the positive rate on a large random set', () => {
    // 3000 users × 80 dyads, labels Bernoulli(0.3), scores uniform and independent of labels. Per-user AUC has
    // sd ≈ sqrt((P+N+1)/(12·P·N)) ≈ 0.05, so the mean over ~3000 users has sd ≈ 0.001: ±0.01 is 10 sd.
    const rng = Rng.fromSeed(12345);
    const users = 3000;
    const perUser = 80;
    const n = users * perUser;
    const userIds = new Int32Array(n);
    const itemIds = new Int32Array(n);
    const labels = new Uint8Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      userIds[i] = Math.floor(i / perUser);
      itemIds[i] = i % perUser;
      labels[i] = rng.nextFloat() < 0.3 ? 1 : 0;
      scores[i] = rng.nextFloat();
    }
    const r = perUserRanking(userIds, labels, scores);
    expect(r.auc.userIds.length).toBe(users);
    expect(Math.abs(meanOfValues(r.auc.values)! - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(pooledAuc(labels, scores)! - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(meanOfValues(r.ap1.values)! - 0.3)).toBeLessThan(0.03);
  });
});

describe('PooledPairCountsJob', () => {
  it('equals pooledPairCounts for any chunk size and budgets, ties and one-class inputs included (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: -3, max: 3 })), { maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 10 }),
        (rows, chunk, budgets) => {
          const labels = Uint8Array.from(rows.map(([l]) => l));
          const scores = Float64Array.from(rows.map(([, s]) => s / 2));
          const job = new PooledPairCountsJob(labels, scores, chunk);
          let k = 0;
          while (!job.run(budgets[k++ % budgets.length]!));
          expect(job.result()).toEqual(pooledPairCounts(labels, scores));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a literal example: positives 0.9, 0.5; negatives 0.5, 0.1 in chunks of 1', () => {
    const job = new PooledPairCountsJob(Uint8Array.from([1, 0, 1, 0]), Float64Array.from([0.9, 0.5, 0.5, 0.1]), 1);
    while (!job.run(1));
    // (0.9 > 0.5, 0.9 > 0.1, 0.5 = 0.5 → ½, 0.5 > 0.1): 3.5 of 4 pairs, doubled 7.
    expect(job.result()).toEqual({ pairs: 4, correctDoubled: 7 });
  });
});
