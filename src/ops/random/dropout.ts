/**
 * Dropout (Srivastava et al., JMLR 2014) with inverted scaling, as TF's `tf.nn.dropout`:
 * each element is dropped (set to 0) with probability `rate` and kept elements are scaled by
 * 1 / (1 - rate), so E[dropout(x)] = x and inference needs no rescaling.
 *
 * Design: two primitives, no stored mask.
 *   Dropout(x)      -> select(keep, x * scale, 0)
 *   DropoutGrad(dy) -> select(keep, dy * scale, 0)      (the gradient of Dropout w.r.t. x)
 * Both carry the same attrs (rate, Philox key, noise shape) and both regenerate `keep` from the
 * counter-based generator; the forward and backward pass of one training step share the run
 * index, so they draw the identical mask. Nothing of the forward pass has to be kept alive for
 * the backward pass (a composite `x * (uniform >= rate) / (1 - rate)` would have to keep the
 * mask tensor, or the uniform draw, in memory between the two), and the emitters need a single
 * template for both ops. DropoutGrad is linear in dy, so its own gradient is DropoutGrad again.
 *
 * Mask mapping (the C++/CUDA emitters must reproduce it):
 *   noise shape N = attrs.noiseShape with each null replaced by x's dim (default: x's shape);
 *   noise element j (row-major over N) takes word j % 4 of
 *     philox4x32(counter = [floor(j / 4), runIndex, 0, 0], key = attrs.seed),
 *   u_j = (word >> 8) * 2^-24 and keep_j = u_j >= rate  (TF: `random_uniform >= rate`).
 *   Output element i uses keep_{b(i)}, b = NumPy broadcast index of N into x's shape.
 *   (u_j is an exact float32, so comparing with rate in float32 or in double decides alike.)
 * A dropped element is exactly 0, even where x is Inf or NaN (a select, not a multiply).
 */
import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type OpDef, type TensorSpec } from '../../graph/op_def.js';
import { NDArray } from '../../graph/ndarray.js';
import { formatShape, sizeOf, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { uniformStream } from '../../random/philox.js';
import { broadcastIndex, zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { checkSeed, opKey, type RandomAttrs, type SeedOptions } from './common.js';
import { checkOptions } from '../../graph/options.js';

export interface DropoutAttrs extends RandomAttrs {
  /** Probability of dropping an element, in [0, 1). */
  rate: number;
  /** Shape of the keep mask, broadcast to x's (null: x's dim); `null`: x's shape. */
  noiseShape: Shape | null;
}

function checkNoiseShape(x: Shape, noise: Shape): void {
  const ok =
    noise.length === x.length &&
    noise.every((d, i) => d === null || (Number.isInteger(d) && (d === 1 || x[i] === null || d === x[i])));
  if (!ok) {
    throw new InferenceError(`noiseShape ${formatShape(noise)} does not broadcast to x's shape ${formatShape(x)} (same rank, each dim 1 or x's)`);
  }
}

function inferDropout(inputs: readonly TensorSpec[], attrs: DropoutAttrs): TensorSpec[] {
  const x = inputs[0]!;
  if (x.dtype !== 'float32') throw new InferenceError(`expected float32, got ${x.dtype}`, 'dtype');
  const { rate } = attrs;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new InferenceError(`rate must be a number in [0, 1), got ${String(rate)}`, 'argument');
  }
  checkSeed(attrs.seed);
  if (attrs.noiseShape !== null) checkNoiseShape(x.shape, attrs.noiseShape);
  return [{ shape: x.shape, dtype: 'float32' }];
}

/** Applies the mask of `attrs` for run `runIndex` to `v` (x or dy), scaled by 1 / (1 - rate). */
export function applyDropoutMask(v: NDArray, attrs: DropoutAttrs, runIndex: number): NDArray {
  const noise = attrs.noiseShape ? attrs.noiseShape.map((d, i) => d ?? v.shape[i]!) : v.shape;
  // Unknown dims are checked now that they are known.
  checkNoiseShape(v.shape, noise);
  const u = uniformStream(sizeOf(noise), attrs.seed, runIndex);
  const idx = attrs.noiseShape ? broadcastIndex(noise, v.shape) : undefined;
  const scale = 1 / (1 - attrs.rate);
  const out = zerosValue('float32', v.shape);
  const src = v.data;
  const dst = out.data;
  for (let i = 0; i < dst.length; i++) {
    if (u[idx ? idx[i]! : i]! >= attrs.rate) dst[i] = src[i]! * scale;
  }
  return out;
}

const dropoutDef: OpDef<DropoutAttrs> = {
  name: 'Dropout',
  apiName: 'dropout',
  kind: 'random',
  infer: (inputs, attrs) => inferDropout(inputs, attrs),
  evaluate: ([x], attrs, ctx) => [applyDropoutMask(x!, attrs, ctx.runIndex)],
  // dL/dx = dy * keep / (1 - rate), with the mask regenerated from the same key and run.
  gradient: (ctx, [dy]) => [apply('DropoutGrad', [dy!], ctx.attrs)],
};
registerOp(dropoutDef);

registerOp<DropoutAttrs>({
  ...dropoutDef,
  name: 'DropoutGrad',
  apiName: 'dropoutGrad',
  gradient: (ctx, [ddy]) => [apply('DropoutGrad', [ddy!], ctx.attrs)],
});

export interface DropoutOptions extends SeedOptions {
  /**
   * Shape of the random keep mask, broadcast to x's shape (same rank; each dim 1, x's dim, or
   * null for x's dim), e.g. `[null, 1, 1, c]` drops whole channels of an NHWC batch. Default x's shape.
   */
  noiseShape?: Shape;
  name?: string;
}

/**
 * Randomly zeroes elements of `x` with probability `rate` and scales the others by
 * 1 / (1 - rate) (TF's `tf.nn.dropout`; `rate` is the drop probability, not the keep
 * probability). A new mask each run; reproducible across sessions with a seed. Works with
 * unknown dims (`[?, n]`). Gradient: dy times the same mask and scale (see the file note).
 * Only use it while training; at inference leave it out (the scaling keeps E[out] = x).
 * @param x float32, any shape
 * @param rate drop probability in [0, 1)
 * @example const h = kiln.dropout(kiln.relu(z), 0.5, { seed: 7 });
 * @throws InvalidArgumentError for a rate outside [0, 1) or a non-integer seed; DTypeError for a
 *   non-float32 x; ShapeError for a noiseShape that does not broadcast to x's shape
 */
export function dropout(x: TensorLike, rate: number, options: DropoutOptions = {}): Tensor {
  checkOptions('dropout', options, ['seed', 'noiseShape', 'name']);
  const xt = toTensor(x);
  const attrs: DropoutAttrs = {
    rate,
    noiseShape: options.noiseShape ? [...options.noiseShape] : null,
    seed: opKey(options.seed, xt.graph),
  };
  return apply('Dropout', [xt], attrs, options.name);
}
