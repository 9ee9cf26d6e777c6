import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { formatShape, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { copyBlock } from './util.js';
import { padGrad } from './slice_grad.js';
import { slice } from './slice.js';

interface PadAttrs {
  [k: string]: unknown;
  paddings: readonly (readonly [number, number])[];
  constantValue: number;
}

function padShape(shape: Shape, attrs: PadAttrs): (number | null)[] {
  const p = attrs.paddings;
  const ok =
    Array.isArray(p) &&
    p.length === shape.length &&
    p.every((e) => Array.isArray(e) && e.length === 2 && e.every((v) => Number.isInteger(v) && v >= 0));
  if (!ok) {
    throw new InferenceError(
      `paddings must be ${shape.length} pairs [before, after] of non-negative integers for input ${formatShape(shape)}, got ${JSON.stringify(p)}`,
      'argument',
    );
  }
  if (typeof attrs.constantValue !== 'number') {
    throw new InferenceError(`constantValue must be a number, got ${JSON.stringify(attrs.constantValue)}`, 'argument');
  }
  return shape.map((d, i) => (d === null ? null : d + p[i]![0] + p[i]![1]));
}

registerOp<PadAttrs>({
  name: 'Pad',
  apiName: 'pad',
  kind: 'injective',
  infer: ([x], attrs) => [{ shape: padShape(x!.shape, attrs), dtype: x!.dtype }],
  evaluate: ([x], attrs) => {
    const shape = padShape(x!.shape, attrs) as number[];
    const out = zerosValue(x!.dtype, shape);
    const c = attrs.constantValue;
    if (c !== 0) out.data.fill(x!.dtype === 'int32' ? Math.trunc(c) : x!.dtype === 'bool' ? (c ? 1 : 0) : c);
    copyBlock(x!.data, x!.shape, x!.shape.map(() => 0), out.data, shape, attrs.paddings.map((e) => e[0]), x!.shape);
    return [out];
  },
  gradient: (ctx, [dy]) => {
    const x = ctx.inputs[0]!;
    const { paddings } = ctx.attrs;
    const begin = paddings.map((e) => e[0]);
    // A plain slice works unless an unknown dim has padding after it (its end is not static).
    if (x.shape.every((d, i) => d !== null || paddings[i]![1] === 0)) {
      return [slice(dy!, begin, x.shape.map((d) => d ?? -1))];
    }
    return [padGrad(dy!, x, begin)];
  },
});

/**
 * Pads `x` with `constantValue` (TF's `tf.pad`, CONSTANT mode); any dtype (the value is
 * truncated for int32, nonzero is true for bool). `paddings[i] = [before, after]` adds that many
 * elements before and after dim i; an unknown dim stays unknown.
 * Gradient: the slice of dy where x sits (no gradient for the constant).
 * @param paddings one `[before, after]` pair of non-negative integers per dim
 * @param constantValue the fill value, default 0
 * @example kiln.pad(images, [[0, 0], [2, 2], [2, 2], [0, 0]]) // [?,28,28,1] -> [?,32,32,1]
 * @throws InvalidArgumentError for paddings of the wrong length or negative values
 */
export function pad(
  x: TensorLike,
  paddings: readonly (readonly [number, number])[] | readonly (readonly number[])[],
  constantValue: number | boolean = 0,
  name?: string,
): Tensor {
  const p = Array.isArray(paddings) ? paddings.map((e) => (Array.isArray(e) ? [...e] : e)) : paddings;
  const c = typeof constantValue === 'boolean' ? (constantValue ? 1 : 0) : constantValue;
  return apply('Pad', [toTensor(x)], { paddings: p, constantValue: c }, name);
}
