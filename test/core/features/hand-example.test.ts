// A hand-computed example of method.md §2–3: seven users, four items, the dyad (user 1, item 20), K = 3,
// every combination of similarity × neighbourhood × leave-one-out × spread.
import { describe, it, expect } from 'vitest';
import { computeFeatures } from '../../../src/core/features/wtl.js';
import { ImplicitState } from '../../../src/core/matrix/implicit-state.js';
import { NeighbourSelector, type NeighbourOptions } from '../../../src/core/neighbours/selector.js';

// Events (type 1 click, 2 bookmark, 3 reply; impressions shown as "imp"). Repeats count once.
//   user 1: item 10 click, click (repeat) · item 20 click + bookmark · item 30 imp
//   user 2: item 10 click · item 20 click + bookmark + reply + click (repeat) · item 30 bookmark · item 40 imp
//   user 3: item 10 click + reply · item 30 click · item 40 click
//   user 4: item 20 click · item 30 bookmark + reply
//   user 5: item 10 bookmark · item 20 imp · item 40 reply
//   user 6: item 10 click · item 20 bookmark · item 40 click
//   user 7: item 10 click · item 20 click · item 30 click + bookmark + reply
//
// IM = 1·click + 2·bookmark + 3·reply over distinct types; "." = no entry, 0 = impression only:
//            10  20  30  40   entries n   weighted ‖·‖²        binary ‖·‖²
//   user 1    1   3   0   .      3        1+9 = 10              2
//   user 2    1   6   2   0      4        1+36+4 = 41           3
//   user 3    4   .   1   1      3        16+1+1 = 18           3
//   user 4    .   1   5   .      2        1+25 = 26             2
//   user 5    2   0   .   3      3        4+9 = 13              2
//   user 6    1   2   .   1      3        1+4+1 = 6             3
//   user 7    1   1   6   .      3        1+1+36 = 38           3
//
// Dot products with user 1 (weighted; binary in brackets), item 30 contributes 0 (user 1's value is 0):
//   u2: 1·1 + 3·6 = 19 [2]   u3: 1·4 = 4 [1]   u4: 3·1 = 3 [1]   u5: 1·2 + 3·0 = 2 [1]
//   u6: 1·1 + 3·2 = 7 [2]    u7: 1·1 + 3·1 = 4 [2]
//
// Target dyad (1, 20): a = IM(1,20) = 3 (binary 1). Users with an entry for item 20: 2, 4, 5, 6, 7.
// sim² = num² / (du·dv). Without leave-one-out du = 10 (binary 2):
//   weighted: u2 361/410 ≈ .880, u6 49/60 ≈ .817, u3 16/180 ≈ .089, u7 16/380 ≈ .042, u4 9/260 ≈ .035, u5 4/130 ≈ .031
//   binary:   u2 = u6 = u7 = 4/6, u4 = u5 = 1/4, u3 = 1/6   (ties go to the smaller user id)
// Leave-one-out (column 20 removed): num = dot − a·b, du = 10 − 9 = 1 (binary 2 − 1 = 1), dv = ‖v‖² − b²:
//   weighted: u2 (19−18)²/(41−36) = 1/5, u3 16/18 (no entry, b = 0), u4 (3−3) = 0 → not a neighbour,
//             u5 4/13 (b = 0), u6 (7−6)²/(6−4) = 1/2, u7 (4−3)²/(38−1) = 1/37
//   binary:   u2 (2−1)²/(3−1) = 1/2, u3 1/3, u4 0 → out, u5 1/2 (b = 0), u6 1/2, u7 1/2
//
// Neighbours (K = 3, best first):
//   weighted item  no-LOO: 2, 6, 7        (4 and 5 cut by K)
//   weighted item  LOO:    6, 5, 2        (7 cut by K; 4 has similarity 0)
//   weighted global no-LOO: 2, 6, 3       (3 has no entry for 20)
//   weighted global LOO:   3, 6, 5
//   binary item    no-LOO: 2, 6, 7        (a three-way tie kept whole; 4, 5 cut)
//   binary item    LOO:    2, 5, 6        (a four-way tie at 1/2 cut by id: 7 out)
//   binary global  no-LOO: 2, 6, 7
//   binary global  LOO:    2, 5, 6        (3 at 1/3 is below the tie)
//
// Win/tie/loss of each neighbour v for item 20 (s = IM(v,20), over v's n entries, divided by n − 1):
//   u2: s 6 in {1,6,2,0}: win 3/3 = 1, loss 0, tie 0
//   u4: s 1 in {1,5}: win 0, loss 1/1 = 1, tie 0
//   u5: s 0 in {2,0,3}: win 0, loss 2/2 = 1, tie 0
//   u6: s 2 in {1,2,1}: win 2/2 = 1, loss 0, tie 0
//   u7: s 1 in {1,1,6}: win 0, loss 1/2, tie (2−1)/2 = 1/2
//   u3: no entry for 20 → (0, 0, 0)
//
// Statistics (mean, std | var, max, min, #non-zero/K with K = 3):
//   [1,1,0]:   mean 2/3, var ((1/3)²·2 + (2/3)²)/3 = 2/9, std √2/3, max 1, min 0, nz 2/3
//   [0,0,½]:   mean 1/6, var ((1/6)²·2 + (1/3)²)/3 = 1/18, std √2/6, max ½, min 0, nz 1/3
//   [1,0,1]:   as [1,1,0];   [0,1,0]: mean 1/3, var 2/9, std √2/3, max 1, min 0, nz 1/3
//   [0,0,0]:   all 0
// Case A (neighbours 2, 6, 7): WIN [1,1,0], LOSS [0,0,½], TIE [0,0,½]
// Case B (6, 5, 2 or 2, 5, 6): WIN [1,0,1], LOSS [0,1,0], TIE [0,0,0]
// Case C (2, 6, 3):            WIN [1,1,0], LOSS [0,0,0], TIE [0,0,0]
// Case D (3, 6, 5):            WIN [0,1,0], LOSS [0,0,1], TIE [0,0,0]

