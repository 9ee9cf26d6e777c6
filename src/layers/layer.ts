/**
 * The base of Keras-style layers. A layer is a recipe that adds graph nodes: `apply(x, training)`
 * creates its variables on the first call (under the layer's name scope: `dense_1/kernel`) and
 * its ops on every call (`dense_1/MatMul`). A model calls each layer once for the training path
 * and, when some layer behaves differently at inference (Dropout, BatchNormalization), once more
 * for the inference path, sharing the variables.
 */
import { Tensor, type Graph, type Operation } from '../graph/graph.js';
import { formatShape, type Shape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { describeValue } from '../graph/describe.js';
import type { Initializer } from '../init/initializers.js';
import * as ops from '../ops/index.js';

/** Options every layer accepts (Keras's base-layer kwargs). */
export interface LayerArgs {
  /** Unique within its model; default the snake_case class name made unique (`dense`, `dense_1`). */
  name?: string;
  /** Shape of one example (without the batch dim), for the first layer of a model: `[784]`. */
  inputShape?: readonly (number | null)[];
  /** Shorthand for `inputShape: [inputDim]` (Dense). */
  inputDim?: number;
  /** Whether the layer's weights are trained; default true. */
  trainable?: boolean;
}

/** The keys of LayerArgs, which every built-in layer's options extend (for `checkOptions`). */
export const LAYER_ARGS: readonly string[] = ['name', 'inputShape', 'inputDim', 'trainable'];

/** What a layer call produced. */
export interface LayerOutput {
  output: Tensor;
  /**
   * Set when the layer ends in a softmax or sigmoid: the tensor before it. A model whose last
   * layer sets this, compiled with the matching cross-entropy, computes the loss from these
   * logits with the stable fused form.
   */
  logits?: { tensor: Tensor; activation: 'softmax' | 'sigmoid' };
  /** State updates to run with each training step (BatchNormalization's moving statistics). */
  updates?: (Tensor | Operation)[];
}

/** Applies an activation, recording the logits when it is softmax or sigmoid. */
export function activate(z: Tensor, activation: { name: string; fn: (x: Tensor) => Tensor }): LayerOutput {
  const output = activation.fn(z);
  if (activation.name === 'softmax' || activation.name === 'sigmoid') return { output, logits: { tensor: z, activation: activation.name } };
  return { output };
}

export abstract class Layer {
  /** The Keras class name (`'Dense'`), shown by `summary()`. */
  abstract readonly className: string;
  /** True when the layer computes something different in training and at inference. */
  readonly trainingDependent: boolean = false;
  /** Set by the model when the layer is added, unless given. */
  name: string | undefined;
  readonly trainable: boolean;
  /** The batch input shape `[null, ...inputShape]` when `inputShape`/`inputDim` was given. */
  readonly batchInputShape: Shape | undefined;
  private readonly weightList: Tensor[] = [];
  private builtInput: Shape | undefined;

  constructor(args: LayerArgs = {}) {
    this.name = args.name;
    this.trainable = args.trainable ?? true;
    if (args.inputShape !== undefined && args.inputDim !== undefined) {
      throw new InvalidArgumentError(`layer ${args.name ?? ''}: give inputShape or inputDim, not both`);
    }
    const shape = args.inputShape ?? (args.inputDim !== undefined ? [args.inputDim] : undefined);
    if (shape !== undefined) {
      if (!Array.isArray(shape) || shape.some((d) => d !== null && !(Number.isInteger(d) && d > 0))) {
        throw new InvalidArgumentError(`layer ${args.name ?? ''}: inputShape must list positive integers, got ${JSON.stringify(shape)}`);
      }
      this.batchInputShape = [null, ...shape];
    }
  }

  /** The layer's variables in Keras order (e.g. kernel, bias), once built. */
  get weights(): Tensor[] {
    return [...this.weightList];
  }

  get built(): boolean {
    return this.builtInput !== undefined;
  }

  /** `Dense 'dense_1'` for messages. */
  toString(): string {
    return `${this.className} '${this.name ?? '?'}'`;
  }

  /**
   * Adds the layer's nodes for input `x` (building its variables on the first call). The model
   * calls this inside the layer's name scope.
   * @throws InvalidArgumentError naming the layer with expected vs got when `x` does not fit
   */
  apply(x: Tensor, training: boolean): LayerOutput {
    this.checkInput(x.shape);
    if (this.builtInput === undefined) {
      this.build(x.shape, x.graph);
      this.builtInput = x.shape;
    } else {
      const ok = x.shape.length === this.builtInput.length && x.shape.every((d, i) => i === 0 || d === this.builtInput![i]);
      if (!ok) throw this.shapeError(`was built for input ${formatShape(this.builtInput)}, got ${formatShape(x.shape)}`);
    }
    const out = this.call(x, training);
    if (out instanceof Tensor) return { output: out };
    if (typeof out !== 'object' || out === null || !((out as Partial<LayerOutput>).output instanceof Tensor)) {
      throw this.shapeError(`call() must return a Tensor or { output: Tensor }, got ${describeValue(out)}`);
    }
    return out;
  }

  /** Creates the variables (with `addWeight`) for a batch input shape. */
  protected build(_inputShape: Shape, _graph: Graph): void {}

  /** Adds the ops of one call. */
  protected abstract call(x: Tensor, training: boolean): LayerOutput | Tensor;

  /** Checks the input's static shape; throws `shapeError` on a mismatch. */
  protected checkInput(_shape: Shape): void {}

  /** A variable named `<layer>/<name>` (the model opens the layer's scope). */
  protected addWeight(graph: Graph, name: string, shape: readonly number[], init: Initializer | string, trainable = this.trainable): Tensor {
    const v = ops.variable(init, { shape, name, trainable, graph });
    this.weightList.push(v);
    return v;
  }

  /** An InvalidArgumentError starting `Dense 'dense_1': `. */
  protected shapeError(what: string): InvalidArgumentError {
    return new InvalidArgumentError(`${this} ${what}`);
  }

  /** Requires an input of rank `rank` with known non-batch dims. */
  protected requireRank(shape: Shape, rank: number, layout: string): void {
    if (shape.length !== rank) {
      throw this.shapeError(`expects input of rank ${rank} (${layout}), got shape ${formatShape(shape)}`);
    }
    if (shape.slice(1).some((d) => d === null)) {
      throw this.shapeError(`needs every input dim but the batch known, got shape ${formatShape(shape)}`);
    }
  }
}

/** Keras's default layer name for a class: `MaxPooling2D` -> `max_pooling2d`. */
export function snakeCase(className: string): string {
  // Keras's generic_utils.to_snake_case, regex for regex.
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
