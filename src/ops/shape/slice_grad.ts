/**
 * Internal gradient ops of slice and pad for shapes holding unknown dims, where the static
 * paddings (or sizes) of a plain pad (or slice) are not known until run time:
 * - `SliceGrad(dy, like)`: zeros of like's shape with dy placed at `begin` (the gradient of slice);
 * - `PadGrad(dy, like)`: the block of dy at `begin` with like's shape (the gradient of pad).
 * Each is the other's gradient. The `like` input is used for its shape only.
 */
import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type TensorSpec } from '../../graph/op_def.js';
import { formatShape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { zerosValue } from '../../interpreter/values.js';
import { checkIntList, copyBlock } from './util.js';

interface BeginAttrs {
  [k: string]: unknown;
  begin: readonly number[];
}

/** Checks that `inner` fits in `outer` at `begin` (unknown dims pass). */
function checkFits(inner: TensorSpec['shape'], outer: TensorSpec['shape'], begin: unknown): readonly number[] {
  const b = checkIntList(begin, 'begin', (d) => d >= 0);
  if (inner.length !== outer.length || b.length !== outer.length) {
    throw new InferenceError(`ranks differ: ${formatShape(inner)}, ${formatShape(outer)} and begin ${JSON.stringify(b)}`);
  }
  inner.forEach((d, i) => {
    const o = outer[i];
    if (d !== null && o !== null && o !== undefined && b[i]! + d > o) {
      throw new InferenceError(`block ${formatShape(inner)} at ${JSON.stringify(b)} does not fit in ${formatShape(outer)}`);
    }
  });
  return b;
}

registerOp<BeginAttrs>({
  name: 'SliceGrad',
  apiName: 'sliceGrad',
  kind: 'injective',
  shapeOnlyInputs: [1],
  infer: ([dy, like], attrs) => {
    checkFits(dy!.shape, like!.shape, attrs.begin);
    return [{ shape: like!.shape, dtype: dy!.dtype }];
  },
  evaluate: ([dy, like], attrs) => {
    checkFits(dy!.shape, like!.shape, attrs.begin);
    const out = zerosValue(dy!.dtype, like!.shape);
    copyBlock(dy!.data, dy!.shape, dy!.shape.map(() => 0), out.data, out.shape, attrs.begin, dy!.shape);
    return [out];
  },
  gradient: (ctx, [ddy]) => [padGrad(ddy!, ctx.inputs[0]!, ctx.attrs.begin), undefined],
});

registerOp<BeginAttrs>({
  name: 'PadGrad',
  apiName: 'padGrad',
  kind: 'injective',
  shapeOnlyInputs: [1],
  infer: ([dy, like], attrs) => {
    checkFits(like!.shape, dy!.shape, attrs.begin);
    return [{ shape: like!.shape, dtype: dy!.dtype }];
  },
  evaluate: ([dy, like], attrs) => {
    checkFits(like!.shape, dy!.shape, attrs.begin);
    const out = zerosValue(dy!.dtype, like!.shape);
    copyBlock(dy!.data, dy!.shape, attrs.begin, out.data, out.shape, out.shape.map(() => 0), out.shape);
    return [out];
  },
  gradient: (ctx, [ddy]) => [sliceGrad(ddy!, ctx.inputs[0]!, ctx.attrs.begin), undefined],
});

/** Zeros of `like`'s shape with `dy` placed at `begin` (gradient of a slice). */
export function sliceGrad(dy: Tensor, like: Tensor, begin: readonly number[]): Tensor {
  return apply('SliceGrad', [dy, like], { begin: [...begin] });
}

/** The block of `dy` at `begin` with `like`'s shape (gradient of a pad). */
export function padGrad(dy: Tensor, like: Tensor, begin: readonly number[]): Tensor {
  return apply('PadGrad', [dy, like], { begin: [...begin] });
}
