/**
 * `Sequential`: a Keras-style stack of layers over a kiln Graph and Session (see
 * model_graph.ts for the graphs it builds). The model's variables live in its Session, whose
 * backend ('interpreter' today, 'native' when it lands) is a model/compile option; nothing
 * here changes with the backend.
 */
import { Graph, type Tensor } from '../graph/graph.js';
import { NDArray, type ArrayLike } from '../graph/ndarray.js';
import { formatShape, type Shape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions } from '../graph/options.js';
import { describeValue } from '../graph/describe.js';
import * as ops from '../ops/index.js';
import { Session, type Backend } from '../session/session.js';
import { checkLearningRate, Optimizer } from '../train/optimizers.js';
import { Layer, snakeCase } from '../layers/layer.js';
import { getLoss, type Loss, type LossFunction } from '../losses/losses.js';
import { getMetric, type Metric, type MetricFunction } from '../metrics/metrics.js';
import { CallbackList, History, type CallbackLike, type CallbackModel, type Logs } from '../callbacks/callback.js';
import { ProgbarLogger } from '../callbacks/progbar.js';
import { permutation, sliceRows, toNDArray } from '../data/utils.js';
import { formatSummary, type SummaryRow } from './summary.js';
import { buildForward, buildTrainPath, labelKey, type ForwardPath, type TrainPath } from './model_graph.js';
import { checkBatchSize, checkCounts, evaluateArrays, predictArrays, trainEpoch } from './training.js';
import { getOptimizer, type OptimizerIdentifier } from './optimizer_names.js';

export interface SequentialArgs {
  /** Default 'sequential' (then 'sequential_1', ... as Keras). */
  name?: string;
  /** Session backend ('native' | 'interpreter'); default the Session's default. */
  backend?: Backend;
  /** Graph seed: weight initialization and dropout masks are reproducible with it. */
  seed?: number;
}

export interface CompileArgs {
  /** A name ('categoricalCrossentropy', 'mse', ...), a Loss, or a function `(yTrue, yPred) => Tensor`. */
  loss: string | Loss | LossFunction;
  /** 'sgd' | 'adam' | 'rmsprop' | 'adagrad' (Keras defaults) or an optimizer instance; default 'rmsprop' (Keras). */
  optimizer?: OptimizerIdentifier;
  /** e.g. `['accuracy']` (one metric may be given alone: `'mae'`); the loss is always reported. */
  metrics?: string | Metric | MetricFunction | readonly (string | Metric | MetricFunction)[];
  /** Session backend (the current weights move to a new session when it changes). */
  backend?: Backend;
}

/** Inputs accepted by fit/evaluate/predict: an NDArray, nested arrays, or a flat typed array. */
export type Data = NDArray | ArrayLike;

export interface FitArgs {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Shuffle the training examples before each epoch; default true. */
  shuffle?: boolean;
  /** Fraction of the data, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** `[x, y]` to evaluate after each epoch (overrides validationSplit). */
  validationData?: readonly [Data, Data];
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  callbacks?: readonly CallbackLike[];
  /** Seed of the shuffling; default the model's seed, else random. */
  seed?: number;
  /** Epoch to start from (for resuming); default 0. */
  initialEpoch?: number;
  /**
   * Stop at the first NaN/Inf of a training or validation run, naming the op, its name and where
   * it was created (Session's checkNumerics, for this fit only); default: the session's setting.
   */
  checkNumerics?: boolean;
}

/** The keys of FitArgs. */
const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'verbose', 'callbacks', 'seed', 'initialEpoch', 'checkNumerics'];

/** @throws InvalidArgumentError unless `n` is a non-negative integer */
function checkCount(n: unknown, who: string, what: string): number {
  if (!(typeof n === 'number' && Number.isInteger(n) && n >= 0)) throw new InvalidArgumentError(`${who}: ${what} must be a non-negative integer, got ${describeValue(n)}`);
  return n;
}

let modelCount = 0;

interface Built {
  graph: Graph;
  session: Session;
  x: Tensor;
  paths: { train: ForwardPath; infer: ForwardPath };
}

