import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { mapUnary } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { checkFiniteAttr, checkFloat, defineGradOp, type GradOp } from './util.js';
import { reluGrad } from './relu.js';

interface EluAttrs {
  [k: string]: unknown;
  alpha: number;
}

/**
 * `EluGrad(dy, x)` = dy where x > 0, else dy·alpha·e^x (TF's EluGrad, written with x rather than
 * the output so it stays accurate where y + alpha would cancel). Internal. Its own gradient:
 * EluGrad(ddx, x) w.r.t. dy; w.r.t. x, ddx·dy·alpha·e^x for x ≤ 0 and 0 for x > 0, written
 * EluGrad(ddx·dy, x) − ReluGrad(ddx·dy, x).
 */
export const eluGrad: GradOp<EluAttrs> = defineGradOp<EluAttrs>({
  name: 'EluGrad',
  f: (dy, x, { alpha }) => (x > 0 ? dy : dy * alpha * Math.exp(x)),
  grad: (ctx, ddx) => {
    const [dy, x] = ctx.inputs as [Tensor, Tensor];
    const g = mul(ddx, dy);
    return [eluGrad(ddx, x, ctx.attrs), sub(eluGrad(g, x, ctx.attrs), reluGrad(g, x, {}))];
  },
  checkAttrs: (attrs) => checkFiniteAttr(attrs.alpha, 'alpha'),
});

registerOp<EluAttrs>({
  name: 'Elu',
  apiName: 'elu',
  kind: 'elementwise',
  infer: ([x], attrs) => {
    checkFiniteAttr(attrs.alpha, 'alpha');
    checkFloat(x!);
    return [{ shape: x!.shape, dtype: 'float32' }];
  },
  evaluate: ([x], { alpha }) => [mapUnary(x!, (v) => (v > 0 ? v : alpha * Math.expm1(v)))],
  gradient: (ctx, [dy]) => [eluGrad(dy!, ctx.inputs[0]!, ctx.attrs)],
});

/**
 * Exponential linear unit (Clevert et al. 2015), `x` for x > 0 and `alpha·(e^x − 1)` otherwise,
 * elementwise, any shape; float32 only.
 * @param alpha the scale of the negative part; default 1 (Keras's `ELU` layer; TF's `tf.nn.elu`
 *   is alpha = 1). Any finite number.
 * Gradient: dy for x > 0, dy·alpha·e^x otherwise; the x > 0 branch is strict, so elu'(0) =
 * alpha (as TF).
 * @example kiln.elu(kiln.constant([-1, 2])) // [-0.6321206, 2]
 * @throws DTypeError for int32 or bool; InvalidArgumentError for a non-finite alpha
 */
export function elu(x: TensorLike, alpha = 1, name?: string): Tensor {
  return apply('Elu', [toTensor(x)], { alpha }, name);
}
