/**
 * The graphs a Sequential model builds, all in one kiln Graph that shares the variables:
 *
 * ```
 *   x ──► forward (training mode) ──► output ──► loss, metrics ──► gradients ──► optimizer update ─┐
 *          │ dense/MatMul, dropout/Dropout, batch_normalization/moments ...                         ├─► train_step (NoOp)
 *          └─ state updates (BatchNormalization moving statistics) ──────────────────────────────────┘
 *   x ──► inference/... forward (dropout off, moving statistics) ──► output ──► evaluation/ loss, metrics
 * ```
 * One `Session.run` per batch fetches the loss, the metrics and `train_step`. The inference
 * path exists only when some layer behaves differently in training; otherwise inference reuses
 * the training forward (without the update). When the last layer ends in softmax (sigmoid) and
 * the loss has a from-logits form for it, the loss reads the logits: the training step never
 * computes the activation.
 */
import { Tensor, type Graph, type Operation } from '../graph/graph.js';
import { describeValue } from '../graph/describe.js';
import { formatShape, type Shape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import * as ops from '../ops/index.js';
import type { Layer, LayerOutput } from '../layers/layer.js';
import type { Loss } from '../losses/losses.js';
import type { Metric } from '../metrics/metrics.js';
import type { Optimizer } from '../train/optimizers.js';

/** One forward pass through the layers. */
export interface ForwardPath {
  output: Tensor;
  logits: LayerOutput['logits'];
  /** State updates to run with each training step. */
  updates: (Tensor | Operation)[];
  /** Each layer's output (for summary). */
  layerOutputs: Tensor[];
}

/** Calls each layer in its name scope (`dense_1/MatMul`). */
export function buildForward(graph: Graph, layers: readonly Layer[], x: Tensor, training: boolean): ForwardPath {
  let h = x;
  let last: LayerOutput = { output: x };
  const updates: (Tensor | Operation)[] = [];
  const layerOutputs: Tensor[] = [];
  for (const layer of layers) {
    last = graph.nameScope(layer.name!, () => layer.apply(h, training));
    h = last.output;
    updates.push(...(last.updates ?? []));
    layerOutputs.push(h);
  }
  return { output: h, logits: last.logits, updates, layerOutputs };
}

/** Loss and metric tensors of one forward path. */
export interface Objective {
  /** Scalar: the batch mean of the per-example loss. */
  loss: Tensor;
  /** Scalars: batch means of each metric. */
  metrics: Tensor[];
  /** True when the loss was computed from logits (the stable fused form). */
  fromLogits: boolean;
}

/** The batch mean of a per-example value (`[batch]`, `[batch, ...]` or already a scalar). */
function batchMean(v: Tensor, name: string): Tensor {
  return v.rank === 0 ? ops.identity(v, name) : ops.mean(v, undefined, false, name);
}

/**
 * Checks labels against the model output and adapts `[batch]` labels to a `[batch, 1]` output.
 * @throws InvalidArgumentError with expected vs got, naming the loss and the output layer
 */
export function adaptLabels(y: Tensor, out: Tensor, loss: Loss, outputLayer: string): Tensor {
  const got = formatShape(y.shape);
  if (loss.labelDtype === 'int32') {
    const ok = (y.rank === out.rank - 1 || (y.rank === out.rank && y.shape[y.rank - 1] === 1)) && y.rank >= 1;
    if (!ok) {
      throw new InvalidArgumentError(
        `${loss.name}: expects integer class labels of shape [N] or [N,1] for output ${formatShape(out.shape)} of layer '${outputLayer}', got y of shape ${got}` +
          (y.rank === out.rank ? ' (for one-hot labels use categoricalCrossentropy)' : ''),
      );
    }
    return y;
  }
  if (y.rank === out.rank - 1 && out.shape[out.rank - 1] === 1) return ops.reshape(y, [-1, 1]);
  const ok = y.rank === out.rank && y.shape.every((d, i) => i === 0 || d === out.shape[i]);
  if (!ok) {
    const hint = loss.name === 'categoricalCrossentropy' && y.rank === 1 ? ' (for integer labels use sparseCategoricalCrossentropy, or one-hot them)' : '';
    throw new InvalidArgumentError(`${loss.name}: labels must match output ${formatShape(out.shape)} of layer '${outputLayer}', got y of shape ${got}${hint}`);
  }
  return y;
}

/** What a user's loss or metric returned, checked: it must be a Tensor (of the model's graph). */
function userTensor(v: unknown, who: string): Tensor {
  if (!(v instanceof Tensor)) {
    const got = v !== null && typeof v === 'object' ? describeValue(v) : typeof v;
    throw new InvalidArgumentError(`${who} must return a Tensor, got ${got}; build it from yTrue and yPred with kiln ops (kiln.mean(kiln.square(kiln.sub(yPred, yTrue)), -1))`);
  }
  return v;
}

/** Builds loss and metrics for `fwd` against labels `y`, under the current name scope. */
export function buildObjective(graph: Graph, fwd: ForwardPath, y: Tensor, loss: Loss, metrics: readonly Metric[], outputLayer: string): Objective {
  const yAdj = graph.nameScope('labels', () => adaptLabels(y, fwd.output, loss, outputLayer));
  const useLogits = loss.fromLogits !== undefined && fwd.logits !== undefined && fwd.logits.activation === loss.fromLogits.activation;
  const lossT = graph.nameScope('loss', () => {
    const perExample = useLogits ? loss.fromLogits!.call(yAdj, fwd.logits!.tensor) : loss.call(yAdj, fwd.output);
    return batchMean(userTensor(perExample, `${loss.name}: loss function`), 'value');
  });
  const metricTs = metrics.map((m) =>
    graph.nameScope(m.name, () => batchMean(userTensor(m.call(yAdj, { yPred: fwd.output, ...(fwd.logits ? { logits: fwd.logits } : {}) }), `${m.name}: metric function`), 'value')),
  );
  return { loss: lossT, metrics: metricTs, fromLogits: useLogits };
}

/** Everything `fit` and `evaluate` fetch for one kind of labels. */
export interface TrainPath {
  y: Tensor;
  train: Objective;
  /** One op: the optimizer update (and `iterations += 1`) plus the layers' state updates. */
  step: Operation;
  evaluation: Objective;
}

/**
 * Adds the labels placeholder, the training objective, gradients and optimizer update, and the
 * evaluation objective (on the inference path).
 */
export function buildTrainPath(
  graph: Graph,
  paths: { train: ForwardPath; infer: ForwardPath },
  labelShape: Shape,
  loss: Loss,
  metrics: readonly Metric[],
  optimizer: Optimizer,
  weights: readonly Tensor[],
  outputLayer: string,
): TrainPath {
  const y = ops.placeholder(loss.labelDtype, [null, ...labelShape.slice(1)], `${outputLayer}_target`, graph);
  const train = buildObjective(graph, paths.train, y, loss, metrics, outputLayer);
  const update = optimizer.minimize(train.loss, weights);
  const step = ops.group([update, ...paths.train.updates], 'train_step');
  const evaluation =
    paths.infer === paths.train ? train : graph.nameScope('evaluation', () => buildObjective(graph, paths.infer, y, loss, metrics, outputLayer));
  return { y, train, step, evaluation };
}

/** A cache key for the labels' kind: dtype and per-example shape. */
export function labelKey(dtype: string, shape: Shape): string {
  return `${dtype}${formatShape(shape.slice(1))}`;
}
