import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { InferenceError } from '../../graph/errors.js';
import { DTYPES, isDType, type DType } from '../../graph/dtype.js';
import { mapUnary } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';

const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/**
 * float -> int32. Finite in-range values truncate toward zero (C, TF). C leaves NaN and
 * out-of-range values undefined; kiln defines them as Rust's `as` and XLA's convert do:
 * NaN -> 0, and values beyond the int32 range (±Inf included) saturate to INT32_MAX / INT32_MIN.
 * Generated code must emit the same clamp rather than a bare C cast.
 */
export function floatToInt32(x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x >= INT32_MAX) return INT32_MAX;
  if (x <= INT32_MIN) return INT32_MIN;
  return Math.trunc(x);
}

function converter(from: DType, to: DType): (x: number) => number {
  if (to === 'bool') return (x) => +(x !== 0); // NaN != 0, so NaN -> true (C, TF)
  if (to === 'int32' && from === 'float32') return floatToInt32;
  return (x) => x; // int32/bool -> float32 exact (in float64), bool -> int32 as 0/1, same dtype
}

registerOp<{ dtype: DType }>({
  name: 'Cast',
  apiName: 'cast',
  kind: 'elementwise',
  infer: ([x], attrs) => {
    if (!isDType(attrs.dtype)) {
      throw new InferenceError(`dtype must be one of ${DTYPES.join(', ')}, got ${String(attrs.dtype)}`, 'argument');
    }
    return [{ shape: x!.shape, dtype: attrs.dtype }];
  },
  evaluate: ([x], attrs) => [mapUnary(x!, converter(x!.dtype, attrs.dtype), attrs.dtype)],
  // Only a float -> float cast passes the gradient through (as identity). A cast to int32/bool
  // has no float output to receive a gradient, and an int32/bool input takes none.
  gradient: (ctx, [dy]) => [ctx.inputs[0]!.dtype === 'float32' && ctx.attrs.dtype === 'float32' ? dy : undefined],
});

/**
 * Converts `x` to `dtype` elementwise (TF's `tf.cast`); the shape is unchanged.
 * - float32 -> int32: truncation toward zero; NaN -> 0; beyond the int32 range (±Inf included)
 *   saturates to 2147483647 / -2147483648 (C leaves these undefined; kiln follows Rust's `as`).
 * - anything -> bool: `x != 0` (so NaN -> true, as in C and TF).
 * - bool -> float32/int32: 0 or 1; int32 -> float32: the nearest float32.
 * Gradient: identity for float32 -> float32; none through casts to int32/bool, and none to an
 * int32/bool input (TF's `_CastGrad`).
 * @param dtype 'float32' | 'int32' | 'bool'
 * @example kiln.cast(kiln.equal(labels, predictions), 'float32') // accuracy mask, [?] float32
 * @throws InvalidArgumentError for an unknown dtype
 */
export function cast(x: TensorLike, dtype: DType, name?: string): Tensor {
  return apply('Cast', [toTensor(x)], { dtype }, name);
}
