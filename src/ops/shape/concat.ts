import { apply, Tensor } from '../../graph/graph.js';
import { registerOp, type TensorSpec } from '../../graph/op_def.js';
import { formatShape, normAxis, sizeOf } from '../../graph/shape.js';
import { InferenceError, InvalidArgumentError } from '../../graph/errors.js';
import { zerosValue } from '../../interpreter/values.js';
import type { NDArray } from '../../graph/ndarray.js';
import { toTensor, type TensorLike } from '../constant.js';
import { broadcastLike } from '../like.js';
import { copyRows } from './util.js';
import { slice } from './slice.js';

interface ConcatAttrs {
  [k: string]: unknown;
  axis: number;
}

/** Validates the inputs of a concat; returns the normalized axis and the output shape. */
function concatShape(inputs: readonly { shape: TensorSpec['shape'] }[], axisAttr: unknown): { axis: number; shape: (number | null)[] } {
  if (inputs.length === 0) throw new InferenceError('needs at least one tensor', 'argument');
  const first = inputs[0]!.shape;
  if (first.length === 0) throw new InferenceError('cannot concatenate scalars (input 0 has shape [])');
  if (typeof axisAttr !== 'number') throw new InferenceError(`axis must be an integer, got ${JSON.stringify(axisAttr)}`, 'argument');
  const axis = normAxis(axisAttr, first.length);
  const shape: (number | null)[] = [...first];
  // Which input fixed each known dim (for the error message).
  const from = first.map(() => 0);
  let total: number | null = 0;
  inputs.forEach(({ shape: s }, i) => {
    if (s.length !== first.length) {
      throw new InferenceError(`all inputs must have the same rank: input 0 is ${formatShape(first)}, input ${i} is ${formatShape(s)}`);
    }
    s.forEach((d, k) => {
      if (k === axis) return;
      const have = shape[k]!;
      if (have !== null && d !== null && have !== d) {
        throw new InferenceError(
          `dim ${k} differs: input ${from[k]} is ${formatShape(inputs[from[k]!]!.shape)}, input ${i} is ${formatShape(s)} (concatenating along axis ${axis})`,
        );
      }
      if (have === null) {
        shape[k] = d;
        from[k] = i;
      }
    });
    total = total === null || s[axis] === null ? null : total + s[axis]!;
  });
  shape[axis] = total;
  return { axis, shape };
}

/** Splits `dy` along `axis` into pieces of the given sizes (reference evaluator). */
function split(dy: NDArray, axis: number, sizes: readonly number[]): NDArray[] {
  const outer = sizeOf(dy.shape.slice(0, axis));
  const inner = sizeOf(dy.shape.slice(axis + 1));
  const rowWidth = dy.shape[axis]! * inner;
  let offset = 0;
  return sizes.map((n) => {
    const out = zerosValue(dy.dtype, [...dy.shape.slice(0, axis), n, ...dy.shape.slice(axis + 1)]);
    copyRows(dy.data, offset, rowWidth, out.data, 0, n * inner, outer, n * inner);
    offset += n * inner;
    return out;
  });
}

registerOp<ConcatAttrs>({
  name: 'ConcatV2',
  apiName: 'concat',
  kind: 'injective',
  infer: (inputs, attrs) => {
    const dtype = inputs[0]?.dtype;
    inputs.forEach((x, i) => {
      if (x.dtype !== dtype) throw new InferenceError(`all inputs must have the same dtype: input 0 is ${dtype}, input ${i} is ${x.dtype}`, 'dtype');
    });
    return [{ shape: concatShape(inputs, attrs.axis).shape, dtype: dtype! }];
  },
  evaluate: (inputs, attrs) => {
    const { axis, shape } = concatShape(inputs, attrs.axis);
    const out = zerosValue(inputs[0]!.dtype, shape as number[]);
    const outer = sizeOf(shape.slice(0, axis) as number[]);
    const inner = sizeOf(shape.slice(axis + 1) as number[]);
    const rowWidth = shape[axis]! * inner;
    let offset = 0;
    for (const x of inputs) {
      const w = x.shape[axis]! * inner;
      copyRows(x.data, 0, w, out.data, offset, rowWidth, outer, w);
      offset += w;
    }
    return [out];
  },
  gradient: (ctx, [dy]) => {
    const xs = ctx.inputs;
    const axis = normAxis(ctx.attrs.axis, xs[0]!.rank);
    if (xs.every((x) => x.shape[axis] !== null)) {
      // Static offsets along the axis: one plain slice per input (other dims may be unknown: size -1).
      let offset = 0;
      return xs.map((x) => {
        const n = x.shape[axis]!;
        const begin = x.shape.map((_, k) => (k === axis ? offset : 0));
        offset += n;
        return slice(dy!, begin, x.shape.map((_, k) => (k === axis ? n : -1)));
      });
    }
    return ctx.op.graph.addOp('ConcatGrad', [dy!, ...xs], { axis }).outputs;
  },
});

registerOp<ConcatAttrs>({
  name: 'ConcatGrad',
  apiName: 'concatGrad',
  kind: 'opaque',
  // Inputs 1.. (the concat's inputs) are used for their shapes only.
  shapeOnlyInputs: (i) => i >= 1,
  infer: ([dy, ...xs]) => xs.map((x) => ({ shape: x.shape, dtype: dy!.dtype })),
  evaluate: ([dy, ...xs], attrs) => {
    const sizes = xs.map((x) => x.shape[attrs.axis]!);
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (sum !== dy!.shape[attrs.axis]) {
      throw new InferenceError(`pieces of sizes ${JSON.stringify(sizes)} do not add up to dim ${attrs.axis} of dy ${formatShape(dy!.shape)}`);
    }
    return split(dy!, attrs.axis, sizes);
  },
  // The pieces back together (unset pieces are zeros).
  gradient: (ctx, ddys) => [
    concat(
      ctx.outputs.map((y, i) => ddys[i] ?? broadcastLike(toTensor(0, 'float32', y.graph), y)),
      ctx.attrs.axis,
    ),
    ...ctx.outputs.map(() => undefined),
  ],
});

/**
 * Joins tensors along `axis` (TF's `tf.concat`); any dtype, all inputs alike. Inputs must have
 * the same rank and equal dims off the axis; unknown dims are allowed (checked at run time),
 * and the output's axis dim is unknown when any input's is.
 * Gradient: the slice of dy belonging to each input. Supported for every shape: plain `slice`
 * ops when the inputs' sizes along the axis are known (other dims may be unknown), else one
 * internal `ConcatGrad` op that splits dy at run time.
 * @param axis in `[-rank, rank)`
 * @example kiln.concat([a, b], 1) // [?,3] and [?,4] -> [?,7]
 * @throws InvalidArgumentError for an empty list or a bad axis; DTypeError for mixed dtypes;
 *   ShapeError for ranks or dims that differ
 */
export function concat(tensors: readonly TensorLike[], axis: number, name?: string): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new InvalidArgumentError(`concat${name ? ` '${name}'` : ''}: needs a non-empty list of tensors, got ${Array.isArray(tensors) ? '[]' : String(tensors)}`);
  }
  const ref = tensors.find((t): t is Tensor => t instanceof Tensor);
  const ts = tensors.map((t) => toTensor(t, ref?.dtype, ref?.graph));
  return apply('ConcatV2', ts, { axis }, name);
}
