import { defineBinary } from '../elementwise_util.js';
import { neg } from '../unary/neg.js';

/**
 * `a - b` with NumPy broadcasting; float32 or int32.
 * Gradient: d/da = dy, d/db = -dy, each summed over its broadcast dims.
 * @throws DTypeError when dtypes differ; ShapeError when shapes cannot broadcast
 */
export const sub = defineBinary({
  name: 'Sub',
  apiName: 'sub',
  f: (a, b) => a - b,
  grad: (dy) => [dy, neg(dy)],
});
