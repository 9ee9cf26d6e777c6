import { defineUnary } from '../elementwise_util.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { square } from './square.js';

/**
 * Hyperbolic tangent elementwise, any shape; float32 only (tanh(±Inf) = ±1).
 * Gradient: `dy · (1 − y²)` (reuses the output, as TF's TanhGrad).
 * @example kiln.tanh(kiln.constant([0, 1])) // [0, 0.7615942]
 * @throws DTypeError for int32 or bool
 */
export const tanh = defineUnary({
  name: 'Tanh',
  apiName: 'tanh',
  f: (x) => Math.tanh(x),
  grad: (dy, _x, y) => mul(dy, sub(1, square(y))),
});
