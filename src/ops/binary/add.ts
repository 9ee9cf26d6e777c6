import { defineBinary } from '../elementwise_util.js';

/**
 * `a + b` with NumPy broadcasting: shapes `[...a]` and `[...b]` give their broadcast shape (an
 * unknown dim `?` is checked at run time); float32 or int32 (int32 wraps around as in C).
 * Gradient: dy to each input, summed over its broadcast dims.
 * @example kiln.add(x, kiln.constant([1, 2, 3])) // [?,3] + [3] -> [?,3]
 * @throws DTypeError when dtypes differ or are bool; ShapeError when shapes cannot broadcast
 */
export const add = defineBinary({
  name: 'Add',
  apiName: 'add',
  f: (a, b) => a + b,
  grad: (dy) => [dy, dy],
});
