import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { toTensor, type TensorLike } from '../constant.js';
import { axisAttr, broadcastReduced, checkAxes, inferReduce, reduceValue, type ReduceAttrs } from './reduce_util.js';

registerOp<ReduceAttrs>({
  name: 'Sum',
  apiName: 'sum',
  kind: 'reduction',
  infer: ([x], attrs) => inferReduce(x!, attrs, ['float32', 'int32']),
  evaluate: ([x], attrs) => [reduceValue(x!, attrs, 0, (acc, v) => acc + v)],
  // Every input element contributes once to its output slot: dx = dy repeated over the axes.
  gradient: (ctx, [dy]) => {
    const x = ctx.inputs[0]!;
    return [broadcastReduced(dy!, x, checkAxes(ctx.attrs.axis, x.rank), ctx.attrs.keepDims)];
  },
});

/**
 * Sum of `x` over `axis` (TF's `tf.reduce_sum`).
 * - `x`: float32 or int32, any shape, e.g. `[batch, features]` (int32 wraps around as in C).
 * - `axis`: one axis or several; negative counts from the end; `undefined` (default) reduces all.
 *   An axis named twice (also `[1, -1]` on rank 2) is an error, as in NumPy.
 * - `keepDims` (default false): keep reduced axes as size 1.
 * Output: `x`'s shape without the reduced axes (or with 1s); same dtype. An empty reduction is 0.
 * Gradient: dy repeated over the reduced axes.
 * @example kiln.sum(x, 1) // [batch, 3] -> [batch]; kiln.sum(x) -> []
 * @throws InvalidArgumentError for an axis out of range or repeated; DTypeError for bool input
 */
export function sum(x: TensorLike, axis?: number | readonly number[], keepDims = false, name?: string): Tensor {
  return apply('Sum', [toTensor(x)], { axis: axisAttr(axis), keepDims }, name);
}

