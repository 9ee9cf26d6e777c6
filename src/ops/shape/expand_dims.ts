import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { NDArray } from '../../graph/ndarray.js';
import { formatShape, normAxis, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { toTensor, type TensorLike } from '../constant.js';
import { reshapeLike } from '../like.js';

interface ExpandDimsAttrs {
  [k: string]: unknown;
  axis: number;
}

function outShape<D>(shape: readonly D[], axis: unknown): D[] {
  const rank = shape.length;
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank - 1 || axis > rank) {
    throw new InferenceError(`axis ${String(axis)} is out of range [${-rank - 1}, ${rank}] for input ${formatShape(shape as Shape)}`, 'argument');
  }
  const a = normAxis(axis, rank + 1);
  return [...shape.slice(0, a), 1 as D, ...shape.slice(a)];
}

registerOp<ExpandDimsAttrs>({
  name: 'ExpandDims',
  apiName: 'expandDims',
  kind: 'injective',
  infer: ([x], attrs) => [{ shape: outShape(x!.shape, attrs.axis), dtype: x!.dtype }],
  evaluate: ([x], attrs) => [new NDArray(x!.data, outShape(x!.shape, attrs.axis), x!.dtype)],
  gradient: (ctx, [dy]) => [reshapeLike(dy!, ctx.inputs[0]!)],
});

/**
 * Inserts a dim of size 1 at `axis` (TF's `tf.expand_dims`); any dtype.
 * Gradient: dy reshaped back to x's shape.
 * @param axis in `[-rank-1, rank]`; negative counts from the end of the output (-1 appends)
 * @example kiln.expandDims(x, 1) // [?,3] -> [?,1,3]
 * @throws InvalidArgumentError for an axis out of range
 */
export function expandDims(x: TensorLike, axis: number, name?: string): Tensor {
  return apply('ExpandDims', [toTensor(x)], { axis }, name);
}
