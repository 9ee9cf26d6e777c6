import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { formatShape, stridesOf, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';

interface TransposeAttrs {
  [k: string]: unknown;
  perm: readonly number[];
}

function checkPerm(perm: unknown, shape: Shape): readonly number[] {
  const rank = shape.length;
  const ok =
    Array.isArray(perm) &&
    perm.length === rank &&
    perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank) &&
    new Set(perm).size === rank;
  if (!ok) {
    throw new InferenceError(`perm must be a permutation of 0..${rank - 1} for input ${formatShape(shape)}, got ${JSON.stringify(perm)}`, 'argument');
  }
  return perm as number[];
}

/** The permutation that undoes `perm`. */
export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

registerOp<TransposeAttrs>({
  name: 'Transpose',
  apiName: 'transpose',
  kind: 'injective',
  infer: ([x], attrs) => {
    const perm = checkPerm(attrs.perm, x!.shape);
    return [{ shape: perm.map((p) => x!.shape[p]!), dtype: x!.dtype }];
  },
  evaluate: ([x], attrs) => {
    const perm = attrs.perm;
    const outShape = perm.map((p) => x!.shape[p]!);
    const out = zerosValue(x!.dtype, outShape);
    const inStrides = stridesOf(x!.shape);
    // Stride in the input of each output dim.
    const strides = perm.map((p) => inStrides[p]!);
    const rank = outShape.length;
    const idx = new Array<number>(rank).fill(0);
    const src = x!.data;
    const dst = out.data;
    let s = 0;
    for (let i = 0; i < dst.length; i++) {
      dst[i] = src[s]!;
      // Odometer increment of the output index, tracking the input offset.
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]!++;
        s += strides[d]!;
        if (idx[d]! < outShape[d]!) break;
        s -= strides[d]! * idx[d]!;
        idx[d] = 0;
      }
    }
    return [out];
  },
  gradient: (ctx, [dy]) => [transpose(dy!, inversePerm(ctx.attrs.perm))],
});

/**
 * Permutes the dims of `x`: `out.shape[i] = x.shape[perm[i]]` (TF's `tf.transpose`); any dtype.
 * Unknown dims move with their axis.
 * Gradient: dy transposed by the inverse permutation.
 * @param perm a permutation of `0..rank-1`; default the reversed axes
 * @example kiln.transpose(x, [0, 2, 1]) // [?,3,4] -> [?,4,3]
 * @throws InvalidArgumentError when perm is not a permutation of the input's axes
 */
export function transpose(x: TensorLike, perm?: readonly number[], name?: string): Tensor {
  const t = toTensor(x);
  const p = perm ?? Array.from({ length: t.rank }, (_, i) => t.rank - 1 - i);
  return apply('Transpose', [t], { perm: Array.isArray(p) ? [...p] : p }, name);
}
