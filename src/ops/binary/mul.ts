import { defineBinary } from '../elementwise_util.js';

/**
 * `a * b` with NumPy broadcasting; float32 or int32 (int32 wraps around as in C: the product is
 * taken modulo 2^32, `Math.imul`).
 * Gradient: d/da = dy * b, d/db = dy * a, each summed over its broadcast dims.
 * @example kiln.mul(x, 2) // [?,3] * [] -> [?,3]
 * @throws DTypeError when dtypes differ or are bool; ShapeError when shapes cannot broadcast
 */
export const mul = defineBinary({
  name: 'Mul',
  apiName: 'mul',
  f: (a, b) => a * b,
  fInt: (a, b) => Math.imul(a, b),
  grad: (dy, a, b) => [mul(dy, b), mul(dy, a)],
});
