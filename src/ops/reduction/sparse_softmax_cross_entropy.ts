import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type TensorSpec } from '../../graph/op_def.js';
import type { NDArray } from '../../graph/ndarray.js';
import { InferenceError, InvalidArgumentError } from '../../graph/errors.js';
import { formatShape } from '../../graph/shape.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { oneHot } from '../shape/one_hot.js';
import { checkDtype, broadcastReduced, splitAxis, unpackXentArgs } from './reduce_util.js';
import { softmax } from './softmax.js';

/** labels `[batch]` int32 and logits `[batch, classes]` float32 (dims equal or unknown). */
function inferSparseXent([labels, logits]: readonly TensorSpec[]): TensorSpec[] {
  checkDtype('labels', labels!.dtype, ['int32']);
  checkDtype('logits', logits!.dtype, ['float32']);
  const a = labels!.shape;
  const b = logits!.shape;
  if (b.length < 1) throw new InferenceError(`logits must have rank >= 1 ([batch, classes]), got ${formatShape(b)}`);
  const ok = a.length === b.length - 1 && a.every((d, i) => d === null || b[i] === null || d === b[i]);
  if (!ok) {
    throw new InferenceError(`labels shape ${formatShape(a)} must equal logits shape ${formatShape(b)} without its last (classes) axis`);
  }
  return [{ shape: a.map((d, i) => d ?? b[i]!), dtype: 'float32' }];
}

/** loss_r = log(sum(exp(x_r − m))) + m − x_r[label_r], max-subtracted. */
function sparseXentValue(labels: NDArray, logits: NDArray): NDArray {
  const want = logits.shape.slice(0, -1);
  if (labels.shape.length !== want.length || labels.shape.some((d, i) => d !== want[i])) {
    throw new InferenceError(`labels shape ${formatShape(labels.shape)} must equal logits shape ${formatShape(logits.shape)} without its last axis`);
  }
  const { outer, n } = splitAxis(logits.shape, logits.rank - 1);
  const out = zerosValue('float32', want);
  const x = logits.data;
  for (let r = 0; r < outer; r++) {
    const label = labels.data[r]!;
    if (label < 0 || label >= n) {
      // TF's CPU kernel fails too (its GPU kernel returns NaN); kiln always fails.
      throw new InferenceError(`label ${label} at position ${position(r, want)} is out of range [0, ${n}) for ${n} classes`, 'argument');
    }
    let m = -Infinity;
    for (let k = 0; k < n; k++) m = Math.max(m, x[r * n + k]!);
    let s = 0;
    for (let k = 0; k < n; k++) s += Math.exp(x[r * n + k]! - m);
    out.data[r] = Math.log(s) + m - x[r * n + label]!;
  }
  return out;
}

/** The multi-index `[i, j, ...]` of flat position `r` in `shape`. */
function position(r: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(r % shape[d]!);
    r = Math.floor(r / shape[d]!);
  }
  return `[${idx.join(',')}]`;
}

registerOp({
  name: 'SparseSoftmaxCrossEntropyWithLogits',
  apiName: 'sparseSoftmaxCrossEntropyWithLogits',
  kind: 'opaque',
  infer: inferSparseXent,
  evaluate: ([labels, logits]) => [sparseXentValue(labels!, logits!)],
  // d/dlogits = dy · (softmax(logits) − oneHot(labels)); labels are int32: no gradient.
  gradient: (ctx, [dy]) => {
    const [labels, logits] = ctx.inputs as [Tensor, Tensor];
    const classes = logits.shape[logits.rank - 1];
    if (classes === null || classes === undefined) {
      throw new InvalidArgumentError(
        `gradients: sparseSoftmaxCrossEntropyWithLogits '${ctx.op.name}' needs a known number of classes (logits ${formatShape(logits.shape)}) (created at ${ctx.op.callSite})`,
      );
    }
    const dyB = broadcastReduced(dy!, logits, [logits.rank - 1], false);
    return [undefined, mul(dyB, sub(softmax(logits), oneHot(labels, classes)))];
  },
});

export interface SparseSoftmaxCrossEntropyArgs {
  labels: TensorLike;
  logits: TensorLike;
  name?: string;
}

/**
 * Per-example softmax cross-entropy with class-index labels (TF's
 * `tf.nn.sparse_softmax_cross_entropy_with_logits`): loss = logSumExp(logits) − logits[label],
 * fused and max-subtracted, so logits of magnitude 1e4 give a finite loss and gradient.
 * - `labels`: int32 `[batch]`, each in `[0, classes)`.
 * - `logits`: float32 `[batch, classes]` (generally `[..., classes]` with labels `[...]`).
 * Output: float32 `[batch]`. Arguments are labels then logits, or `{ labels, logits, name }`.
 * A label outside `[0, classes)` is a run-time InvalidArgumentError naming the node, the label
 * and its position (TF's CPU kernel fails the same way).
 * Gradient: w.r.t. logits dy · (softmax(logits) − oneHot(labels)) (needs the classes dim known);
 * none w.r.t. labels.
 * @example kiln.mean(kiln.sparseSoftmaxCrossEntropyWithLogits(labels, logits)) // [?], [?,10] -> []
 * @throws ShapeError for mismatched shapes; DTypeError unless labels are int32 and logits float32
 */
export function sparseSoftmaxCrossEntropyWithLogits(args: SparseSoftmaxCrossEntropyArgs): Tensor;
export function sparseSoftmaxCrossEntropyWithLogits(labels: TensorLike, logits: TensorLike, name?: string): Tensor;
export function sparseSoftmaxCrossEntropyWithLogits(
  labelsOrArgs: TensorLike | SparseSoftmaxCrossEntropyArgs,
  logits?: TensorLike,
  name?: string,
): Tensor {
  const a = unpackXentArgs(labelsOrArgs, logits, name);
  const lg = toTensor(a.logits);
  return apply('SparseSoftmaxCrossEntropyWithLogits', [toTensor(a.labels, 'int32', lg.graph), lg], {}, a.name);
}
