import { defineUnary } from '../elementwise_util.js';
import { div } from '../binary/div.js';

/**
 * Natural logarithm elementwise, any shape; float32 only. IEEE, no exception: log(0) = -Inf,
 * log(x < 0) = NaN.
 * Gradient: `dy / x` (so +Inf at x = 0 for dy > 0).
 * @example kiln.log(kiln.constant([1, Math.E])) // [0, 1]
 * @throws DTypeError for int32 or bool
 */
export const log = defineUnary({
  name: 'Log',
  apiName: 'log',
  f: (x) => Math.log(x),
  grad: (dy, x) => div(dy, x),
});
