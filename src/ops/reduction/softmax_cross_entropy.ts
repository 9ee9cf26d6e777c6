import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type TensorSpec } from '../../graph/op_def.js';
import type { NDArray } from '../../graph/ndarray.js';
import { InferenceError } from '../../graph/errors.js';
import { formatShape } from '../../graph/shape.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { neg } from '../unary/neg.js';
import { checkDtype, broadcastReduced, splitAxis, unpackXentArgs } from './reduce_util.js';
import { logSoftmax, softmax } from './softmax.js';

/**
 * Checks `labels` and `logits` ([..., classes] both, dims equal or unknown) and returns the
 * loss shape: the merged shape without the classes axis.
 */
function inferXent([labels, logits]: readonly TensorSpec[]): TensorSpec[] {
  checkDtype('labels', labels!.dtype, ['float32']);
  checkDtype('logits', logits!.dtype, ['float32']);
  const a = labels!.shape;
  const b = logits!.shape;
  if (b.length < 1) throw new InferenceError(`logits must have rank >= 1 ([batch, classes]), got ${formatShape(b)}`);
  const ok = a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
  if (!ok) throw new InferenceError(`labels shape ${formatShape(a)} must equal logits shape ${formatShape(b)}`);
  const merged = a.map((d, i) => d ?? b[i]!);
  return [{ shape: merged.slice(0, -1), dtype: 'float32' }];
}

/**
 * loss = −sum(labels · logSoftmax(logits)) over the last axis, in one pass per row with the
 * maximum subtracted: logSoftmax_k = x_k − m − log(sum(exp(x − m))).
 */
function xentValue(labels: NDArray, logits: NDArray): NDArray {
  if (labels.shape.length !== logits.shape.length || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new InferenceError(`labels shape ${formatShape(labels.shape)} must equal logits shape ${formatShape(logits.shape)}`);
  }
  const { outer, n } = splitAxis(logits.shape, logits.rank - 1);
  const out = zerosValue('float32', logits.shape.slice(0, -1));
  const x = logits.data;
  const p = labels.data;
  for (let r = 0; r < outer; r++) {
    let m = -Infinity;
    for (let k = 0; k < n; k++) m = Math.max(m, x[r * n + k]!);
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.exp(x[r * n + k]! - m);
    const logS = Math.log(s);
    let loss = 0;
    for (let k = 0; k < n; k++) loss -= p[r * n + k]! * (x[r * n + k]! - m - logS);
    out.data[r] = loss;
  }
  return out;
}

registerOp({
  name: 'SoftmaxCrossEntropyWithLogits',
  apiName: 'softmaxCrossEntropyWithLogits',
  // A fused primitive with its own kernel (row max, row sum, dot with labels): TF fuses it for
  // stability and speed, and so does kiln.
  kind: 'opaque',
  infer: inferXent,
  evaluate: ([labels, logits]) => [xentValue(labels!, logits!)],
  // d/dlogits = dy · (softmax − labels); d/dlabels = −dy · logSoftmax (TF v2 differentiates both).
  gradient: (ctx, [dy]) => {
    const [labels, logits] = ctx.inputs as [Tensor, Tensor];
    const last = logits.rank - 1;
    const dyB = broadcastReduced(dy!, logits, [last], false);
    return [neg(mul(dyB, logSoftmax(logits))), mul(dyB, sub(softmax(logits), labels))];
  },
});

export interface SoftmaxCrossEntropyArgs {
  labels: TensorLike;
  logits: TensorLike;
  name?: string;
}

/**
 * Per-example softmax cross-entropy (TF's `tf.nn.softmax_cross_entropy_with_logits`, v2):
 * loss = −sum(labels · logSoftmax(logits), classes axis), fused and max-subtracted, so logits of
 * magnitude 1e4 give a finite loss and gradient.
 * - `labels`: float32 `[batch, classes]`, a probability distribution per row (one-hot or soft).
 * - `logits`: float32 `[batch, classes]` (any rank ≥ 1 works: the last axis is the classes axis).
 * Output: float32 `[batch]`. Arguments are labels then logits (TF's order), positionally or as
 * `{ labels, logits, name }`. Average with `mean` for a scalar loss.
 * Gradient: w.r.t. logits dy · (softmax(logits) − labels); w.r.t. labels −dy · logSoftmax(logits).
 * @example kiln.mean(kiln.softmaxCrossEntropyWithLogits(oneHotLabels, logits)) // [?,10],[?,10] -> []
 * @throws ShapeError when the shapes differ; DTypeError for non-float inputs
 */
export function softmaxCrossEntropyWithLogits(args: SoftmaxCrossEntropyArgs): Tensor;
export function softmaxCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike, name?: string): Tensor;
export function softmaxCrossEntropyWithLogits(
  labelsOrArgs: TensorLike | SoftmaxCrossEntropyArgs,
  logits?: TensorLike,
  name?: string,
): Tensor {
  const a = unpackXentArgs(labelsOrArgs, logits, name);
  const lg = toTensor(a.logits);
  return apply('SoftmaxCrossEntropyWithLogits', [toTensor(a.labels, 'float32', lg.graph), lg], {}, a.name);
}

