import { defineUnary } from '../elementwise_util.js';

/**
 * `-x`; float32 or int32. Gradient: -dy.
 * @example kiln.neg(kiln.constant([1, -2])) // [-1, 2]
 */
export const neg = defineUnary({
  name: 'Neg',
  apiName: 'neg',
  f: (x) => -x,
  dtypes: ['float32', 'int32'],
  grad: (dy) => neg(dy),
});
