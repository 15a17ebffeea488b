// Special functions the significance tests need: erfc and the normal tail.
//
// erfc follows W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
// (1969) 631-637, with the coefficients of his three ranges (|x| <= 0.46875, <= 4, > 4) as published in
// that paper and in his later SPECFUN package (ACM TOMS 19, 1993). Relative error is near double
// precision across the range; the tests compare against scipy.special.erfc.

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_PI = 0.5641895835477563;
/** Beyond this, erfc(x) underflows to 0 in double precision (Cody's XBIG). */
const ERFC_XBIG = 26.543;

// Range 1: erf(x) = x · A(x²)/B(x²) for |x| <= 0.46875.
const A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315] as const;
const B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171] as const;
// Range 2: erfc(x) = exp(-x²) · C(x)/D(x) for 0.46875 < x <= 4.
const C = [
  0.5641884969886701, 8.883149794388375, 66.11919063714163, 298.6351381974001, 881.952221241769,
  1712.0476126340707, 2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8,
] as const;
const D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495,
] as const;
// Range 3: erfc(x) = exp(-x²)/x · (1/sqrt(pi) + P(1/x²)/(x² Q(1/x²))) for x > 4.
const P = [
  0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298367,
  0.016315387137302097,
] as const;
const Q = [2.5685201922898684, 1.8729528499234604, 0.5279051029514289, 0.06051834131244132, 0.0023352049762686918] as const;

/** exp(-y²) computed as Cody does, splitting y to keep the relative error of the product small. */
function expMinusSquare(y: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del);
}

/** Complementary error function erfc(x) = 1 − erf(x) (W. J. Cody 1969, rational Chebyshev approximations). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  let result: number;
  if (y <= 0.46875) {
    const ysq = y > 1.11e-16 ? y * y : 0;
    let xnum = A[4] * ysq;
    let xden = ysq;
    for (let i = 0; i < 3; i++) {
      xnum = (xnum + A[i]!) * ysq;
      xden = (xden + B[i]!) * ysq;
    }
    return 1 - (x * (xnum + A[3])) / (xden + B[3]);
  } else if (y <= 4) {
    let xnum = C[8] * y;
    let xden = y;
    for (let i = 0; i < 7; i++) {
      xnum = (xnum + C[i]!) * y;
      xden = (xden + D[i]!) * y;
    }
    result = ((xnum + C[7]) / (xden + D[7])) * expMinusSquare(y);
  } else if (y >= ERFC_XBIG) {
    result = 0;
  } else {
    const ysq = 1 / (y * y);
    let xnum = P[5] * ysq;
    let xden = ysq;
    for (let i = 0; i < 4; i++) {
      xnum = (xnum + P[i]!) * ysq;
      xden = (xden + Q[i]!) * ysq;
    }
    const r = (ysq * (xnum + P[4])) / (xden + Q[4]);
    result = ((INV_SQRT_PI - r) / y) * expMinusSquare(y);
  }
  return x < 0 ? 2 - result : result;
}

/** Upper tail of the standard normal distribution, P(Z > z) = erfc(z/√2)/2. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z * SQRT_HALF);
}

/** Standard normal cumulative distribution, P(Z <= z) = erfc(−z/√2)/2. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT_HALF);
}

/** Logistic function σ(z) = 1/(1 + e^−z), written to avoid overflow for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow (softplus), the logistic loss of margin −z. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}
