import { defineBinary } from '../elementwise_util.js';

/**
 * `a + b` with NumPy broadcasting; float32 or int32 (int32 wraps around as in C).
 * Gradient: dy to each input, summed over its broadcast dims.
 * @example kiln.add(x, kiln.constant([1, 2, 3])) // [?,3] + [3] -> [?,3]
 * @throws DTypeError when dtypes differ; ShapeError when shapes cannot broadcast
 */
export const add = defineBinary({
  name: 'Add',
  apiName: 'add',
  f: (a, b) => a + b,
  grad: (dy) => [dy, dy],
});
