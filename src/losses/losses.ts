/**
 * Keras losses as graph builders. Each gives the per-example loss, float32 `[batch]`, from the
 * labels `yTrue` and the predictions `yPred` (`[batch, ...]`); the model averages it over the
 * batch (Keras's default reduction, sum over batch size). Formulas as keras/losses.py (Keras 2):
 * ```
 * meanSquaredError              mean((yPred − yTrue)^2, axis −1)
 * meanAbsoluteError             mean(|yPred − yTrue|, axis −1)
 * categoricalCrossentropy       −sum(yTrue · log(clip(p, ε, 1 − ε)), axis −1),  p = yPred / sum(yPred, −1)
 * sparseCategoricalCrossentropy −log(clip(yPred[label], ε, 1 − ε)); labels int32 [batch] or [batch, 1]
 * binaryCrossentropy            mean(−(y·log(p) + (1 − y)·log(1 − p)), axis −1),  p = clip(yPred, ε, 1 − ε)
 * hinge                         mean(max(1 − y·yPred, 0), axis −1)
 * squaredHinge                  mean(max(1 − y·yPred, 0)^2, axis −1)
 * ```
 * with ε = 1e-7 (Keras's `epsilon()`). Hinge losses take labels −1/1; labels that are all 0/1
 * are mapped to −1/1 first, as Keras does.
 *
 * From logits: when the model's last layer ends in softmax (sigmoid) and the loss is a
 * categorical (binary) cross-entropy, the model computes the loss from the pre-activation
 * logits instead, with no clipping and no overflow:
 * ```
 * categorical:  softmaxCrossEntropyWithLogits(yTrue, z)      = −sum(y · logSoftmax(z))
 * sparse:       sparseSoftmaxCrossEntropyWithLogits(label, z) = logSumExp(z) − z[label]
 * binary:       mean(softplus(z) − y·z, axis −1)            (= TF's sigmoid_cross_entropy_with_logits)
 * ```
 */
import type { Tensor } from '../graph/graph.js';
import type { DType } from '../graph/dtype.js';
import { InvalidArgumentError } from '../graph/errors.js';
import * as ops from '../ops/index.js';

/** Keras's fuzz factor `epsilon()`. */
export const EPSILON = 1e-7;

export interface Loss {
  /** camelCase name (`'categoricalCrossentropy'`). */
  readonly name: string;
  /** The labels' dtype: int32 for the sparse loss, else float32. */
  readonly labelDtype: DType;
  /** Per-example loss `[batch]` from labels and predictions. */
  call(yTrue: Tensor, yPred: Tensor): Tensor;
  /** The stable form on the pre-activation logits of a final softmax or sigmoid. */
  readonly fromLogits?: { activation: 'softmax' | 'sigmoid'; call(yTrue: Tensor, logits: Tensor): Tensor };
}

