import { describe, it, expect } from 'vitest';
import { erfc, normalCdf, normalSf, sigmoid, softplus } from '../../../src/core/evaluation/special.js';

// Reference values from scipy.special.erfc (scipy 1.17.1), printed with repr().
const ERFC_REFERENCE: ReadonlyArray<readonly [number, number]> = [
  [-5, 1.9999999999984626],
  [-2.5, 1.999593047982555],
  [-1, 1.8427007929497148],
  [-0.3, 1.3286267594591274],
  [0, 1.0],
  [1e-10, 0.999999999887162],
  [0.1, 0.8875370839817152],
  [0.46875, 0.507386526782062],
  [0.5, 0.4795001221869535],
  [1, 0.15729920705028516],
  [1.5, 0.03389485352468927],
  [2, 0.004677734981047266],
  [3, 2.2090496998585445e-5],
  [3.9, 3.479224859723178e-8],
  [4, 1.541725790028002e-8],
  [4.5, 1.9661604415428878e-10],
  [6, 2.1519736712498913e-17],
  [10, 2.0884875837625446e-45],
  [20, 5.395865611607901e-176],
  [26.5, 2.2109076642637343e-307],
  [27, 0],
];

describe('erfc (Cody 1969)', () => {
  it('matches scipy.special.erfc to 1e-14 relative error', () => {
    for (const [x, ref] of ERFC_REFERENCE) {
      const got = erfc(x);
      if (ref === 0) expect(got).toBe(0);
      else expect(Math.abs(got - ref) / ref).toBeLessThan(1e-14);
    }
  });

  it('is NaN for NaN', () => {
    expect(erfc(NaN)).toBeNaN();
  });
});

describe('normal tails', () => {
  it('gives the familiar quantiles', () => {
    // scipy.stats.norm.sf(1.959963984540054) = 0.025; norm.sf(2.5758293035489004) = 0.005
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 15);
    expect(normalSf(2.5758293035489004)).toBeCloseTo(0.005, 15);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-1.959963984540054)).toBeCloseTo(0.025, 15);
  });
});

describe('sigmoid and softplus', () => {
  it('are finite and symmetric at extreme arguments', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1, 15);
    expect(softplus(800)).toBe(800);
    expect(softplus(-800)).toBe(0);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 15);
  });
});
