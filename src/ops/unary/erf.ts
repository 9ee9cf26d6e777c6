import { defineUnary } from '../elementwise_util.js';
import { mul } from '../binary/mul.js';
import { exp } from './exp.js';
import { neg } from './neg.js';
import { square } from './square.js';
import { erf64, erfc64 } from './math64.js';

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π, the scale of erf'(x) = 2/√π·e^{-x²}

/**
 * The error function `erf(x) = 2/√π ∫₀ˣ e^{-t²} dt` elementwise (TF's `tf.math.erf`), any
 * shape; float32 only. The reference evaluator is accurate to ~1e-15 (see math64.ts).
 * Gradient: `dy · 2/√π · e^{-x²}`.
 * @example kiln.erf(kiln.constant([0, 1])) // [0, 0.8427008]
 * @throws DTypeError for int32 or bool
 */
export const erf = defineUnary({
  name: 'Erf',
  apiName: 'erf',
  f: erf64,
  grad: (dy, x) => mul(dy, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)),
});

/**
 * The complementary error function `erfc(x) = 1 − erf(x)` elementwise (TF's `tf.math.erfc`),
 * any shape; float32 only. Accurate where it is tiny (erfc(10) ≈ 2.09e-45 in float64).
 * Gradient: `−dy · 2/√π · e^{-x²}`.
 * @example kiln.erfc(kiln.constant([0, 1])) // [1, 0.1572992]
 * @throws DTypeError for int32 or bool
 */
export const erfc = defineUnary({
  name: 'Erfc',
  apiName: 'erfc',
  f: erfc64,
  grad: (dy, x) => mul(dy, mul(exp(neg(square(x))), -TWO_OVER_SQRT_PI)),
});
