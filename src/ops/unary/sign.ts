import { defineUnary } from '../elementwise_util.js';
import { zerosLike } from './util.js';

/**
 * `sign(x)` elementwise: -1 for x < 0, 0 for x = 0, 1 for x > 0, NaN for NaN (as TF), any
 * shape; float32 or int32.
 * Gradient: zero everywhere (TF's convention; the jump at 0 has no useful derivative).
 * @example kiln.sign(kiln.constant([-3, 0, 0.5])) // [-1, 0, 1]
 * @throws DTypeError for bool
 */
export const sign = defineUnary({
  name: 'Sign',
  apiName: 'sign',
  // `x` itself for 0 and NaN: keeps NaN (and -0 as -0, which compares equal to 0).
  f: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  dtypes: ['float32', 'int32'],
  grad: (_dy, x) => zerosLike(x),
});
