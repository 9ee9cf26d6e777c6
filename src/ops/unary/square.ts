import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { InferenceError } from '../../graph/errors.js';
import { mapUnary } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { mul } from '../binary/mul.js';

registerOp({
  name: 'Square',
  apiName: 'square',
  kind: 'elementwise',
  infer: ([x]) => {
    if (x!.dtype !== 'float32' && x!.dtype !== 'int32') {
      throw new InferenceError(`expected float32 or int32, got ${x!.dtype}`, 'dtype');
    }
    return [{ shape: x!.shape, dtype: x!.dtype }];
  },
  // int32 wraps modulo 2^32 as in C; Math.imul because a float64 product of two int32 may
  // lose the low bits before the wrap.
  evaluate: ([x]) => [mapUnary(x!, x!.dtype === 'int32' ? (v) => Math.imul(v, v) : (v) => v * v)],
  gradient: (ctx, [dy]) => [mul(dy!, mul(ctx.inputs[0]!, 2))],
});

/**
 * `x²` elementwise, any shape; float32 or int32 (int32 wraps modulo 2^32 as in C).
 * Gradient: `2 · x · dy`.
 * @example kiln.square(kiln.constant([-3, 0.5])) // [9, 0.25]
 * @throws DTypeError for bool
 */
export function square(x: TensorLike, name?: string): Tensor {
  return apply('Square', [toTensor(x)], {}, name);
}
