import { getDefaultGraph, type Tensor } from '../../graph/graph.js';
import { DTypeError } from '../../graph/errors.js';
import { userCallSite } from '../../graph/callsite.js';
import { toTensor, type TensorLike } from '../constant.js';
import { div } from '../binary/div.js';
import { reduceSize } from '../like.js';
import { checkAxes } from './reduce_util.js';
import { sum } from './sum.js';

/**
 * Mean of `x` over `axis` (TF's `tf.reduce_mean`): a composite `sum(x, axis) / n`, where `n`
 * is the number of reduced elements counted at run time (`reduceSize`), so it works when the
 * batch is unknown (`[null, 10]`).
 * - `x`: float32 only (TF would do integer division on int32; cast first).
 * - `axis`, `keepDims`: as in `sum` (undefined reduces all; a repeated axis is an error).
 * The ops live under the name scope `name` (default `Mean`): `Mean/Sum`, `Mean/ReduceSize`,
 * `Mean/Div`. An empty reduction gives NaN (0 / 0), as in TF.
 * Gradient: dy / n repeated over the reduced axes (from sum and div).
 * @example kiln.mean(kiln.square(kiln.sub(pred, y))) // MSE over [batch, 1] -> []
 * @throws DTypeError for non-float32 input; InvalidArgumentError (from `Mean/Sum`) for a bad axis
 */
export function mean(x: TensorLike, axis?: number | readonly number[], keepDims = false, name = 'Mean'): Tensor {
  const t = toTensor(x);
  if (t.dtype !== 'float32') {
    throw new DTypeError(`mean '${name}': x must be float32, got ${t.dtype} (created at ${userCallSite()})`);
  }
  return (t.graph ?? getDefaultGraph()).nameScope(name, () => {
    const s = sum(t, axis, keepDims);
    return div(s, reduceSize(t, checkAxes(axis, t.rank)));
  });
}