function handState(): ImplicitState {
  const s = ImplicitState.empty();
  const t = 1440000000;
  const click = (u: number, o: number): void => s.applyInteraction(u, o, 1, t);
  const book = (u: number, o: number): void => s.applyInteraction(u, o, 2, t);
  const reply = (u: number, o: number): void => s.applyInteraction(u, o, 3, t);
  const imp = (u: number, o: number): void => s.applyImpression(u, o, t);
  click(1, 10); click(1, 10); click(1, 20); book(1, 20); imp(1, 30);
  click(2, 10); click(2, 20); book(2, 20); reply(2, 20); click(2, 20); book(2, 30); imp(2, 40);
  click(3, 10); reply(3, 10); click(3, 30); click(3, 40);
  click(4, 20); book(4, 30); reply(4, 30);
  book(5, 10); imp(5, 20); reply(5, 40);
  click(6, 10); book(6, 20); click(6, 40);
  click(7, 10); click(7, 20); click(7, 30); book(7, 30); reply(7, 30);
  return s;
}

const third = 1 / 3;
const v29 = 2 / 9;
const v118 = 1 / 18;
type Five = [number, number, number, number, number];
// [mean, var, max, min, nz]; std = √var is checked for the 'std' spread.
const ONE_ONE_ZERO: Five = [2 * third, v29, 1, 0, 2 * third];
const ZERO_ZERO_HALF: Five = [1 / 6, v118, 0.5, 0, third];
const ZERO_ONE_ZERO: Five = [third, v29, 1, 0, third];
const ZEROS: Five = [0, 0, 0, 0, 0];
const CASES = {
  A: [ONE_ONE_ZERO, ZERO_ZERO_HALF, ZERO_ZERO_HALF],
  B: [ONE_ONE_ZERO, ZERO_ONE_ZERO, ZEROS],
  C: [ONE_ONE_ZERO, ZEROS, ZEROS],
  D: [ZERO_ONE_ZERO, ZERO_ONE_ZERO, ZEROS],
} as const;

