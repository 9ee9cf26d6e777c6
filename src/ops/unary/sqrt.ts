import { defineUnary } from '../elementwise_util.js';
import { div } from '../binary/div.js';
import { mul } from '../binary/mul.js';

/**
 * `√x` elementwise, any shape; float32 only. sqrt(x < 0) = NaN.
 * Gradient: `dy / (2·y)` (reuses the output, as TF's SqrtGrad), so sqrt'(0) = +Inf for dy > 0.
 * @example kiln.sqrt(kiln.constant([4, 0])) // [2, 0]
 * @throws DTypeError for int32 or bool
 */
export const sqrt = defineUnary({
  name: 'Sqrt',
  apiName: 'sqrt',
  f: (x) => Math.sqrt(x),
  grad: (dy, _x, y) => div(dy, mul(y, 2)),
});
