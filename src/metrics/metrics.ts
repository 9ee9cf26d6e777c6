/**
 * Metrics as graph builders: each gives a per-example value, float32 `[batch]`; the model
 * averages it over the batch, and over an epoch weighted by batch size. Formulas (keras/metrics.py):
 * ```
 * categoricalAccuracy        argmax(yTrue, −1) == argmax(yPred, −1)
 * sparseCategoricalAccuracy  label == argmax(yPred, −1)          labels int32 [batch] or [batch, 1]
 * binaryAccuracy             mean(yTrue == (yPred > 0.5), axis −1)
 * ```
 * plus the losses meanSquaredError / meanAbsoluteError (aliases 'mse', 'mae').
 *
 * `'accuracy'` (or `'acc'`) resolves as Keras's compile_utils does, from the shapes of labels
 * and predictions: predictions with last dim 1 -> binary; labels of lower rank than the
 * predictions, or with last dim 1 against predictions with more -> sparse categorical;
 * otherwise categorical. It is reported under the name the user wrote.
 *
 * When the model's last layer ends in softmax (sigmoid), the accuracies read the logits
 * instead of the probabilities: argmax is unchanged by softmax, and sigmoid(z) > 0.5 iff z > 0.
 * So the training step need not compute the activation at all.
 */
import type { Tensor } from '../graph/graph.js';
import type { Shape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import * as ops from '../ops/index.js';
import { flattenSparseLabels, meanAbsoluteError, meanSquaredError } from '../losses/losses.js';

/** What a metric sees of the model's output: the predictions and, if any, the logits of a final softmax/sigmoid. */
export interface MetricOutput {
  yPred: Tensor;
  logits?: { tensor: Tensor; activation: 'softmax' | 'sigmoid' };
}

export interface Metric {
  /** The name reported in logs and History (as the user wrote it for 'accuracy'/'acc'). */
  readonly name: string;
  /** The resolved function's camelCase name. */
  readonly kind: string;
  /** Labels dtype this metric needs (int32 for the sparse accuracy). */
  readonly labelDtype?: 'int32' | 'float32';
  /** Per-example values `[batch]`. */
  call(yTrue: Tensor, out: MetricOutput): Tensor;
}

/** A user metric: `(yTrue, yPred) => values` (`[batch]`, `[batch, ...]` averaged, or scalar). */
export type MetricFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

const asFloat = (b: Tensor): Tensor => ops.cast(b, 'float32');

export function categoricalAccuracy(name = 'categoricalAccuracy'): Metric {
  return {
    name,
    kind: 'categoricalAccuracy',
    call: (y, out) => {
      const scores = out.logits?.activation === 'softmax' ? out.logits.tensor : out.yPred;
      return asFloat(ops.equal(ops.argmax(y, -1), ops.argmax(scores, -1)));
    },
  };
}

export function sparseCategoricalAccuracy(name = 'sparseCategoricalAccuracy'): Metric {
  return {
    name,
    kind: 'sparseCategoricalAccuracy',
    labelDtype: 'int32',
    call: (y, out) => {
      const scores = out.logits?.activation === 'softmax' ? out.logits.tensor : out.yPred;
      const labels = flattenSparseLabels(y);
      return asFloat(ops.equal(y.dtype === 'int32' ? labels : ops.cast(labels, 'int32'), ops.argmax(scores, -1)));
    },
  };
}

export function binaryAccuracy(name = 'binaryAccuracy', threshold = 0.5): Metric {
  return {
    name,
    kind: 'binaryAccuracy',
    call: (y, out) => {
      const positive =
        out.logits?.activation === 'sigmoid' && threshold === 0.5 ? ops.greater(out.logits.tensor, 0) : ops.greater(out.yPred, threshold);
      const hit = asFloat(ops.equal(y.dtype === 'float32' ? y : ops.cast(y, 'float32'), asFloat(positive)));
      return hit.rank <= 1 ? hit : ops.mean(hit, -1);
    },
  };
}

function fromLoss(name: string, loss: typeof meanSquaredError): Metric {
  return { name, kind: loss.name, call: (y, out) => loss.call(y, out.yPred) };
}

/**
 * Keras's resolution of `'accuracy'` from label and prediction shapes (see the file note).
 * @returns 'binaryAccuracy' | 'sparseCategoricalAccuracy' | 'categoricalAccuracy'
 */
export function resolveAccuracy(yTrueShape: Shape, yPredShape: Shape): 'binaryAccuracy' | 'sparseCategoricalAccuracy' | 'categoricalAccuracy' {
  const predLast = yPredShape[yPredShape.length - 1];
  const trueLast = yTrueShape[yTrueShape.length - 1];
  if (predLast === 1) return 'binaryAccuracy';
  const sparse = yTrueShape.length < yPredShape.length || (trueLast === 1 && predLast !== 1 && yTrueShape.length === yPredShape.length);
  return sparse ? 'sparseCategoricalAccuracy' : 'categoricalAccuracy';
}

const NAMED: Record<string, (name: string) => Metric> = {
  categoricalAccuracy: (n) => categoricalAccuracy(n),
  categorical_accuracy: (n) => categoricalAccuracy(n),
  sparseCategoricalAccuracy: (n) => sparseCategoricalAccuracy(n),
  sparse_categorical_accuracy: (n) => sparseCategoricalAccuracy(n),
  binaryAccuracy: (n) => binaryAccuracy(n),
  binary_accuracy: (n) => binaryAccuracy(n),
  mse: (n) => fromLoss(n, meanSquaredError),
  meanSquaredError: (n) => fromLoss(n, meanSquaredError),
  mean_squared_error: (n) => fromLoss(n, meanSquaredError),
  mae: (n) => fromLoss(n, meanAbsoluteError),
  meanAbsoluteError: (n) => fromLoss(n, meanAbsoluteError),
  mean_absolute_error: (n) => fromLoss(n, meanAbsoluteError),
};

/**
 * Resolves a metric identifier for given label and prediction shapes.
 * @throws InvalidArgumentError for an unknown name, listing the known ones
 */
export function getMetric(id: string | Metric | MetricFunction, yTrueShape: Shape, yPredShape: Shape): Metric {
  if (typeof id === 'function') return { name: id.name || 'metric', kind: 'custom', call: (y, out) => id(y, out.yPred) };
  if (typeof id === 'object' && id !== null) return id;
  if (id === 'accuracy' || id === 'acc') return NAMED[resolveAccuracy(yTrueShape, yPredShape)]!(id);
  const make = NAMED[id];
  if (!make) throw new InvalidArgumentError(`unknown metric '${id}'; known: accuracy, acc, ${Object.keys(NAMED).join(', ')}`);
  return make(id);
}
