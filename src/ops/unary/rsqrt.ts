import { defineUnary } from '../elementwise_util.js';
import { mul } from '../binary/mul.js';
import { square } from './square.js';

/**
 * `1 / √x` elementwise, any shape; float32 only. rsqrt(0) = +Inf, rsqrt(x < 0) = NaN.
 * Gradient: `-0.5 · dy · y³` (reuses the output, as TF's RsqrtGrad).
 * @example kiln.rsqrt(kiln.constant([4, 0.25])) // [0.5, 2]
 * @throws DTypeError for int32 or bool
 */
export const rsqrt = defineUnary({
  name: 'Rsqrt',
  apiName: 'rsqrt',
  f: (x) => 1 / Math.sqrt(x),
  grad: (dy, _x, y) => mul(mul(dy, -0.5), mul(y, square(y))),
});
