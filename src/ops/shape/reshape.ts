import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { NDArray } from '../../graph/ndarray.js';
import { formatShape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { toTensor, type TensorLike } from '../constant.js';
import { reshapeLike } from '../like.js';
import { checkIntList, staticSize } from './util.js';

interface ReshapeAttrs {
  [k: string]: unknown;
  /** Target shape; at most one -1 (inferred from the size). */
  shape: readonly number[];
}

/** Resolves the -1 of `target` for an input of `size` elements (null: size unknown). */
function resolve(target: readonly number[], size: number | null, from: string): (number | null)[] {
  const inferred = target.indexOf(-1);
  const known = target.reduce((acc, d) => (d === -1 ? acc : acc * d), 1);
  const mismatch = (): InferenceError =>
    new InferenceError(`cannot reshape ${from} (${size} elements) to ${formatShape(target.map((d) => (d === -1 ? -1 : d)))}`);
  if (inferred < 0) {
    if (size !== null && size !== known) throw mismatch();
    return [...target];
  }
  if (size === null) return target.map((d) => (d === -1 ? null : d));
  if (known === 0 ? size !== 0 : size % known !== 0) throw mismatch();
  // With a zero in the other dims, TF resolves -1 to 0 only when that is the sole possibility; use 0.
  return target.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
}

registerOp<ReshapeAttrs>({
  name: 'Reshape',
  apiName: 'reshape',
  kind: 'injective',
  infer: ([x], attrs) => {
    const target = checkIntList(attrs.shape, 'shape', (d) => d >= -1);
    if (target.filter((d) => d === -1).length > 1) {
      throw new InferenceError(`shape ${formatShape(target)} has more than one -1 (reshaping ${formatShape(x!.shape)})`, 'argument');
    }
    const size = staticSize(x!.shape);
    if (size === null && !target.includes(-1)) {
      // The known dims of x must divide the target size whatever the unknown ones turn out to be.
      const knownPart = x!.shape.reduce<number>((acc, d) => acc * (d ?? 1), 1);
      const want = target.reduce((acc, d) => acc * d, 1);
      if (knownPart !== 0 && want % knownPart !== 0) {
        throw new InferenceError(`cannot reshape ${formatShape(x!.shape)} to ${formatShape(target)}: ${want} elements is not a multiple of ${knownPart}`);
      }
    }
    return [{ shape: resolve(target, size, formatShape(x!.shape)), dtype: x!.dtype }];
  },
  evaluate: ([x], attrs) => {
    const shape = resolve(attrs.shape, x!.size, formatShape(x!.shape)) as number[];
    return [new NDArray(x!.data, shape, x!.dtype)];
  },
  gradient: (ctx, [dy]) => [reshapeLike(dy!, ctx.inputs[0]!)],
});

/**
 * `x` with a new shape and the same elements in row-major order (TF's `tf.reshape`); any dtype.
 * One entry of `shape` may be -1: it is inferred from the size. When `x` has an unknown dim, a
 * -1 resolves at run time (its static dim is `null`), and a shape without -1 is checked at run
 * time against the actual size.
 * Gradient: dy reshaped back to x's shape (`reshapeLike`).
 * @param shape non-negative integers and at most one -1
 * @example kiln.reshape(x, [-1, 784]) // [?,28,28] -> [?,784]
 * @throws InvalidArgumentError for more than one -1 or a dim below -1;
 *   ShapeError when the sizes differ (at build time if known, else at run time)
 */
export function reshape(x: TensorLike, shape: readonly number[], name?: string): Tensor {
  return apply('Reshape', [toTensor(x)], { shape: Array.isArray(shape) ? [...shape] : shape }, name);
}
