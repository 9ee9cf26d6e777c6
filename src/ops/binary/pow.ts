import { defineBinary } from '../elementwise_util.js';
import { greater } from './compare.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { where } from './where.js';
import { log } from '../unary/log.js';

/**
 * C's `pow` (IEEE 754 / C99 Annex F), which the generated code calls. JS `Math.pow` differs only
 * where the base is ±1: C gives pow(1, y) = 1 for every y (NaN included) and pow(-1, ±Inf) = 1,
 * where JS gives NaN.
 */
export function cPow(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/**
 * `a ^ b` elementwise with NumPy broadcasting; float32 only. Values follow C's `pow`: a negative
 * base with a non-integer exponent is NaN, 0^negative is +Inf, x^0 = 1 and 1^y = 1 (NaN
 * included).
 * Gradient (TF's `_PowGrad`): d/da = dy * b * a^(b-1); d/db = dy * y * log(a) where a > 0 and 0
 * elsewhere (so a <= 0 gives a zero, not a NaN, gradient for the exponent). Each is summed over
 * its broadcast dims.
 * @example kiln.pow(x, 2) // x squared, [?,3] and [] -> [?,3]
 * @throws DTypeError for int32/bool inputs or differing dtypes; ShapeError when shapes cannot broadcast
 */
export const pow = defineBinary({
  name: 'Pow',
  apiName: 'pow',
  f: cPow,
  dtypes: ['float32'],
  grad: (dy, a, b, y) => {
    const da = mul(dy, mul(b, pow(a, sub(b, 1))));
    const positive = greater(a, 0);
    // log of a safe base (1 where a <= 0) so no NaN/-Inf is formed, then masked to 0 there
    const logA = log(where(positive, a, 1));
    const db = where(positive, mul(dy, mul(y, logA)), 0);
    return [da, db];
  },
});
