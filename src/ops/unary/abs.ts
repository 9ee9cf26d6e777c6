import { defineUnary } from '../elementwise_util.js';
import { mul } from '../binary/mul.js';
import { sign } from './sign.js';

/**
 * `|x|` elementwise, any shape; float32 or int32 (int32 as in C two's complement: |-2^31| wraps
 * to -2^31).
 * Gradient: `dy * sign(x)`, so abs'(0) = 0 (as TF).
 * @example kiln.abs(kiln.constant([-1.5, 0, 2])) // [1.5, 0, 2]
 * @throws DTypeError for bool
 */
export const abs = defineUnary({
  name: 'Abs',
  apiName: 'abs',
  f: (x) => Math.abs(x),
  dtypes: ['float32', 'int32'],
  grad: (dy, x) => mul(dy, sign(x)),
});