const EXPECTED: { similarity: 'weighted' | 'binary'; neighbourhood: 'item' | 'global'; leaveOneOut: boolean; nbrs: number[]; ims: number[]; case: keyof typeof CASES }[] = [
  { similarity: 'weighted', neighbourhood: 'item', leaveOneOut: false, nbrs: [2, 6, 7], ims: [6, 2, 1], case: 'A' },
  { similarity: 'weighted', neighbourhood: 'item', leaveOneOut: true, nbrs: [6, 5, 2], ims: [2, 0, 6], case: 'B' },
  { similarity: 'weighted', neighbourhood: 'global', leaveOneOut: false, nbrs: [2, 6, 3], ims: [6, 2, -1], case: 'C' },
  { similarity: 'weighted', neighbourhood: 'global', leaveOneOut: true, nbrs: [3, 6, 5], ims: [-1, 2, 0], case: 'D' },
  { similarity: 'binary', neighbourhood: 'item', leaveOneOut: false, nbrs: [2, 6, 7], ims: [6, 2, 1], case: 'A' },
  { similarity: 'binary', neighbourhood: 'item', leaveOneOut: true, nbrs: [2, 5, 6], ims: [6, 0, 2], case: 'B' },
  { similarity: 'binary', neighbourhood: 'global', leaveOneOut: false, nbrs: [2, 6, 7], ims: [6, 2, 1], case: 'A' },
  { similarity: 'binary', neighbourhood: 'global', leaveOneOut: true, nbrs: [2, 5, 6], ims: [6, 0, 2], case: 'B' },
];

