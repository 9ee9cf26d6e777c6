import { defineUnary } from '../elementwise_util.js';
import { mul } from '../binary/mul.js';

/**
 * `e^x` elementwise, any shape; float32 only (overflows to +Inf for x > ~88.7 in float32).
 * Gradient: `dy * y` (reuses the output).
 * @example kiln.exp(kiln.constant([0, 1])) // [1, 2.7182817]
 * @throws DTypeError for int32 or bool
 */
export const exp = defineUnary({
  name: 'Exp',
  apiName: 'exp',
  f: (x) => Math.exp(x),
  grad: (dy, _x, y) => mul(dy, y),
});
