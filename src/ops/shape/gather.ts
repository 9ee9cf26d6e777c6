import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type TensorSpec } from '../../graph/op_def.js';
import { formatShape, normAxis, sizeOf } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { zerosValue } from '../../interpreter/values.js';
import type { NDArray } from '../../graph/ndarray.js';
import { toTensor, type TensorLike } from '../constant.js';

interface GatherAttrs {
  [k: string]: unknown;
  axis: number;
}

function checkInputs(params: TensorSpec, indices: TensorSpec, axisAttr: unknown): number {
  if (indices.dtype !== 'int32') throw new InferenceError(`indices must be int32, got ${indices.dtype}`, 'dtype');
  if (params.shape.length === 0) throw new InferenceError('params must have rank >= 1, got a scalar');
  if (typeof axisAttr !== 'number') throw new InferenceError(`axis must be an integer, got ${JSON.stringify(axisAttr)}`, 'argument');
  return normAxis(axisAttr, params.shape.length);
}

/** `indices[i,j] = 5 is not in [0, 3)` (TF's wording), for the flat position `flat`. */
function outOfRange(indices: NDArray, flat: number, n: number): InferenceError {
  const pos: number[] = [];
  let rem = flat;
  for (let d = indices.shape.length - 1; d >= 0; d--) {
    pos.unshift(rem % indices.shape[d]!);
    rem = Math.floor(rem / indices.shape[d]!);
  }
  return new InferenceError(`indices[${pos.join(',')}] = ${indices.data[flat]} is not in [0, ${n})`, 'argument');
}

/**
 * Checks every index against the axis size, then for each (outer, index) pair calls
 * `f(paramsOffset, outOffset)` at the start of a run of `inner` contiguous elements.
 */
function forEachRun(paramsShape: readonly number[], axis: number, indices: NDArray, f: (p: number, o: number) => void): void {
  const n = paramsShape[axis]!;
  const outer = sizeOf(paramsShape.slice(0, axis));
  const inner = sizeOf(paramsShape.slice(axis + 1));
  const k = indices.size;
  for (let j = 0; j < k; j++) {
    const ix = indices.data[j]!;
    if (ix < 0 || ix >= n) throw outOfRange(indices, j, n);
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) f((o * n + indices.data[j]!) * inner, (o * k + j) * inner);
  }
}

function gatherShape<D>(params: readonly D[], indices: readonly D[], axis: number): D[] {
  return [...params.slice(0, axis), ...indices, ...params.slice(axis + 1)];
}

registerOp<GatherAttrs>({
  name: 'GatherV2',
  apiName: 'gather',
  kind: 'injective',
  infer: ([params, indices], attrs) => {
    const axis = checkInputs(params!, indices!, attrs.axis);
    return [{ shape: gatherShape(params!.shape, indices!.shape, axis), dtype: params!.dtype }];
  },
  evaluate: ([params, indices], attrs) => {
    const axis = normAxis(attrs.axis, params!.rank);
    const out = zerosValue(params!.dtype, gatherShape(params!.shape, indices!.shape, axis));
    const src = params!.data;
    const dst = out.data;
    const inner = sizeOf(params!.shape.slice(axis + 1));
    forEachRun(params!.shape, axis, indices!, (p, o) => {
      for (let i = 0; i < inner; i++) dst[o + i] = src[p + i]!;
    });
    return [out];
  },
  gradient: (ctx, [dy]) => [gatherGrad(dy!, ctx.inputs[1]!, ctx.inputs[0]!, ctx.attrs.axis), undefined],
});

registerOp<GatherAttrs>({
  name: 'GatherGrad',
  apiName: 'gatherGrad',
  kind: 'opaque',
  shapeOnlyInputs: [2],
  infer: ([dy, indices, like], attrs) => {
    const axis = checkInputs(like!, indices!, attrs.axis);
    const want = gatherShape(like!.shape, indices!.shape, axis);
    const ok = dy!.shape.length === want.length && dy!.shape.every((d, i) => d === null || want[i] === null || d === want[i]);
    if (!ok) throw new InferenceError(`dy has shape ${formatShape(dy!.shape)}, expected ${formatShape(want)}`);
    return [{ shape: like!.shape, dtype: dy!.dtype }];
  },
  evaluate: ([dy, indices, like], attrs) => {
    const axis = normAxis(attrs.axis, like!.rank);
    const out = zerosValue(dy!.dtype, like!.shape);
    const src = dy!.data;
    const dst = out.data;
    const inner = sizeOf(like!.shape.slice(axis + 1));
    forEachRun(like!.shape, axis, indices!, (p, o) => {
      for (let i = 0; i < inner; i++) dst[p + i] += src[o + i]!;
    });
    return [out];
  },
  // Scatter-add is linear in dy; its adjoint is the gather.
  gradient: (ctx, [ddy]) => [gather(ddy!, ctx.inputs[1]!, ctx.attrs.axis), undefined, undefined],
});

/** Scatter-adds `dy` into zeros shaped like `params` (the gradient of gather). */
function gatherGrad(dy: Tensor, indices: Tensor, params: Tensor, axis: number): Tensor {
  return apply('GatherGrad', [dy, indices, params], { axis });
}

/**
 * Picks slices of `params` along `axis` by `indices` (TF's `tf.gather`, batch_dims = 0):
 * output shape is `params.shape[:axis] + indices.shape + params.shape[axis+1:]`; params of any
 * dtype, indices int32 of any rank.
 * Gradient w.r.t. params: dy scatter-added into zeros of params' shape (the internal
 * `GatherGrad` op; repeated indices accumulate). No gradient for indices.
 * @param axis in `[-rank, rank)` of params, default 0
 * @example kiln.gather(embeddings, tokenIds) // [1000,64] and [?,20] int32 -> [?,20,64]
 * @throws DTypeError when indices are not int32; InvalidArgumentError for a bad axis, and at
 *   run time for an index outside `[0, params.shape[axis])`, naming the index and the range
 *   (like TF on CPU; TF on GPU writes zeros instead)
 */
export function gather(params: TensorLike, indices: TensorLike, axis = 0, name?: string): Tensor {
  const p = toTensor(params);
  return apply('GatherV2', [p, toTensor(indices, 'int32', p.graph)], { axis }, name);
}
