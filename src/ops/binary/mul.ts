import { defineBinary } from '../elementwise_util.js';

/**
 * `a * b` with NumPy broadcasting; float32 or int32.
 * Gradient: d/da = dy * b, d/db = dy * a, each summed over its broadcast dims.
 * @throws DTypeError when dtypes differ; ShapeError when shapes cannot broadcast
 */
export const mul = defineBinary({
  name: 'Mul',
  apiName: 'mul',
  f: (a, b) => a * b,
  grad: (dy, a, b) => [mul(dy, b), mul(dy, a)],
});
