import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { InferenceError } from '../../graph/errors.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { checkAxis, checkDtype, reducedShape, splitAxis } from './reduce_util.js';

interface ArgAttrs {
  [k: string]: unknown;
  axis: number;
}

for (const [name, apiName, better] of [
  ['ArgMax', 'argmax', (v: number, b: number) => v > b],
  ['ArgMin', 'argmin', (v: number, b: number) => v < b],
] as const) {
  registerOp<ArgAttrs>({
    name,
    apiName,
    kind: 'reduction',
    infer: ([x], attrs) => {
      checkDtype('x', x!.dtype, ['float32', 'int32']);
      const axis = checkAxis(attrs.axis, x!.shape.length);
      if (x!.shape[axis] === 0) throw new InferenceError(`axis ${attrs.axis} of x is empty (size 0)`);
      return [{ shape: reducedShape(x!.shape, [axis], false), dtype: 'int32' }];
    },
    evaluate: ([x], attrs) => {
      const axis = checkAxis(attrs.axis, x!.rank);
      const { outer, n, inner } = splitAxis(x!.shape, axis);
      if (n === 0) throw new InferenceError(`axis ${attrs.axis} of x is empty (size 0), shape [${x!.shape}]`);
      const out = zerosValue('int32', reducedShape(x!.shape, [axis], false));
      const src = x!.data;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * n * inner + i;
          let best = src[base]!;
          let at = 0;
          // Strictly better only: the first index wins ties. A NaN wins and stays (NumPy).
          for (let k = 1; k < n && !Number.isNaN(best); k++) {
            const v = src[base + k * inner]!;
            if (better(v, best) || Number.isNaN(v)) {
              best = v;
              at = k;
            }
          }
          out.data[o * inner + i] = at;
        }
      }
      return [out];
    },
  });
}

/**
 * Index of the largest element along `axis` (TF's `tf.argmax`, Keras' `K.argmax`).
 * - `x`: float32 or int32, e.g. `[batch, classes]`; output int32, `x`'s shape without `axis`.
 * - `axis`: default -1 (the last axis, as Keras' `K.argmax`; TF1's default 0 is rarely wanted).
 * Ties give the first index; a NaN counts as the largest (NumPy). No gradient (int32 output).
 * @example kiln.argmax(logits) // [batch, 10] -> int32 [batch]
 * @throws InvalidArgumentError for an axis out of range; ShapeError for an empty axis;
 *   DTypeError for bool input
 */
export function argmax(x: TensorLike, axis = -1, name?: string): Tensor {
  return apply('ArgMax', [toTensor(x)], { axis }, name);
}

/**
 * Index of the smallest element along `axis` (default -1); as `argmax` with the order reversed.
 * @example kiln.argmin(distances, 1) // [batch, k] -> int32 [batch]
 * @throws InvalidArgumentError for an axis out of range; ShapeError for an empty axis
 */
export function argmin(x: TensorLike, axis = -1, name?: string): Tensor {
  return apply('ArgMin', [toTensor(x)], { axis }, name);
}
