import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import type { DType } from '../../graph/dtype.js';
import { formatShape, sizeOf, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { checkOptions } from '../../graph/options.js';

interface OneHotAttrs {
  [k: string]: unknown;
  depth: number;
  onValue: number;
  offValue: number;
  axis: number;
  dtype: DType;
}

/** The normalized axis of the new dim, validating the attrs. */
function checkAttrs(shape: Shape, attrs: OneHotAttrs): number {
  const rank = shape.length;
  const { depth, axis, onValue, offValue, dtype } = attrs;
  if (!Number.isInteger(depth) || depth < 0) throw new InferenceError(`depth must be a non-negative integer, got ${JSON.stringify(depth)}`, 'argument');
  if (!Number.isInteger(axis) || axis < -rank - 1 || axis > rank) {
    throw new InferenceError(`axis ${JSON.stringify(axis)} is out of range [${-rank - 1}, ${rank}] for indices ${formatShape(shape)}`, 'argument');
  }
  if (typeof onValue !== 'number' || typeof offValue !== 'number') {
    throw new InferenceError(`onValue and offValue must be numbers, got ${JSON.stringify(onValue)} and ${JSON.stringify(offValue)}`, 'argument');
  }
  if (dtype !== 'float32' && dtype !== 'int32') throw new InferenceError(`dtype must be float32 or int32, got ${JSON.stringify(dtype)}`, 'argument');
  return axis < 0 ? axis + rank + 1 : axis;
}

registerOp<OneHotAttrs>({
  name: 'OneHot',
  apiName: 'oneHot',
  kind: 'injective',
  infer: ([indices], attrs) => {
    if (indices!.dtype !== 'int32') throw new InferenceError(`indices must be int32, got ${indices!.dtype}`, 'dtype');
    const a = checkAttrs(indices!.shape, attrs);
    return [{ shape: [...indices!.shape.slice(0, a), attrs.depth, ...indices!.shape.slice(a)], dtype: attrs.dtype }];
  },
  evaluate: ([indices], attrs) => {
    const a = checkAttrs(indices!.shape, attrs);
    const { depth, onValue, offValue } = attrs;
    const shape = [...indices!.shape.slice(0, a), depth, ...indices!.shape.slice(a)];
    const out = zerosValue(attrs.dtype, shape);
    if (offValue !== 0) out.data.fill(offValue);
    // indices viewed as [outer, inner] around the new axis; out as [outer, depth, inner].
    const inner = sizeOf(indices!.shape.slice(a));
    const outer = sizeOf(indices!.shape.slice(0, a));
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const ix = indices!.data[o * inner + i]!;
        if (ix >= 0 && ix < depth) out.data[(o * depth + ix) * inner + i] = onValue;
      }
    }
    return [out];
  },
});

export interface OneHotOptions {
  /** Value where the index matches, default 1. */
  onValue?: number;
  /** Value elsewhere, default 0. */
  offValue?: number;
  /** Where the new dim of size `depth` goes, in `[-rank-1, rank]`; default -1 (last). */
  axis?: number;
  /** Output dtype, 'float32' (default) or 'int32'. */
  dtype?: DType;
  name?: string;
}

/**
 * One-hot encoding (TF's `tf.one_hot`): a new dim of size `depth` at `axis` holding `onValue`
 * at each index and `offValue` elsewhere. An index outside `[0, depth)` (negative included)
 * gives an all-`offValue` row, as in TF; it is not an error. Not differentiable (int input).
 * @param indices int32 of any shape
 * @param depth the number of classes
 * @example kiln.oneHot(labels, 10) // int32 [?] -> float32 [?,10]
 * @throws DTypeError when indices are not int32; InvalidArgumentError for a bad depth, axis,
 *   values or dtype
 */
export function oneHot(indices: TensorLike, depth: number, options: OneHotOptions = {}): Tensor {
  checkOptions('oneHot', options, ['onValue', 'offValue', 'axis', 'dtype', 'name']);
  const attrs: OneHotAttrs = {
    depth,
    onValue: options.onValue ?? 1,
    offValue: options.offValue ?? 0,
    axis: options.axis ?? -1,
    dtype: options.dtype ?? 'float32',
  };
  return apply('OneHot', [toTensor(indices, 'int32')], attrs, options.name);
}
