/**
 * BatchNormalization (Ioffe & Szegedy 2015) with Keras's semantics and defaults.
 *
 * Over the channel axis (the last one) with the statistics taken over all other axes:
 * ```
 * training:   mean, var = batch mean and *biased* batch variance (divide by the count, not count−1)
 *             y = gamma · (x − mean) / sqrt(var + epsilon) + beta
 *             moving_mean     = momentum · moving_mean     + (1 − momentum) · mean
 *             moving_variance = momentum · moving_variance + (1 − momentum) · var
 * inference:  y = gamma · (x − moving_mean) / sqrt(moving_variance + epsilon) + beta
 * ```
 * The same biased variance normalizes the batch and updates the moving variance, as Keras's
 * non-fused path (`tf.nn.moments`) does; TF's fused kernel would apply Bessel's correction to
 * the moving update only. The moving updates are assign ops that the model groups with the
 * optimizer update, so they run inside the one training step. Weights in Keras order:
 * gamma, beta, moving_mean, moving_variance (the last two not trainable).
 */
import type { Graph, Tensor } from '../graph/graph.js';
import { formatShape, type Shape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions } from '../graph/options.js';
import type { Initializer } from '../init/initializers.js';
import * as ops from '../ops/index.js';
import { Layer, LAYER_ARGS, type LayerArgs, type LayerOutput } from './layer.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The channel axis; only the last (-1, the default) is supported. */
  axis?: number;
  /** Default 0.99 (Keras). */
  momentum?: number;
  /** Default 1e-3 (Keras). */
  epsilon?: number;
  /** Learn beta; default true. */
  center?: boolean;
  /** Learn gamma; default true. */
  scale?: boolean;
  betaInitializer?: Initializer | string;
  gammaInitializer?: Initializer | string;
  movingMeanInitializer?: Initializer | string;
  movingVarianceInitializer?: Initializer | string;
}

/**
 * Normalizes each channel with batch statistics in training and moving statistics at inference
 * (see the file note). Input: float32 `[batch, ..., channels]` with the channels dim known.
 * @example model.add(new kiln.layers.BatchNormalization());
 * @throws InvalidArgumentError for momentum outside [0, 1], a non-positive epsilon or an axis other than the last
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  override readonly trainingDependent = true;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly axis: number;
  private readonly inits: Required<Pick<BatchNormalizationArgs, 'betaInitializer' | 'gammaInitializer' | 'movingMeanInitializer' | 'movingVarianceInitializer'>>;
  private gamma: Tensor | undefined;
  private beta: Tensor | undefined;
  private movingMean!: Tensor;
  private movingVariance!: Tensor;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    checkOptions('BatchNormalization', args, [...LAYER_ARGS, 'axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer']);
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new InvalidArgumentError(`BatchNormalization: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new InvalidArgumentError(`BatchNormalization: epsilon must be positive, got ${this.epsilon}`);
    this.inits = {
      betaInitializer: args.betaInitializer ?? 'zeros',
      gammaInitializer: args.gammaInitializer ?? 'ones',
      movingMeanInitializer: args.movingMeanInitializer ?? 'zeros',
      movingVarianceInitializer: args.movingVarianceInitializer ?? 'ones',
    };
  }

  protected override checkInput(shape: Shape): void {
    if (shape.length < 2) throw this.shapeError(`expects input of rank >= 2 ([batch, ..., channels]), got shape ${formatShape(shape)}`);
    if (this.axis !== -1 && this.axis !== shape.length - 1) {
      throw this.shapeError(`supports only the last axis as the channel axis (axis -1), got axis ${this.axis}`);
    }
    if (shape[shape.length - 1] === null) throw this.shapeError(`needs the channels dim known, got shape ${formatShape(shape)}`);
  }

  protected override build(shape: Shape, graph: Graph): void {
    const c = [shape[shape.length - 1]!];
    // Keras's weight order: gamma, beta, moving_mean, moving_variance.
    if (this.scale) this.gamma = this.addWeight(graph, 'gamma', c, this.inits.gammaInitializer);
    if (this.center) this.beta = this.addWeight(graph, 'beta', c, this.inits.betaInitializer);
    this.movingMean = this.addWeight(graph, 'moving_mean', c, this.inits.movingMeanInitializer, false);
    this.movingVariance = this.addWeight(graph, 'moving_variance', c, this.inits.movingVarianceInitializer, false);
  }

  protected call(x: Tensor, training: boolean): LayerOutput {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    if (!training) return { output: this.normalize(x, this.movingMean, this.movingVariance) };
    const mean = ops.mean(x, axes, false, 'moments/mean');
    const variance = ops.mean(ops.square(ops.sub(x, mean)), axes, false, 'moments/variance');
    const m = this.momentum;
    const updates = [
      ops.assign(this.movingMean, ops.add(ops.mul(this.movingMean, m), ops.mul(mean, 1 - m)), 'AssignMovingMean'),
      ops.assign(this.movingVariance, ops.add(ops.mul(this.movingVariance, m), ops.mul(variance, 1 - m)), 'AssignMovingVariance'),
    ];
    return { output: this.normalize(x, mean, variance), updates };
  }

  /** gamma · (x − mean) · rsqrt(var + epsilon) + beta, broadcasting the [channels] vectors. */
  private normalize(x: Tensor, mean: Tensor, variance: Tensor): Tensor {
    let inv = ops.rsqrt(ops.add(variance, this.epsilon));
    if (this.gamma) inv = ops.mul(inv, this.gamma);
    let y = ops.mul(ops.sub(x, mean), inv);
    if (this.beta) y = ops.add(y, this.beta);
    return y;
  }
}