/** A user loss: `(yTrue, yPred) => loss` of shape `[batch]`, `[batch, ...]` (averaged) or scalar. */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Mean over the last axis (Keras's `K.mean(..., axis=-1)`); a rank-1 input is returned as is. */
function meanLast(x: Tensor): Tensor {
  return x.rank <= 1 ? x : ops.mean(x, -1);
}

function clip(x: Tensor, lo: number, hi: number): Tensor {
  return ops.minimum(ops.maximum(x, lo), hi);
}

/** Labels of shape [batch, 1] as [batch] (sparse losses and metrics accept both). */
export function flattenSparseLabels(y: Tensor): Tensor {
  return y.rank === 2 && y.shape[1] === 1 ? ops.reshape(y, [-1]) : y;
}

/** Keras's `_maybe_convert_labels`: when every label is 0 or 1, map them to −1 and 1. */
function hingeLabels(y: Tensor): Tensor {
  const isBinary = ops.cast(ops.logicalOr(ops.equal(y, 0), ops.equal(y, 1)), 'float32');
  const all = ops.min(isBinary); // 1 when every label is 0 or 1
  const converted = ops.sub(ops.mul(y, 2), 1);
  return ops.add(ops.mul(converted, all), ops.mul(y, ops.sub(1, all)));
}

export const meanSquaredError: Loss = {
  name: 'meanSquaredError',
  labelDtype: 'float32',
  call: (y, p) => meanLast(ops.square(ops.sub(p, y))),
};

export const meanAbsoluteError: Loss = {
  name: 'meanAbsoluteError',
  labelDtype: 'float32',
  call: (y, p) => meanLast(ops.abs(ops.sub(p, y))),
};

export const categoricalCrossentropy: Loss = {
  name: 'categoricalCrossentropy',
  labelDtype: 'float32',
  call: (y, p) => {
    const q = clip(ops.div(p, ops.sum(p, -1, true)), EPSILON, 1 - EPSILON);
    return ops.neg(ops.sum(ops.mul(y, ops.log(q)), -1));
  },
  fromLogits: { activation: 'softmax', call: (y, z) => ops.softmaxCrossEntropyWithLogits(y, z) },
};

export const sparseCategoricalCrossentropy: Loss = {
  name: 'sparseCategoricalCrossentropy',
  labelDtype: 'int32',
  call: (y, p) => {
    const classes = p.shape[p.rank - 1];
    if (classes === null || classes === undefined) {
      throw new InvalidArgumentError(`sparseCategoricalCrossentropy: predictions need a known classes dim, got ${p}`);
    }
    const picked = ops.sum(ops.mul(ops.oneHot(flattenSparseLabels(y), classes), p), -1);
    return ops.neg(ops.log(clip(picked, EPSILON, 1 - EPSILON)));
  },
  fromLogits: { activation: 'softmax', call: (y, z) => ops.sparseSoftmaxCrossEntropyWithLogits(flattenSparseLabels(y), z) },
};

export const binaryCrossentropy: Loss = {
  name: 'binaryCrossentropy',
  labelDtype: 'float32',
  call: (y, p) => {
    const q = clip(p, EPSILON, 1 - EPSILON);
    const ll = ops.add(ops.mul(y, ops.log(q)), ops.mul(ops.sub(1, y), ops.log(ops.sub(1, q))));
    return meanLast(ops.neg(ll));
  },
  fromLogits: { activation: 'sigmoid', call: (y, z) => meanLast(ops.sub(ops.softplus(z), ops.mul(y, z))) },
};

export const hinge: Loss = {
  name: 'hinge',
  labelDtype: 'float32',
  call: (y, p) => meanLast(ops.relu(ops.sub(1, ops.mul(hingeLabels(y), p)))),
};

export const squaredHinge: Loss = {
  name: 'squaredHinge',
  labelDtype: 'float32',
  call: (y, p) => meanLast(ops.square(ops.relu(ops.sub(1, ops.mul(hingeLabels(y), p))))),
};

const TABLE: Record<string, Loss> = {
  meanSquaredError,
  meanAbsoluteError,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  hinge,
  squaredHinge,
};

/** Keras's other spellings. */
const ALIASES: Record<string, string> = {
  mse: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mean_squared_error: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
  squared_hinge: 'squaredHinge',
};

/**
 * Resolves a loss by name (camelCase or Keras's snake_case, `'mse'`, `'mae'`), a Loss, or a
 * user function.
 * @throws InvalidArgumentError for an unknown name, listing the known ones
 */
export function getLoss(id: string | Loss | LossFunction): Loss {
  if (typeof id === 'function') return { name: id.name || 'loss', labelDtype: 'float32', call: id };
  if (typeof id === 'object' && id !== null && typeof id.call === 'function') return id;
  const loss = TABLE[ALIASES[id as string] ?? (id as string)];
  if (!loss) throw new InvalidArgumentError(`unknown loss '${String(id)}'; known: ${Object.keys(TABLE).join(', ')}`);
  return loss;
}
