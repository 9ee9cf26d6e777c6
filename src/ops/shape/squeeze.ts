import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { NDArray } from '../../graph/ndarray.js';
import { formatShape, normAxis, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { toTensor, type TensorLike } from '../constant.js';
import { reshapeLike } from '../like.js';

interface SqueezeAttrs {
  [k: string]: unknown;
  /** The axes removed (the user function fills in the static size-1 dims when none are given). */
  axes: readonly number[];
}

/** Normalized axes to drop; each must be 1 (or unknown, in a static shape). */
function squeezeAxes(shape: Shape, axes: unknown): Set<number> {
  if (!Array.isArray(axes) || axes.some((a) => typeof a !== 'number')) {
    throw new InferenceError(`axis must be an integer or a list of integers, got ${JSON.stringify(axes)}`, 'argument');
  }
  const set = new Set((axes as number[]).map((a) => normAxis(a, shape.length)));
  for (const a of set) {
    const d = shape[a];
    if (d !== 1 && d !== null) {
      throw new InferenceError(`cannot squeeze axis ${a} of size ${d} (input ${formatShape(shape)}): only size-1 dims can be squeezed`);
    }
  }
  return set;
}

registerOp<SqueezeAttrs>({
  name: 'Squeeze',
  apiName: 'squeeze',
  kind: 'injective',
  infer: ([x], attrs) => {
    const drop = squeezeAxes(x!.shape, attrs.axes);
    return [{ shape: x!.shape.filter((_, i) => !drop.has(i)), dtype: x!.dtype }];
  },
  evaluate: ([x], attrs) => {
    const drop = squeezeAxes(x!.shape, attrs.axes);
    return [new NDArray(x!.data, x!.shape.filter((_, i) => !drop.has(i)), x!.dtype)];
  },
  gradient: (ctx, [dy]) => [reshapeLike(dy!, ctx.inputs[0]!)],
});

/**
 * Removes dims of size 1 (TF's `tf.squeeze`); any dtype.
 * Without `axis`, removes every dim statically known to be 1 (unknown dims are kept, so the
 * output rank is fixed at build time). With `axis`, removes exactly those dims: each must be 1;
 * an unknown dim is allowed and checked at run time.
 * Gradient: dy reshaped back to x's shape.
 * @param axis one axis or a list, each in `[-rank, rank)`
 * @example kiln.squeeze(x, 1) // [?,1,3] -> [?,3]
 * @throws InvalidArgumentError for an axis out of range; ShapeError when a squeezed dim is not 1
 *   (at run time for an unknown dim)
 */
export function squeeze(x: TensorLike, axis?: number | readonly number[], name?: string): Tensor {
  const t = toTensor(x);
  const axes =
    axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : typeof axis === 'number' ? [axis] : Array.isArray(axis) ? [...axis] : axis;
  return apply('Squeeze', [t], { axes }, name);
}
