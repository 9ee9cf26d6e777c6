import { defineUnary } from '../elementwise_util.js';
import { mul } from '../binary/mul.js';
import { sigmoid } from './sigmoid.js';

/**
 * `log(1 + e^x)` elementwise, any shape; float32 only. Computed stably as
 * `max(x, 0) + log1p(e^-|x|)`, so softplus(1000) = 1000 and softplus(-1000) ≈ 0 (no overflow).
 * Gradient: `dy · sigmoid(x)`.
 * @example kiln.softplus(kiln.constant([0, 1000])) // [0.6931472, 1000]
 * @throws DTypeError for int32 or bool
 */
export const softplus = defineUnary({
  name: 'Softplus',
  apiName: 'softplus',
  f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  grad: (dy, x) => mul(dy, sigmoid(x)),
});
