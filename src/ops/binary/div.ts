import { defineBinary } from '../elementwise_util.js';
import { mul } from './mul.js';
import { neg } from '../unary/neg.js';

/**
 * `a / b` with NumPy broadcasting; float32 only (there is no integer division: cast first).
 * IEEE division: x/0 is ±Inf, 0/0 is NaN.
 * Gradient: d/da = dy / b, d/db = -dy * a / b^2 (written -dy * y / b, y = a / b).
 * @example kiln.div(x, 2) // [?,3] / [] -> [?,3]
 * @throws DTypeError for int32/bool inputs or differing dtypes; ShapeError when shapes cannot broadcast
 */
export const div = defineBinary({
  name: 'Div',
  apiName: 'div',
  f: (a, b) => a / b,
  dtypes: ['float32'],
  grad: (dy, _a, b, y) => [div(dy, b), neg(div(mul(dy, y), b))],
});
