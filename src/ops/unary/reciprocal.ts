import { defineUnary } from '../elementwise_util.js';
import { mul } from '../binary/mul.js';
import { neg } from './neg.js';
import { square } from './square.js';

/**
 * `1 / x` elementwise, any shape; float32 only (IEEE: 1/0 = +Inf, 1/-0 = -Inf).
 * Gradient: `-dy · y²` (reuses the output, as TF's ReciprocalGrad).
 * @example kiln.reciprocal(kiln.constant([2, -4])) // [0.5, -0.25]
 * @throws DTypeError for int32 or bool
 */
export const reciprocal = defineUnary({
  name: 'Reciprocal',
  apiName: 'reciprocal',
  f: (x) => 1 / x,
  grad: (dy, _x, y) => neg(mul(dy, square(y))),
});
