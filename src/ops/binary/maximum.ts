/**
 * Elementwise maximum and minimum with NumPy broadcasting (TF's Maximum, Minimum).
 */
import { defineBinary } from '../elementwise_util.js';
import { greaterEqual, lessEqual } from './compare.js';
import { where } from './where.js';

/**
 * `max(a, b)` elementwise with NumPy broadcasting; float32 or int32. NaN in either input gives
 * NaN (as `numpy.maximum` and JS `Math.max`).
 * Gradient (TF's `_MaximumGrad`): dy goes to `a` where `a >= b`, to `b` elsewhere, each summed
 * over its broadcast dims. So on a tie the whole gradient goes to the first input `a`.
 * @example kiln.maximum(x, 0) // relu: [?,3] and [] -> [?,3]
 * @throws DTypeError when dtypes differ or are bool; ShapeError when shapes cannot broadcast
 */
export const maximum = defineBinary({
  name: 'Maximum',
  apiName: 'maximum',
  f: (a, b) => Math.max(a, b),
  grad: (dy, a, b) => {
    const mask = greaterEqual(a, b);
    return [where(mask, dy, 0), where(mask, 0, dy)];
  },
});

/**
 * `min(a, b)` elementwise with NumPy broadcasting; float32 or int32. NaN in either input gives
 * NaN (as `numpy.minimum` and JS `Math.min`).
 * Gradient (TF's `_MinimumGrad`): dy goes to `a` where `a <= b`, to `b` elsewhere, each summed
 * over its broadcast dims. So on a tie the whole gradient goes to the first input `a`.
 * @example kiln.minimum(x, 6) // the cap of relu6
 * @throws DTypeError when dtypes differ or are bool; ShapeError when shapes cannot broadcast
 */
export const minimum = defineBinary({
  name: 'Minimum',
  apiName: 'minimum',
  f: (a, b) => Math.min(a, b),
  grad: (dy, a, b) => {
    const mask = lessEqual(a, b);
    return [where(mask, dy, 0), where(mask, 0, dy)];
  },
});
