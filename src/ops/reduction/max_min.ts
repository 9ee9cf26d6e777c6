import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type GradContext } from '../../graph/op_def.js';
import { toTensor, type TensorLike } from '../constant.js';
import { cast } from '../binary/cast.js';
import { equal } from '../binary/compare.js';
import { div } from '../binary/div.js';
import { mul } from '../binary/mul.js';
import { axisAttr, broadcastReduced, checkAxes, inferReduce, reduceValue, type ReduceAttrs } from './reduce_util.js';
import { sum } from './sum.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * TF's `_MinOrMaxGrad`: the gradient goes to the elements equal to the result, split equally
 * among ties: dx = dy · (x == y) / count(x == y), with y and dy repeated over the reduced axes.
 */
function minOrMaxGrad(ctx: GradContext<ReduceAttrs>, dy: Tensor): Tensor {
  const x = ctx.inputs[0]!;
  const axes = checkAxes(ctx.attrs.axis, x.rank);
  const keep = ctx.attrs.keepDims;
  const mask = cast(equal(x, broadcastReduced(ctx.outputs[0]!, x, axes, keep)), 'float32');
  const count = sum(mask, axes, keep);
  return mul(mask, broadcastReduced(div(dy, count), x, axes, keep));
}

// NaN propagates (as NumPy's max and XLA's reduce-max): once a slot holds NaN it stays NaN.
registerOp<ReduceAttrs>({
  name: 'Max',
  apiName: 'max',
  kind: 'reduction',
  infer: ([x], attrs) => inferReduce(x!, attrs, ['float32', 'int32']),
  evaluate: ([x], attrs) => [
    reduceValue(x!, attrs, x!.dtype === 'int32' ? INT32_MIN : -Infinity, (a, v) => (v > a || Number.isNaN(v) ? v : a)),
  ],
  gradient: (ctx, [dy]) => [minOrMaxGrad(ctx, dy!)],
});

registerOp<ReduceAttrs>({
  name: 'Min',
  apiName: 'min',
  kind: 'reduction',
  infer: ([x], attrs) => inferReduce(x!, attrs, ['float32', 'int32']),
  evaluate: ([x], attrs) => [
    reduceValue(x!, attrs, x!.dtype === 'int32' ? INT32_MAX : Infinity, (a, v) => (v < a || Number.isNaN(v) ? v : a)),
  ],
  gradient: (ctx, [dy]) => [minOrMaxGrad(ctx, dy!)],
});

/**
 * Maximum of `x` over `axis` (TF's `tf.reduce_max`).
 * - `x`: float32 or int32, any shape, e.g. `[batch, classes]`.
 * - `axis`: one axis or several, negative allowed; `undefined` (default) reduces all; a repeated
 *   axis is an error. `keepDims` (default false) keeps reduced axes as size 1.
 * A NaN in a slice makes its result NaN. An empty reduction gives -Infinity (int32: -2^31), as TF.
 * Gradient (TF's convention): dy goes to the elements equal to the maximum, split equally among
 * ties: dx = dy · (x == y) / count(x == y).
 * @example kiln.max(logits, -1, true) // [batch, classes] -> [batch, 1]
 * @throws InvalidArgumentError for an axis out of range or repeated; DTypeError for bool input
 */
export function max(x: TensorLike, axis?: number | readonly number[], keepDims = false, name?: string): Tensor {
  return apply('Max', [toTensor(x)], { axis: axisAttr(axis), keepDims }, name);
}

/**
 * Minimum of `x` over `axis` (TF's `tf.reduce_min`); as `max` with the order reversed. An empty
 * reduction gives +Infinity (int32: 2^31 - 1). Gradient split equally among tied minima.
 * @example kiln.min(x, 0) // [batch, 3] -> [3]
 * @throws InvalidArgumentError for an axis out of range or repeated; DTypeError for bool input
 */
export function min(x: TensorLike, axis?: number | readonly number[], keepDims = false, name?: string): Tensor {
  return apply('Min', [toTensor(x)], { axis: axisAttr(axis), keepDims }, name);
}
