import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { InferenceError } from '../../graph/errors.js';
import { mapUnary } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { add } from '../binary/add.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { checkFloat } from './util.js';
import { erfc } from './erf.js';
import { exp } from './exp.js';
import { square } from './square.js';
import { sigmoid } from './sigmoid.js';
import { erfc64, sigmoid64 } from './math64.js';
import { checkOptions } from '../../graph/options.js';

interface GeluAttrs {
  [k: string]: unknown;
  approximate: boolean;
}

const C = Math.sqrt(2 / Math.PI); // √(2/π), from the tanh approximation
const K = 0.044715; // the cubic coefficient of Hendrycks & Gimpel's tanh approximation
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI); // φ(x) = e^{-x²/2} / √(2π)

/**
 * Exact: Φ(x) = erfc(−x/√2)/2 (no cancellation for x ≪ 0, unlike (1 + erf(x/√2))/2).
 * Approximate: 0.5·(1 + tanh(u)) = sigmoid(2u), u = √(2/π)(x + 0.044715x³), stable for x ≪ 0.
 */
function gelu64(x: number, approximate: boolean): number {
  if (!approximate) return 0.5 * x * erfc64(-x * Math.SQRT1_2);
  return x * sigmoid64(2 * C * (x + K * x * x * x));
}

registerOp<GeluAttrs>({
  name: 'Gelu',
  apiName: 'gelu',
  kind: 'elementwise',
  infer: ([x], attrs) => {
    if (typeof attrs.approximate !== 'boolean') {
      throw new InferenceError(`approximate must be a boolean, got ${String(attrs.approximate)}`, 'argument');
    }
    checkFloat(x!);
    return [{ shape: x!.shape, dtype: 'float32' }];
  },
  evaluate: ([x], { approximate }) => [mapUnary(x!, (v) => gelu64(v, approximate))],
  gradient: (ctx, [dy]) => {
    const x = ctx.inputs[0]!;
    const x2 = square(x);
    if (!ctx.attrs.approximate) {
      // d/dx x·Φ(x) = Φ(x) + x·φ(x)
      const cdf = mul(erfc(mul(x, -Math.SQRT1_2)), 0.5);
      const pdf = mul(exp(mul(x2, -0.5)), INV_SQRT_2PI);
      return [mul(dy!, add(cdf, mul(x, pdf)))];
    }
    // y = x·s, s = sigmoid(v), v = 2u = 2C(x + Kx³): dy/dx = s + x·s·(1 − s)·v', v' = 2C(1 + 3Kx²)
    const s = sigmoid(mul(x, add(mul(x2, 2 * C * K), 2 * C)));
    const dv = add(mul(x2, 6 * C * K), 2 * C);
    return [mul(dy!, add(s, mul(mul(x, dv), mul(s, sub(1, s)))))];
  },
});

export interface GeluOptions {
  /** Use the tanh approximation (TF's `approximate=True`); default false, the exact form. */
  approximate?: boolean;
  name?: string;
}

/**
 * Gaussian error linear unit (Hendrycks & Gimpel 2016), elementwise, any shape; float32 only.
 * Exact (default, TF's `gelu(approximate=False)`): `x·Φ(x) = 0.5·x·(1 + erf(x/√2))`.
 * With `approximate: true`: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
 * Gradient: exact `dy·(Φ(x) + x·φ(x))`; approximate, the derivative of the tanh form.
 * @example kiln.gelu(kiln.constant([-1, 0, 1])) // [-0.1586553, 0, 0.8413447]
 * @throws DTypeError for int32 or bool; InvalidArgumentError for a non-boolean `approximate`
 */
export function gelu(x: TensorLike, options: GeluOptions = {}): Tensor {
  checkOptions('gelu', options, ['approximate', 'name']);
  return apply('Gelu', [toTensor(x)], { approximate: options.approximate ?? false }, options.name);
}
