import { defineUnary } from '../elementwise_util.js';
import { defineGradOp, zerosLike, type GradOp } from './util.js';

/**
 * `ReluGrad(dy, x)` = dy where x > 0, else 0 (TF's ReluGrad): the gradient of relu as one
 * fusable elementwise op. Internal; its own gradient (for second derivatives) is
 * ReluGrad(ddx, x) w.r.t. dy and zero w.r.t. x.
 */
export const reluGrad: GradOp<Record<string, never>> = defineGradOp<Record<string, never>>({
  name: 'ReluGrad',
  f: (dy, x) => (x > 0 ? dy : 0),
  grad: (ctx, ddx) => [reluGrad(ddx, ctx.inputs[1]!, {}), zerosLike(ctx.inputs[1]!)],
});

/**
 * `max(x, 0)` elementwise, any shape; float32 only. relu(NaN) = NaN.
 * Gradient: dy where x > 0, else 0; the branch is strict, so relu'(0) = 0 (as TF).
 * The gradient reads the output y rather than x, as TF's does: y > 0 exactly where x > 0
 * (NaN and -0 included), and the pre-activation then need not be kept for the backward pass
 * (a conv/matmul + bias + relu kernel writes one tensor instead of two).
 * @example kiln.relu(kiln.constant([-1, 0, 2])) // [0, 0, 2]
 * @throws DTypeError for int32 or bool
 */
export const relu = defineUnary({
  name: 'Relu',
  apiName: 'relu',
  f: (x) => (x > 0 || Number.isNaN(x) ? x : 0),
  grad: (dy, _x, y) => reluGrad(dy, y, {}),
});
