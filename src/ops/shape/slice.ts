import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { formatShape, isFullyDefined, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { checkIntList, copyBlock } from './util.js';
import { sliceGrad } from './slice_grad.js';
import { pad } from './pad.js';

interface SliceAttrs {
  [k: string]: unknown;
  begin: readonly number[];
  /** -1 means "to the end of the dim". */
  size: readonly number[];
}

/** The output shape of a slice of `shape` (unknown dims allowed), validating begin and size. */
function sliceShape(shape: Shape, attrs: SliceAttrs): (number | null)[] {
  const begin = checkIntList(attrs.begin, 'begin', (d) => d >= 0);
  const size = checkIntList(attrs.size, 'size', (d) => d >= -1);
  if (begin.length !== shape.length || size.length !== shape.length) {
    throw new InferenceError(
      `begin ${JSON.stringify(begin)} and size ${JSON.stringify(size)} must have one entry per dim of input ${formatShape(shape)}`,
      'argument',
    );
  }
  return shape.map((d, i) => {
    const b = begin[i]!;
    const s = size[i]!;
    if (d === null) return s === -1 ? null : s;
    const end = s === -1 ? d : b + s;
    if (b > d || end > d) {
      throw new InferenceError(
        `begin ${JSON.stringify(begin)} with size ${JSON.stringify(size)} is out of bounds for input ${formatShape(shape)}: dim ${i} has size ${d}, the slice needs [${b}, ${end})`,
      );
    }
    return end - b;
  });
}

registerOp<SliceAttrs>({
  name: 'Slice',
  apiName: 'slice',
  kind: 'injective',
  infer: ([x], attrs) => [{ shape: sliceShape(x!.shape, attrs), dtype: x!.dtype }],
  evaluate: ([x], attrs) => {
    const shape = sliceShape(x!.shape, attrs) as number[];
    const out = zerosValue(x!.dtype, shape);
    copyBlock(x!.data, x!.shape, attrs.begin, out.data, shape, shape.map(() => 0), shape);
    return [out];
  },
  gradient: (ctx, [dy]) => {
    const x = ctx.inputs[0]!;
    const y = ctx.outputs[0]!;
    const { begin } = ctx.attrs;
    // With static shapes the gradient is a plain pad (which the fusion pass knows); otherwise
    // the padding after each slice is known only at run time.
    if (isFullyDefined(x.shape) && isFullyDefined(y.shape)) {
      const xs = x.shape;
      const ys = y.shape;
      return [pad(dy!, begin.map((b, i) => [b, xs[i]! - b - ys[i]!] as [number, number]))];
    }
    return [sliceGrad(dy!, x, begin)];
  },
});

/**
 * The block of `x` starting at `begin` with extent `size` (TF's `tf.slice`); any dtype.
 * A size of -1 takes the rest of the dim. With an unknown dim, a size of -1 gives an unknown
 * output dim and the bounds are checked at run time.
 * Gradient: dy padded with zeros back to x's shape (`pad`, or the internal `SliceGrad` when
 * x has unknown dims).
 * @param begin one non-negative start per dim
 * @param size one extent per dim, -1 = to the end
 * @example kiln.slice(x, [0, 1], [-1, 2]) // [?,5] -> [?,2]
 * @throws InvalidArgumentError for begin/size of the wrong length or negative values;
 *   ShapeError when the slice is out of bounds (at run time for unknown dims)
 */
export function slice(x: TensorLike, begin: readonly number[], size: readonly number[], name?: string): Tensor {
  return apply('Slice', [toTensor(x)], { begin: Array.isArray(begin) ? [...begin] : begin, size: Array.isArray(size) ? [...size] : size }, name);
}