/**
 * A linear stack of layers (Keras's Sequential).
 * @example
 * const model = new kiln.Sequential([
 *   new kiln.layers.Dense(32, { activation: 'relu', inputDim: 784 }),
 *   new kiln.layers.Dense(10, { activation: 'softmax' }),
 * ]);
 * model.compile({ loss: 'categoricalCrossentropy', optimizer: new kiln.SGD({ lr: 0.01 }), metrics: ['accuracy'] });
 * const history = model.fit(xTrain, yTrain, { epochs: 10, batchSize: 32 });
 */
export class Sequential implements CallbackModel {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set by a callback to end `fit` (checked after each batch and epoch). */
  stopTraining = false;
  /** The History of the last `fit` (Keras's `model.history`). */
  history: History | undefined;
  private backend: Backend | undefined;
  private readonly seed: number | undefined;
  private built: Built | undefined;
  private compiled: { loss: Loss; optimizer: Optimizer; metrics: readonly (string | Metric | MetricFunction)[] } | undefined;
  private readonly trainPaths = new Map<string, TrainPath>();

  constructor(layers: readonly Layer[] = [], args: SequentialArgs = {}) {
    if (!Array.isArray(layers)) {
      throw new InvalidArgumentError(`Sequential: expected an array of layers as the first argument, got ${describeValue(layers)} (new Sequential([layer, ...], { name, backend, seed }))`);
    }
    checkOptions('Sequential', args, ['name', 'backend', 'seed']);
    this.name = args.name ?? (modelCount++ === 0 ? 'sequential' : `sequential_${modelCount - 1}`);
    this.backend = args.backend;
    this.seed = args.seed;
    for (const l of layers) this.add(l);
  }

