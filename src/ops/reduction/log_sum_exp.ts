import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { broadcastIndex, zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { exp } from '../unary/exp.js';
import { axisAttr, broadcastReduced, checkAxes, inferReduce, reducedShape, type ReduceAttrs } from './reduce_util.js';

registerOp<ReduceAttrs>({
  name: 'LogSumExp',
  apiName: 'logSumExp',
  kind: 'reduction',
  infer: ([x], attrs) => inferReduce(x!, attrs, ['float32']),
  // Two passes per output slot: m = max, then y = m + log(sum(exp(x - m))). As TF, a non-finite
  // m is replaced by 0, so a slice of only -Infinity gives -Infinity (not NaN) and +Infinity
  // gives +Infinity.
  evaluate: ([x], attrs) => {
    const axes = checkAxes(attrs.axis, x!.rank);
    const kept = reducedShape(x!.shape, axes, true);
    const out = zerosValue('float32', reducedShape(x!.shape, axes, attrs.keepDims));
    const idx = broadcastIndex(kept, x!.shape);
    const src = x!.data;
    const m = new Float64Array(out.size).fill(-Infinity);
    for (let i = 0; i < src.length; i++) m[idx[i]!] = Math.max(m[idx[i]!]!, src[i]!);
    for (let j = 0; j < m.length; j++) if (!Number.isFinite(m[j]!)) m[j] = 0;
    const s = new Float64Array(out.size);
    for (let i = 0; i < src.length; i++) s[idx[i]!] += Math.exp(src[i]! - m[idx[i]!]!);
    for (let j = 0; j < s.length; j++) out.data[j] = m[j]! + Math.log(s[j]!);
    return [out];
  },
  // dx = dy · exp(x − y) = dy · softmax(x) over the reduced axes (dy, y repeated over them).
  gradient: (ctx, [dy]) => {
    const x = ctx.inputs[0]!;
    const axes = checkAxes(ctx.attrs.axis, x.rank);
    const keep = ctx.attrs.keepDims;
    const w = exp(sub(x, broadcastReduced(ctx.outputs[0]!, x, axes, keep)));
    return [mul(broadcastReduced(dy!, x, axes, keep), w)];
  },
});

/**
 * log(sum(exp(x), axis)) computed stably (TF's `tf.reduce_logsumexp`): the maximum m of each
 * slice is subtracted first, y = m + log(sum(exp(x − m))), so inputs of magnitude 1e4 are exact.
 * - `x`: float32, any shape, e.g. `[batch, classes]`.
 * - `axis`: one axis or several, negative allowed; `undefined` (default) reduces all; a repeated
 *   axis is an error. `keepDims` default false.
 * A slice of only -Infinity gives -Infinity; an empty reduction gives -Infinity (log 0).
 * Gradient: softmax-weighted, dx = dy · exp(x − y).
 * @example kiln.logSumExp(logits, -1) // [?, 10] -> [?]
 * @throws InvalidArgumentError for a bad axis; DTypeError for non-float32 input
 */
export function logSumExp(x: TensorLike, axis?: number | readonly number[], keepDims = false, name?: string): Tensor {
  return apply('LogSumExp', [toTensor(x)], { axis: axisAttr(axis), keepDims }, name);
}
