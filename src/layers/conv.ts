/**
 * Convolution and pooling layers on NHWC batches (`[batch, height, width, channels]`), Keras
 * semantics and defaults. Output sizes (TF's rules): 'valid' floor((in − window) / stride) + 1
 * (window = dilation·(k − 1) + 1 for a conv); 'same' ceil(in / stride), zero padded (pooling
 * ignores the padding).
 */
import type { Graph, Tensor } from '../graph/graph.js';
import type { Shape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions } from '../graph/options.js';
import type { Initializer } from '../init/initializers.js';
import * as ops from '../ops/index.js';
import { activate, Layer, LAYER_ARGS, type LayerArgs, type LayerOutput } from './layer.js';
import { getActivation, type ActivationIdentifier } from './activations.js';

/** One number for both spatial dims, or `[h, w]`. */
export type SpatialPair = number | readonly [number, number];
export type Padding = 'same' | 'valid';

function pair(x: SpatialPair, who: string, what: string): [number, number] {
  const p = typeof x === 'number' ? [x, x] : [...x];
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new InvalidArgumentError(`${who}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(x)}`);
  }
  return p as [number, number];
}

function checkPadding(p: unknown, who: string): Padding {
  if (p !== 'same' && p !== 'valid') throw new InvalidArgumentError(`${who}: padding must be 'same' or 'valid', got ${JSON.stringify(p)}`);
  return p;
}

export interface Conv2DArgs extends LayerArgs {
  /** Default 1. */
  strides?: SpatialPair;
  /** Default 'valid' (Keras). */
  padding?: Padding;
  /** Default 1. */
  dilationRate?: SpatialPair;
  /** Default linear (none). */
  activation?: ActivationIdentifier;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (fans from the HWIO kernel, as Keras). */
  kernelInitializer?: Initializer | string;
  /** Default 'zeros'. */
  biasInitializer?: Initializer | string;
}

/**
 * 2-D convolution (cross-correlation, as TF): `output = activation(conv2d(x, kernel) + bias)`.
 * - input float32 NHWC `[batch, h, w, inChannels]`; kernel HWIO `[kh, kw, inChannels, filters]`;
 *   bias `[filters]`; output `[batch, h', w', filters]`.
 * @example model.add(new kiln.layers.Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] }));
 * @throws InvalidArgumentError for bad filters/kernelSize/strides/padding; at build, for an
 *   input that is not rank 4 NHWC
 */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: { name: string; fn: (x: Tensor) => Tensor };
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer | string;
  private readonly biasInitializer: Initializer | string;
  private kernel!: Tensor;
  private bias: Tensor | undefined;

  constructor(
    readonly filters: number,
    kernelSize: SpatialPair,
    args: Conv2DArgs = {},
  ) {
    super(args);
    checkOptions('Conv2D', args, [...LAYER_ARGS, 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer']);
    if (!(Number.isInteger(filters) && filters > 0)) throw new InvalidArgumentError(`Conv2D: filters must be a positive integer, got ${filters}`);
    this.kernelSize = pair(kernelSize, 'Conv2D', 'kernelSize');
    this.strides = pair(args.strides ?? 1, 'Conv2D', 'strides');
    this.dilationRate = pair(args.dilationRate ?? 1, 'Conv2D', 'dilationRate');
    this.padding = checkPadding(args.padding ?? 'valid', 'Conv2D');
    this.activation = getActivation(args.activation, 'Conv2D');
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  protected override checkInput(shape: Shape): void {
    this.requireRank(shape, 4, 'NHWC [batch, height, width, channels]');
  }

  protected override build(shape: Shape, graph: Graph): void {
    this.kernel = this.addWeight(graph, 'kernel', [...this.kernelSize, shape[3]!, this.filters], this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight(graph, 'bias', [this.filters], this.biasInitializer);
  }

  protected call(x: Tensor): LayerOutput {
    let z = ops.conv2d(x, this.kernel, { strides: this.strides, padding: this.padding, dilations: this.dilationRate, name: 'Conv2D' });
    if (this.bias) z = ops.add(z, this.bias, 'BiasAdd');
    return activate(z, this.activation);
  }
}

export interface Pooling2DArgs extends LayerArgs {
  /** Window size; default 2 (Keras's (2, 2)). */
  poolSize?: SpatialPair;
  /** Default `poolSize`. */
  strides?: SpatialPair;
  /** Default 'valid'. */
  padding?: Padding;
}

abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(args: Pooling2DArgs, who: string) {
    super(args);
    checkOptions(who, args, [...LAYER_ARGS, 'poolSize', 'strides', 'padding']);
    this.poolSize = pair(args.poolSize ?? 2, who, 'poolSize');
    this.strides = pair(args.strides ?? this.poolSize, who, 'strides');
    this.padding = checkPadding(args.padding ?? 'valid', who);
  }

  protected override checkInput(shape: Shape): void {
    this.requireRank(shape, 4, 'NHWC [batch, height, width, channels]');
  }
}

/**
 * Max pooling over `poolSize` windows: `[batch, h, w, c]` -> `[batch, h', w', c]`.
 * @example model.add(new kiln.layers.MaxPooling2D({ poolSize: 2 }));
 */
export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  constructor(args: Pooling2DArgs = {}) {
    super(args, 'MaxPooling2D');
  }
  protected call(x: Tensor): Tensor {
    return ops.maxPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding, name: 'MaxPool' });
  }
}

/**
 * Average pooling over `poolSize` windows (with 'same', padded cells are not counted, as TF).
 * @example model.add(new kiln.layers.AveragePooling2D({ poolSize: 2 }));
 */
export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  constructor(args: Pooling2DArgs = {}) {
    super(args, 'AveragePooling2D');
  }
  protected call(x: Tensor): Tensor {
    return ops.avgPool2d(x, { poolSize: this.poolSize, strides: this.strides, padding: this.padding, name: 'AvgPool' });
  }
}