  /**
   * Appends a layer, naming it (`dense`, `dense_1`, ...) unless it has a name.
   * @throws InvalidArgumentError for a non-layer, a duplicate name, a layer of another model,
   *   or a model whose graph is already built
   */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new InvalidArgumentError(`Sequential.add: expected a layer, got ${String(layer)}`);
    if (this.built) throw new InvalidArgumentError(`Sequential '${this.name}': cannot add ${layer.className} after the model is built; add every layer first`);
    if (layer.built || this.layers.includes(layer)) throw new InvalidArgumentError(`Sequential.add: ${layer} already belongs to a model`);
    if (layer.name === undefined) {
      const base = snakeCase(layer.className);
      let name = base;
      for (let i = 1; this.layers.some((l) => l.name === name); i++) name = `${base}_${i}`;
      layer.name = name;
    } else if (this.layers.some((l) => l.name === layer.name)) {
      throw new InvalidArgumentError(`Sequential '${this.name}': a layer named '${layer.name}' exists already`);
    }
    this.layers.push(layer);
  }

  /** The batch input shape (`[null, 784]`) once known. */
  get inputShape(): Shape | undefined {
    return this.built?.x.shape ?? this.layers[0]?.batchInputShape;
  }

  /** The graph (built on first need). */
  get graph(): Graph {
    return this.ensureBuilt('graph').graph;
  }

  /** The session holding the weights. */
  get session(): Session {
    return this.ensureBuilt('session').session;
  }

  /** All variables of the layers, in layer order (kernel, bias, ...). */
  get weights(): Tensor[] {
    this.ensureBuilt('weights');
    return this.layers.flatMap((l) => l.weights);
  }

  /** `['loss', ...metric names]`, as `evaluate` returns them. */
  get metricsNames(): string[] {
    return ['loss', ...(this.compiled?.metrics ?? []).map(metricName)];
  }

  /**
   * Builds the graph for a batch input shape (done by compile/fit/predict/summary when the
   * first layer has `inputShape`/`inputDim`, else from the first data seen).
   * @throws InvalidArgumentError when there are no layers or no input shape is known;
   *   a layer's shape error (naming the layer) when the stack does not fit together
   */
  build(inputShape?: Shape): void {
    if (this.built) return;
    if (this.layers.length === 0) throw new InvalidArgumentError(`Sequential '${this.name}': add layers before building`);
    const shape = inputShape ?? this.layers[0]!.batchInputShape;
    if (!shape) {
      throw new InvalidArgumentError(
        `Sequential '${this.name}': the input shape is unknown; give the first layer inputShape (or inputDim), or call fit/predict with data first`,
      );
    }
    const graph = new Graph();
    if (this.seed !== undefined) graph.seed = this.seed;
    const x = ops.placeholder('float32', [null, ...shape.slice(1)], `${this.layers[0]!.name}_input`, graph);
    // The model's graph is the default while layers run, so a custom layer's kiln.constant(...) lands in it.
    const train = graph.asDefault(() => buildForward(graph, this.layers, x, true));
    const infer = this.layers.some((l) => l.trainingDependent) ? graph.asDefault(() => graph.nameScope('inference', () => buildForward(graph, this.layers, x, false))) : train;
    const session = this.backend ? new Session(graph, { backend: this.backend }) : new Session(graph);
    this.built = { graph, session, x, paths: { train, infer } };
  }

  /**
   * Sets the loss, optimizer and metrics. The training graph (forward, loss, gradients,
   * optimizer update) is added on the first `fit`, when the labels' shape is known.
   * @throws InvalidArgumentError for an unknown loss, optimizer or metric name
   */
  compile(args: CompileArgs): void {
    checkOptions('compile', args, ['loss', 'optimizer', 'metrics', 'backend']);
    if (args === undefined || args === null) throw new InvalidArgumentError(`compile: expected { loss, optimizer, metrics }, got ${String(args)}`);
    const loss = getLoss(args.loss);
    const optimizer = getOptimizer(args.optimizer ?? 'rmsprop');
    // One metric may be given alone (`metrics: 'mae'`): iterating the string would read metrics 'm', 'a', 'e'.
    const metrics = args.metrics === undefined ? [] : Array.isArray(args.metrics) ? [...(args.metrics as readonly (string | Metric | MetricFunction)[])] : [args.metrics as string | Metric | MetricFunction];
    for (const m of metrics) if (typeof m === 'string') getMetric(m, [null, 2], [null, 2]); // fail fast on a bad name
    this.compiled = { loss, optimizer, metrics };
    this.trainPaths.clear();
    if (args.backend) {
      this.backend = args.backend;
      if (this.built && this.built.session.backend !== args.backend) this.moveToBackend(args.backend);
    }
    if (this.inputShape) this.build();
  }

  /**
   * Trains for `epochs` epochs; one `Session.run` per batch.
   * @returns History with per-epoch `loss`, metrics and `val_*`
   * @throws InvalidArgumentError before training starts for a model not compiled, an input of the
   *   wrong shape (naming the first layer, expected vs got), or label count/shape mismatches
   */
  fit(x: Data, y: Data, args: FitArgs = {}): History {
    checkOptions('fit', args, FIT_KEYS);
    const compiled = this.requireCompiled('fit');
    const epochs = checkCount(args.epochs ?? 1, 'fit', 'epochs');
    const initialEpoch = checkCount(args.initialEpoch ?? 0, 'fit', 'initialEpoch');
    const batchSize = checkBatchSize(args.batchSize ?? 32, 'fit');
    const verbose = args.verbose ?? 1;
    if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new InvalidArgumentError(`fit: verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch), got ${describeValue(verbose)}`);
    const split = args.validationSplit ?? 0;
    if (!(typeof split === 'number' && split >= 0 && split < 1)) throw new InvalidArgumentError(`fit: validationSplit must be a number in [0, 1), got ${describeValue(split)}`);
    let X = this.inputs(x, 'fit');
    let Y = toNDArray(y, 'fit: y', compiled.loss.labelDtype);
    checkCounts(X, Y, 'fit');
    let validation: [NDArray, NDArray] | undefined;
    if (args.validationData) {
      const Xv = this.inputs(args.validationData[0], 'fit (validationData)');
      const Yv = toNDArray(args.validationData[1], 'fit: validationData y', compiled.loss.labelDtype);
      checkCounts(Xv, Yv, 'fit (validationData)');
      validation = [Xv, Yv];
    } else if (split > 0) {
      const nTrain = Math.floor(X.shape[0]! * (1 - split));
      validation = [sliceRows(X, nTrain, X.shape[0]!), sliceRows(Y, nTrain, Y.shape[0]!)];
      [X, Y] = [sliceRows(X, 0, nTrain), sliceRows(Y, 0, nTrain)];
    }
    const path = this.trainPath(Y);
    const b = this.built!;
    const names = this.metricsNames.slice(1);
    const history = new History();
    this.history = history;
    const progress = verbose === 0 ? [] : [new ProgbarLogger(verbose)];
    const callbacks = new CallbackList([...progress, ...(args.callbacks ?? []), history]);
    const seed = args.seed ?? this.seed ?? Math.floor(Math.random() * 2 ** 32);
    const n = X.shape[0]!;
    this.stopTraining = false;
    callbacks.setModel(this);
    callbacks.setParams({ epochs, steps: Math.ceil(n / batchSize), samples: n, batchSize, verbose, doValidation: !!validation, metrics: this.metricsNames });
    callbacks.onTrainBegin();
    const checking = b.session.checkNumerics;
    if (args.checkNumerics !== undefined) b.session.checkNumerics = args.checkNumerics;
    try {
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        callbacks.onEpochBegin(epoch);
        const logs: Logs = trainEpoch({
          session: b.session, x: b.x, y: path.y, objective: path.train, step: path.step, metricNames: names, X, Y, batchSize,
          order: args.shuffle === false ? undefined : permutation(n, seed, epoch), callbacks, stopped: () => this.stopTraining,
        });
        if (validation) {
          const val = evaluateArrays(b.session, b.x, path.y, path.evaluation, names, validation[0], validation[1], batchSize);
          for (const [k, v] of Object.entries(val)) logs[`val_${k}`] = v;
        }
        callbacks.onEpochEnd(epoch, logs);
      }
    } finally {
      b.session.checkNumerics = checking;
    }
    callbacks.onTrainEnd();
    return history;
  }

  /**
   * Loss and metrics on `x`, `y` in inference mode (dropout off, moving statistics).
   * @returns `[loss, ...metrics]` in the order of `metricsNames`
   */
  evaluate(x: Data, y: Data, args: { batchSize?: number } = {}): number[] {
    checkOptions('evaluate', args, ['batchSize']);
    const compiled = this.requireCompiled('evaluate');
    const X = this.inputs(x, 'evaluate');
    const Y = toNDArray(y, 'evaluate: y', compiled.loss.labelDtype);
    checkCounts(X, Y, 'evaluate');
    const path = this.trainPath(Y);
    const names = this.metricsNames.slice(1);
    const logs = evaluateArrays(this.built!.session, this.built!.x, path.y, path.evaluation, names, X, Y, checkBatchSize(args.batchSize ?? 32, 'evaluate'));
    return ['loss', ...names].map((k) => logs[k]!);
  }

  /** The model's outputs for `x` in inference mode, float32 `[N, ...]`. */
  predict(x: Data, args: { batchSize?: number } = {}): NDArray {
    checkOptions('predict', args, ['batchSize']);
    const X = this.inputs(x, 'predict');
    const b = this.built!;
    return predictArrays(b.session, b.x, b.paths.infer.output, X, checkBatchSize(args.batchSize ?? 32, 'predict'));
  }

  /**
   * The Keras summary table (layer, output shape, parameter count, totals); printed with
   * `printFn` (default console.log) and returned.
   */
  summary(printFn: ((line: string) => void) | null = console.log): string {
    const b = this.ensureBuilt('summary');
    let trainable = 0;
    let nonTrainable = 0;
    const rows: SummaryRow[] = this.layers.map((l, i) => {
      let params = 0;
      for (const w of l.weights) {
        const size = (w.shape as number[]).reduce((p, d) => p * d, 1);
        params += size;
        if (w.op.attrs['trainable'] === false) nonTrainable += size;
        else trainable += size;
      }
      return { name: l.name!, className: l.className, outputShape: b.paths.train.layerOutputs[i]!.shape, params };
    });
    const text = formatSummary(this.name, rows, trainable, nonTrainable);
    printFn?.(text);
    return text;
  }

  /** Every weight's current value, in layer order (Keras's get_weights). */
  getWeights(): NDArray[] {
    const b = this.ensureBuilt('getWeights');
    return this.weights.map((w) => b.session.getValue(w));
  }

  /**
   * Sets every weight, in the order of `getWeights`.
   * @throws InvalidArgumentError for a wrong count; ShapeError naming the variable for a wrong shape
   */
  setWeights(weights: readonly (NDArray | ArrayLike)[]): void {
    const b = this.ensureBuilt('setWeights');
    const ws = this.weights;
    if (weights.length !== ws.length) {
      throw new InvalidArgumentError(`setWeights: model '${this.name}' has ${ws.length} weights (${ws.map((w) => w.op.name).join(', ')}), got ${weights.length} arrays`);
    }
    ws.forEach((w, i) => b.session.setValue(w, weights[i]!));
  }

  getLearningRate(): number {
    const c = this.requireCompiled('getLearningRate');
    return this.session.getValue(c.optimizer.learningRate(this.graph)).item();
  }

  /** @throws InvalidArgumentError unless `lr` is a positive finite number (as the optimizers' constructors) */
  setLearningRate(lr: number): void {
    checkLearningRate('setLearningRate', lr);
    const c = this.requireCompiled('setLearningRate');
    this.session.setValue(c.optimizer.learningRate(this.graph), lr);
  }

  /** The optimizer given to compile. */
  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  private trainPath(Y: NDArray): TrainPath {
    const c = this.compiled!;
    const b = this.built!;
    const key = labelKey(Y.dtype, Y.shape);
    let path = this.trainPaths.get(key);
    if (!path) {
      const out = b.paths.train.output;
      const metrics = c.metrics.map((m) => getMetric(m, Y.shape, out.shape));
      const trainable = this.weights.filter((w) => w.op.attrs['trainable'] !== false);
      // The model's graph is the default while the loss and metrics run, so a custom loss's kiln.constant(...) lands in it.
      path = b.graph.asDefault(() => buildTrainPath(b.graph, b.paths, Y.shape, c.loss, metrics, c.optimizer, trainable, this.layers[this.layers.length - 1]!.name!));
      this.trainPaths.set(key, path);
    }
    return path;
  }

  /** Converts and checks the model input, building the model from it if needed. */
  private inputs(x: Data, who: string): NDArray {
    const known = this.inputShape;
    const X = toNDArray(x, `${who}: x`, 'float32', known ? (known.slice(1) as number[]) : undefined);
    if (!this.built) this.build(known ?? X.shape.map((d, i) => (i === 0 ? null : d)));
    const want = this.built!.x.shape;
    const ok = X.rank === want.length && want.every((d, i) => i === 0 || d === X.shape[i]);
    if (!ok) {
      const first = this.layers[0]!;
      throw new InvalidArgumentError(
        `${who}: layer '${first.name}' (${first.className}) of model '${this.name}' expects input of shape ${formatShape(want)}, got x of shape ${formatShape(X.shape)}`,
      );
    }
    return X;
  }

  private ensureBuilt(who: string): Built {
    if (!this.built) {
      if (!this.inputShape) {
        throw new InvalidArgumentError(`${who}: model '${this.name}' is not built yet; give the first layer inputShape (or inputDim), or call fit/predict first`);
      }
      this.build();
    }
    return this.built!;
  }

  private requireCompiled(who: string): NonNullable<Sequential['compiled']> {
    if (!this.compiled) throw new InvalidArgumentError(`${who}: compile the model first (model.compile({ loss, optimizer, metrics }))`);
    return this.compiled;
  }

  /** Moves the weights to a new session of another backend. */
  private moveToBackend(backend: Backend): void {
    const b = this.built!;
    const values = b.graph.variables().map((v) => b.session.getValue(v));
    const session = new Session(b.graph, { backend });
    b.graph.variables().forEach((v, i) => session.setValue(v, values[i]!));
    b.session.close();
    b.session = session;
  }
}

function metricName(m: string | Metric | MetricFunction): string {
  return typeof m === 'string' ? m : typeof m === 'function' ? m.name || 'metric' : m.name;
}
