/**
 * Core layers: Dense, Flatten, Dropout, Activation (Keras semantics and defaults).
 */
import type { Graph, Tensor } from '../graph/graph.js';
import { formatShape, type Shape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions } from '../graph/options.js';
import type { Initializer } from '../init/initializers.js';
import * as ops from '../ops/index.js';
import { activate, Layer, LAYER_ARGS, type LayerArgs, type LayerOutput } from './layer.js';
import { getActivation, type ActivationIdentifier } from './activations.js';

export interface DenseArgs extends LayerArgs {
  /** Default linear (none). */
  activation?: ActivationIdentifier;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (Keras). */
  kernelInitializer?: Initializer | string;
  /** Default 'zeros' (Keras). */
  biasInitializer?: Initializer | string;
}

/**
 * A fully connected layer: `output = activation(x · kernel + bias)`.
 * - input: float32 `[batch, inFeatures]` (rank 2; put a Flatten before it for images);
 * - kernel: `[inFeatures, units]` (glorotUniform), bias: `[units]` (zeros);
 * - output: `[batch, units]`. Ops: `<name>/MatMul`, `<name>/BiasAdd`, then the activation.
 * @example model.add(new kiln.layers.Dense(32, { activation: 'relu', inputDim: 784 }));
 * @throws InvalidArgumentError for units that are not a positive integer; at build, for an
 *   input that is not rank 2 (naming the layer, expected vs got)
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly activation: { name: string; fn: (x: Tensor) => Tensor };
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer | string;
  private readonly biasInitializer: Initializer | string;
  private kernel!: Tensor;
  private bias: Tensor | undefined;

  constructor(
    readonly units: number,
    args: DenseArgs = {},
  ) {
    super(args);
    checkOptions('Dense', args, [...LAYER_ARGS, 'activation', 'useBias', 'kernelInitializer', 'biasInitializer']);
    if (!(Number.isInteger(units) && units > 0)) throw new InvalidArgumentError(`Dense: units must be a positive integer, got ${units}`);
    this.activation = getActivation(args.activation, 'Dense');
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  protected override checkInput(shape: Shape): void {
    this.requireRank(shape, 2, '[batch, features]; add a Flatten layer before it for images');
  }

  protected override build(shape: Shape, graph: Graph): void {
    this.kernel = this.addWeight(graph, 'kernel', [shape[1]!, this.units], this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight(graph, 'bias', [this.units], this.biasInitializer);
  }

  protected call(x: Tensor): LayerOutput {
    let z = ops.matmul(x, this.kernel, { name: 'MatMul' });
    if (this.bias) z = ops.add(z, this.bias, 'BiasAdd');
    return activate(z, this.activation);
  }
}

/**
 * Flattens each example: `[batch, d1, d2, ...]` -> `[batch, d1·d2·...]` (a Reshape op). The
 * non-batch dims must be known.
 */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(args: LayerArgs = {}) {
    super(args);
    checkOptions('Flatten', args, LAYER_ARGS);
  }

  protected override checkInput(shape: Shape): void {
    if (shape.length < 2) throw this.shapeError(`expects input of rank >= 2 ([batch, ...]), got shape ${formatShape(shape)}`);
    if (shape.slice(1).some((d) => d === null)) throw this.shapeError(`needs every input dim but the batch known, got shape ${formatShape(shape)}`);
  }

  protected call(x: Tensor): Tensor {
    const size = (x.shape.slice(1) as number[]).reduce((a, d) => a * d, 1);
    return x.rank === 2 ? x : ops.reshape(x, [-1, size], 'Reshape');
  }
}

export interface DropoutArgs extends LayerArgs {
  /** Op seed of the mask (combined with the graph seed). */
  seed?: number;
  /** Shape of the keep mask (see `kiln.dropout`), e.g. `[null, 1, 1, channels]`. */
  noiseShape?: Shape;
}

/**
 * Inverted dropout (Srivastava et al. 2014): in training each element is zeroed with
 * probability `rate` and the rest scaled by 1 / (1 - rate); at inference the layer passes its
 * input through unchanged (no op at all).
 * @param rate drop probability in [0, 1)
 * @throws InvalidArgumentError for a rate outside [0, 1)
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  override readonly trainingDependent = true;
  private readonly seed: number | undefined;
  private readonly noiseShape: Shape | undefined;

  constructor(
    readonly rate: number,
    args: DropoutArgs = {},
  ) {
    super(args);
    checkOptions('Dropout', args, [...LAYER_ARGS, 'seed', 'noiseShape']);
    if (!(rate >= 0 && rate < 1)) throw new InvalidArgumentError(`Dropout: rate must be in [0, 1), got ${rate}`);
    this.seed = args.seed;
    this.noiseShape = args.noiseShape;
  }

  protected call(x: Tensor, training: boolean): Tensor {
    if (!training || this.rate === 0) return x;
    const options: ops.DropoutOptions = { name: 'Dropout' };
    if (this.seed !== undefined) options.seed = this.seed;
    if (this.noiseShape !== undefined) options.noiseShape = this.noiseShape;
    return ops.dropout(x, this.rate, options);
  }
}

/** Applies an activation function elementwise (any shape). */
export class Activation extends Layer {
  readonly className = 'Activation';
  readonly activation: { name: string; fn: (x: Tensor) => Tensor };

  constructor(activation: ActivationIdentifier, args: LayerArgs = {}) {
    super(args);
    checkOptions('Activation', args, LAYER_ARGS);
    this.activation = getActivation(activation, 'Activation');
  }

  protected call(x: Tensor): LayerOutput {
    return activate(x, this.activation);
  }
}
