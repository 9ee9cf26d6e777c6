import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type TensorSpec } from '../../graph/op_def.js';
import type { NDArray } from '../../graph/ndarray.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { exp } from '../unary/exp.js';
import { checkAxis, checkDtype, splitAxis } from './reduce_util.js';
import { sum } from './sum.js';

interface SoftmaxAttrs {
  [k: string]: unknown;
  axis: number;
}

/**
 * Reference softmax / log-softmax along `axis`, max-subtracted so large logits (1e4) neither
 * overflow nor lose the small terms: y = exp(x - m) / s, log y = x - m - log s, with
 * m = max(x), s = sum(exp(x - m)). A slice that holds +Inf, or only -Inf, gives NaN (as TF).
 */
export function softmaxValue(x: NDArray, axis: number, log: boolean): NDArray {
  const { outer, n, inner } = splitAxis(x.shape, axis);
  const out = zerosValue('float32', x.shape);
  const src = x.data;
  const dst = out.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, src[base + k * inner]!);
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp(src[base + k * inner]! - m);
      const logS = Math.log(s);
      for (let k = 0; k < n; k++) {
        const z = src[base + k * inner]! - m;
        dst[base + k * inner] = log ? z - logS : Math.exp(z) / s;
      }
    }
  }
  return out;
}

function inferSoftmax([x]: readonly TensorSpec[], attrs: SoftmaxAttrs): TensorSpec[] {
  checkDtype('logits', x!.dtype, ['float32']);
  checkAxis(attrs.axis, x!.shape.length);
  return [{ shape: x!.shape, dtype: x!.dtype }];
}

registerOp<SoftmaxAttrs>({
  name: 'Softmax',
  apiName: 'softmax',
  kind: 'reduction',
  infer: inferSoftmax,
  evaluate: ([x], attrs) => [softmaxValue(x!, checkAxis(attrs.axis, x!.rank), false)],
  // dx = y · (dy − sum(dy · y, axis)), the Jacobian-vector product of softmax (TF's _SoftmaxGrad).
  gradient: (ctx, [dy]) => {
    const y = ctx.outputs[0]!;
    return [mul(y, sub(dy!, sum(mul(dy!, y), ctx.attrs.axis, true)))];
  },
});

registerOp<SoftmaxAttrs>({
  name: 'LogSoftmax',
  apiName: 'logSoftmax',
  kind: 'reduction',
  infer: inferSoftmax,
  evaluate: ([x], attrs) => [softmaxValue(x!, checkAxis(attrs.axis, x!.rank), true)],
  // dx = dy − exp(y) · sum(dy, axis) (TF's _LogSoftmaxGrad; exp(y) is the softmax).
  gradient: (ctx, [dy]) => [sub(dy!, mul(exp(ctx.outputs[0]!), sum(dy!, ctx.attrs.axis, true)))],
});

/**
 * Softmax along `axis` (TF's `tf.nn.softmax`): exp(x) / sum(exp(x), axis), computed with the
 * maximum subtracted so logits of magnitude 1e4 give exact results.
 * - `logits`: float32, any rank ≥ 1, e.g. `[batch, classes]`; output has the same shape.
 * - `axis`: default -1 (the classes axis).
 * Gradient: y · (dy − sum(dy · y, axis, keepDims)).
 * @example kiln.softmax(logits) // [?, 10] -> [?, 10], rows sum to 1
 * @throws InvalidArgumentError for an axis out of range (rank 0 has none); DTypeError for non-float
 */
export function softmax(logits: TensorLike, axis = -1, name?: string): Tensor {
  return apply('Softmax', [toTensor(logits)], { axis }, name);
}

/**
 * Log of softmax along `axis` (TF's `tf.nn.log_softmax`): x − max − log(sum(exp(x − max))),
 * exact for logits of magnitude 1e4 (where log(softmax(x)) would give -Infinity).
 * - `logits`: float32, any rank ≥ 1; `axis` default -1.
 * Gradient: dy − exp(y) · sum(dy, axis, keepDims).
 * @example kiln.logSoftmax(logits) // [?, 10] -> [?, 10]
 * @throws InvalidArgumentError for an axis out of range; DTypeError for non-float input
 */
export function logSoftmax(logits: TensorLike, axis = -1, name?: string): Tensor {
  return apply('LogSoftmax', [toTensor(logits)], { axis }, name);
}