describe('hand-computed example, dyad (user 1, item 20), K = 3', () => {
  const state = handState();
  const u1 = state.users.indexOf(1);
  const o20 = state.items.indexOf(20);

  it('has the IM matrix, norms and dot products worked out above', () => {
    expect([10, 20, 30, 40].map((o) => state.imOf(1, o))).toEqual([1, 3, 0, -1]);
    expect([10, 20, 30, 40].map((o) => state.imOf(2, o))).toEqual([1, 6, 2, 0]);
    expect([10, 20, 30, 40].map((o) => state.imOf(5, o))).toEqual([2, 0, -1, 3]);
    expect([1, 2, 3, 4, 5, 6, 7].map((u) => state.userNormW[state.users.indexOf(u)])).toEqual([10, 41, 18, 26, 13, 6, 38]);
    expect([1, 2, 3, 4, 5, 6, 7].map((u) => state.userNormB[state.users.indexOf(u)])).toEqual([2, 3, 3, 2, 2, 3, 3]);
    const dotW = (v: number): number => state.pairDotW[state.pairOf(u1, state.users.indexOf(v))]!;
    const dotB = (v: number): number => state.pairDotB[state.pairOf(u1, state.users.indexOf(v))]!;
    expect([2, 3, 4, 5, 6, 7].map(dotW)).toEqual([19, 4, 3, 2, 7, 4]);
    expect([2, 3, 4, 5, 6, 7].map(dotB)).toEqual([2, 1, 1, 1, 2, 2]);
    // User 2's histogram: values {1, 6, 2, 0}.
    const h2 = state.users.indexOf(2) * 7;
    expect([...state.userHist.subarray(h2, h2 + 7)]).toEqual([1, 1, 1, 0, 0, 0, 1]);
  });

  for (const ex of EXPECTED) {
    for (const spread of ['std', 'var'] as const) {
      const name = `${ex.similarity} × ${ex.neighbourhood} × ${ex.leaveOneOut ? 'leave-one-out' : 'full rows'} × ${spread}`;
      it(`${name}: neighbours ${ex.nbrs.join(', ')} and the 15 statistics of case ${ex.case}`, () => {
        const opts: NeighbourOptions = { k: 3, similarity: ex.similarity, neighbourhood: ex.neighbourhood, leaveOneOut: ex.leaveOneOut };
        const sel = new NeighbourSelector(state, opts);
        const m = sel.select(u1, o20);
        expect([...sel.nbrUserIx.subarray(0, m)].map((v) => state.users.idAt(v))).toEqual(ex.nbrs);
        expect([...sel.nbrIm.subarray(0, m)]).toEqual(ex.ims);

        const out = new Float64Array(15);
        const counts = computeFeatures(state, Int32Array.of(u1), Int32Array.of(o20), { ...opts, spread }, out);
        expect(counts).toEqual({ fewerThanK: 0, noNeighbours: 0 });
        const expected = CASES[ex.case].flatMap(([mean, variance, max, min, nz]) => [mean, spread === 'std' ? Math.sqrt(variance) : variance, max, min, nz]);
        expect(out.length).toBe(expected.length);
        for (let j = 0; j < 15; j++) expect(out[j]).toBeCloseTo(expected[j]!, 14);
      });
    }
  }

  it('K = 1 keeps only the best; a larger K than the candidates leaves fewer than K', () => {
    const out = new Float64Array(15);
    const base = { similarity: 'weighted', neighbourhood: 'item', leaveOneOut: true, spread: 'var' } as const;
    // K = 1: neighbour 6 alone (WIN [1], LOSS [0], TIE [0]); nz divides by K = 1.
    expect(computeFeatures(state, Int32Array.of(u1), Int32Array.of(o20), { ...base, k: 1 }, out)).toEqual({ fewerThanK: 0, noNeighbours: 0 });
    expect([...out]).toEqual([1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // K = 10: neighbours 6, 5, 2, 7 (4 has similarity 0): WIN [1,0,1,0], LOSS [0,1,0,½], TIE [0,0,0,½].
    const counts = computeFeatures(state, Int32Array.of(u1), Int32Array.of(o20), { ...base, k: 10 }, out);
    expect(counts).toEqual({ fewerThanK: 1, noNeighbours: 0 });
    // WIN: mean ½, var ¼, max 1, min 0, nz 2/10. LOSS: mean 3/8, var (9+25+9+1)/64/4 = 11/64, nz 2/10.
    // TIE: mean 1/8, var (1+1+1+9)/64/4 = 3/64, max ½, nz 1/10.
    const expected = [0.5, 0.25, 1, 0, 0.2, 3 / 8, 11 / 64, 1, 0, 0.2, 1 / 8, 3 / 64, 0.5, 0, 0.1];
    for (let j = 0; j < 15; j++) expect(out[j]).toBeCloseTo(expected[j]!, 14);
  });

  it('a user with no co-occurring user, or an unknown user or item, gets no neighbours and zeros', () => {
    const out = new Float64Array(45).fill(7);
    const opts = { k: 3, similarity: 'weighted', neighbourhood: 'item', leaveOneOut: true, spread: 'std' } as const;
    const counts = computeFeatures(state, Int32Array.of(-1, u1, u1), Int32Array.of(o20, -1, state.items.indexOf(40)), opts, out);
    // (1, 40): user 1 has no entry for 40; users 2, 3, 5, 6 do. LOO with a = 0 leaves num = dot, dv = ‖v‖² − b²:
    // u2 19²/(41−0) ≈ 8.80, u6 7²/(6−1) = 9.8, u3 4²/(18−1) ≈ .94, u5 2²/(13−9) = 1 → 6, 2, 5.
    expect(counts.noNeighbours).toBe(2);
    expect(counts.fewerThanK).toBe(2);
    expect([...out.subarray(0, 30)]).toEqual(new Array(30).fill(0));
    // (1, 40) neighbours 6 (s 1 in {1,2,1}: win 0, loss ½, tie ½), 2 (s 0 in {1,6,2,0}: loss 1), 5 (s 3 in {2,0,3}: win 1).
    expect(out[30]).toBeCloseTo(1 / 3, 14); // win mean
    expect(out[35]).toBeCloseTo(0.5, 14); // loss mean
    expect(out[40]).toBeCloseTo(1 / 6, 14); // tie mean
  });
});
