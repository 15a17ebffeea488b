// Issue 10 finding 1: ties must not decide a ranking metric. Every metric of evaluateTask is the expectation
// over all orders of tied scores, so it cannot depend on item ids or on the order of the input, and a
// constant scorer gets exactly the random scorer's expected value. The expectations here are computed
// independently, by brute force over permutations of tiny inputs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateTask, type TaskDyads } from '../../../src/core/evaluation/evaluate-task.js';

interface Dyad {
  user: number;
  item: number;
  label: number;
  score: number;
}

function toDyads(ds: Dyad[]): TaskDyads & { itemIds: Int32Array } {
  return {
    userIds: Int32Array.from(ds.map((d) => d.user)),
    itemIds: Int32Array.from(ds.map((d) => d.item)),
    labels: Uint8Array.from(ds.map((d) => d.label)),
    scores: Float64Array.from(ds.map((d) => d.score)),
  };
}

/** AP@k of one ranked list of labels, the authors' formula: (1/div) Σ_{j<=k} r_j · precision@j. */
function apOfList(labels: number[], k: number, normalised: boolean): number {
  const positives = labels.filter((l) => l !== 0).length;
  let hits = 0;
  let sum = 0;
  for (let j = 0; j < Math.min(k, labels.length); j++) {
    if (labels[j] === 0) continue;
    hits++;
    sum += hits / (j + 1);
  }
  if (!normalised) return sum / k;
  return positives === 0 ? 0 : sum / Math.min(k, positives);
}

/** Every permutation of a small array. */
function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

/** Every ranking of a user's dyads that sorts by score descending, ties in every possible order. */
function tieOrders(ds: Dyad[]): Dyad[][] {
  const scores = [...new Set(ds.map((d) => d.score))].sort((a, b) => b - a);
  let orders: Dyad[][] = [[]];
  for (const s of scores) {
    const group = ds.filter((d) => d.score === s);
    const next: Dyad[][] = [];
    for (const prefix of orders) for (const p of permutations(group)) next.push([...prefix, ...p]);
    orders = next;
  }
  return orders;
}

/** Mean over every tie order of AP@k, per user (users ascending), then the mean over users. */
function bruteMap(ds: Dyad[], k: number, normalised: boolean): number {
  const users = [...new Set(ds.map((d) => d.user))].sort((a, b) => a - b);
  let total = 0;
  for (const u of users) {
    const orders = tieOrders(ds.filter((d) => d.user === u));
    let sum = 0;
    for (const o of orders) sum += apOfList(o.map((d) => d.label), k, normalised);
    total += sum / orders.length;
  }
  return total / users.length;
}

/** Small dyad tables: one dyad per (user, item), at most 6 per user (6! orders), few distinct scores. */
const dyadsArb = fc
  .array(
    fc.record({
      user: fc.integer({ min: 0, max: 4 }),
      item: fc.integer({ min: 0, max: 30 }),
      label: fc.integer({ min: 0, max: 1 }),
      score: fc.integer({ min: -2, max: 2 }).map((s) => s / 2),
    }),
    { minLength: 1, maxLength: 24 },
  )
  .map((ds) => {
    const seen = new Set<string>();
    const perUser = new Map<number, number>();
    return ds.filter((d) => {
      const key = `${d.user}/${d.item}`;
      const count = perUser.get(d.user) ?? 0;
      if (seen.has(key) || count >= 6) return false;
      seen.add(key);
      perUser.set(d.user, count + 1);
      return true;
    });
  });

const evaluate = (ds: Dyad[]) => evaluateTask(toDyads(ds), { scoreKind: 'logit' });

describe('ranking metrics are tie-aware (property)', () => {
  it('are invariant under any relabelling of item ids and any permutation of the input', () => {
    fc.assert(
      fc.property(dyadsArb, fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 31, maxLength: 31 }), fc.integer(), (ds, newIds, seed) => {
        // A relabelling: item i → a distinct new id (reversed order where newIds happen to be sorted, any order otherwise).
        const distinct = [...new Set(newIds)];
        while (distinct.length < 31) distinct.push(2_000_000 + distinct.length);
        const relabelled = ds.map((d) => ({ ...d, item: distinct[d.item]! }));
        const shuffled = fc.sample(fc.shuffledSubarray(relabelled, { minLength: relabelled.length, maxLength: relabelled.length }), { seed, numRuns: 1 })[0]!;
        const a = evaluate(ds);
        const b = evaluate(shuffled);
        expect(b.metrics).toEqual(a.metrics);
        expect(b.perUser).toEqual(a.perUser);
      }),
      { numRuns: 300, seed: 101 },
    );
  });

  it('give a constant scorer exactly the random expectation (brute force over all orders)', () => {
    fc.assert(
      fc.property(dyadsArb, (ds) => {
        const constant = ds.map((d) => ({ ...d, score: 0.25 }));
        const e = evaluate(constant);
        expect(e.metrics.map1).toBeCloseTo(bruteMap(constant, 1, false), 14);
        expect(e.metrics.map5).toBeCloseTo(bruteMap(constant, 5, false), 14);
        expect(e.metrics.map5Norm).toBeCloseTo(bruteMap(constant, 5, true), 14);
        for (const v of e.perUser.auc.values) expect(v).toBe(0.5);
        if (e.metrics.aucPooled !== null) expect(e.metrics.aucPooled).toBe(0.5);
      }),
      { numRuns: 200, seed: 102 },
    );
  });

  it('equal the mean over every order of the tied scores', () => {
    fc.assert(
      fc.property(dyadsArb, (ds) => {
        const e = evaluate(ds);
        expect(e.metrics.map1).toBeCloseTo(bruteMap(ds, 1, false), 14);
        expect(e.metrics.map5).toBeCloseTo(bruteMap(ds, 5, false), 14);
        expect(e.metrics.map5Norm).toBeCloseTo(bruteMap(ds, 5, true), 14);
      }),
      { numRuns: 300, seed: 103 },
    );
  });

  it('do not let item ids decide MAP@1 of a constant scorer (the issue\'s 0.548 vs 0.110)', () => {
    // One user, 4 dyads, one positive; a constant scorer. Ascending or descending ids must not matter: 1/4.
    const ds: Dyad[] = [
      { user: 1, item: 1, label: 1, score: 0 },
      { user: 1, item: 2, label: 0, score: 0 },
      { user: 1, item: 3, label: 0, score: 0 },
      { user: 1, item: 4, label: 0, score: 0 },
    ];
    const reversed = ds.map((d) => ({ ...d, item: 5 - d.item }));
    expect(evaluate(ds).metrics.map1).toBe(0.25);
    expect(evaluate(reversed).metrics.map1).toBe(0.25);
  });
});
