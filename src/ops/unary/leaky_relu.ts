import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { mapUnary } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { checkFiniteAttr, checkFloat, defineGradOp, type GradOp, zerosLike } from './util.js';

interface LeakyReluAttrs {
  [k: string]: unknown;
  alpha: number;
}

/**
 * `LeakyReluGrad(dy, x)` = dy where x > 0, else alpha·dy (TF's LeakyReluGrad). Internal; its
 * own gradient is LeakyReluGrad(ddx, x) w.r.t. dy and zero w.r.t. x.
 */
export const leakyReluGrad: GradOp<LeakyReluAttrs> = defineGradOp<LeakyReluAttrs>({
  name: 'LeakyReluGrad',
  f: (dy, x, { alpha }) => (x > 0 ? dy : alpha * dy),
  grad: (ctx, ddx) => [leakyReluGrad(ddx, ctx.inputs[1]!, ctx.attrs), zerosLike(ctx.inputs[1]!)],
  checkAttrs: (attrs) => checkFiniteAttr(attrs.alpha, 'alpha'),
});

registerOp<LeakyReluAttrs>({
  name: 'LeakyRelu',
  apiName: 'leakyRelu',
  kind: 'elementwise',
  infer: ([x], attrs) => {
    checkFiniteAttr(attrs.alpha, 'alpha');
    checkFloat(x!);
    return [{ shape: x!.shape, dtype: 'float32' }];
  },
  evaluate: ([x], { alpha }) => [mapUnary(x!, (v) => (v > 0 ? v : alpha * v))],
  gradient: (ctx, [dy]) => [leakyReluGrad(dy!, ctx.inputs[0]!, ctx.attrs)],
});

/**
 * Leaky ReLU, `x` for x > 0 and `alpha·x` otherwise (Maas et al. 2013), elementwise, any shape;
 * float32 only.
 * @param alpha the slope for x ≤ 0; default 0.2, the default of Keras's `LeakyReLU` layer and
 *   of TF's `tf.nn.leaky_relu`. Any finite number.
 * Gradient: dy for x > 0, alpha·dy otherwise; the x > 0 branch is strict, so leakyRelu'(0) =
 * alpha (as TF).
 * @example kiln.leakyRelu(kiln.constant([-2, 3])) // [-0.4, 3]
 * @throws DTypeError for int32 or bool; InvalidArgumentError for a non-finite alpha
 */
export function leakyRelu(x: TensorLike, alpha = 0.2, name?: string): Tensor {
  return apply('LeakyRelu', [toTensor(x)], { alpha }, name);
}
