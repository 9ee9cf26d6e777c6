import { defineBinary } from '../elementwise_util.js';
import { neg } from '../unary/neg.js';

/**
 * `a - b` with NumPy broadcasting; float32 or int32 (int32 wraps around as in C).
 * Gradient: d/da = dy, d/db = -dy, each summed over its broadcast dims.
 * @example kiln.sub(x, 1) // [?,3] - [] -> [?,3]
 * @throws DTypeError when dtypes differ or are bool; ShapeError when shapes cannot broadcast
 */
export const sub = defineBinary({
  name: 'Sub',
  apiName: 'sub',
  f: (a, b) => a - b,
  grad: (dy) => [dy, neg(dy)],
});
