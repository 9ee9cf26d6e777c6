/**
 * Shared pieces of the reduction ops: axis validation, the reduced shape, a generic reference
 * reducer, and `BroadcastReduced`, the internal op that spreads a reduced tensor back over the
 * axes it was reduced from (the gradient of every reduction; TF writes it as reshape + tile).
 */
import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type TensorSpec } from '../../graph/op_def.js';
import type { NDArray } from '../../graph/ndarray.js';
import type { DType } from '../../graph/dtype.js';
import { formatShape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { broadcastIndex, zerosValue } from '../../interpreter/values.js';
import type { TensorLike } from '../constant.js';

/** Attrs of the axis reductions (Sum, Max, Min, LogSumExp). `axis: null` reduces every axis. */
export interface ReduceAttrs {
  [k: string]: unknown;
  axis: readonly number[] | null;
  keepDims: boolean;
}

/** Attr form of a user axis argument: `null` for all axes, else a list (validated by infer). */
export function axisAttr(axis: number | readonly number[] | undefined | null): readonly number[] | null {
  if (axis === undefined || axis === null) return null;
  return typeof axis === 'number' ? [axis] : Array.isArray(axis) ? [...axis] : (axis as never);
}

/**
 * Validates `axis` against `rank` and returns the normalized axes, sorted. Negative axes count
 * from the end; `null`/`undefined` means all axes. Duplicates (after normalization, so `[1, -1]`
 * on rank 2 too) are rejected, as NumPy does: they almost always mean a typo.
 */
export function checkAxes(axis: unknown, rank: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list)) throw new InferenceError(`axis must be a number or an array of numbers, got ${String(axis)}`, 'argument');
  const seen = new Set<number>();
  for (const a of list as unknown[]) {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < -rank || a >= rank) {
      throw new InferenceError(`axis ${String(a)} is out of range for rank ${rank} (expected an integer in [${-rank}, ${rank - 1}])`, 'argument');
    }
    const n = a < 0 ? a + rank : a;
    if (seen.has(n)) throw new InferenceError(`axis [${list.join(',')}] names axis ${n} twice`, 'argument');
    seen.add(n);
  }
  return [...seen].sort((x, y) => x - y);
}

/** Validates a single axis (softmax, argmax) and returns it normalized. */
export function checkAxis(axis: unknown, rank: number): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InferenceError(`axis ${String(axis)} is out of range for rank ${rank} (expected an integer in [${-rank}, ${rank - 1}])`, 'argument');
  }
  return axis < 0 ? axis + rank : axis;
}

/** The shape after reducing `axes` (kept as 1s with `keepDims`). */
export function reducedShape<T extends number | null>(shape: readonly T[], axes: readonly number[], keepDims: boolean): T[] {
  const out: T[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1 as T);
  });
  return out;
}

/** Throws unless `dtype` is one of `allowed`. */
export function checkDtype(what: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype)) throw new InferenceError(`${what} must be ${allowed.join(' or ')}, got ${dtype}`, 'dtype');
}

/** Shape/dtype inference shared by Sum, Max, Min and LogSumExp. */
export function inferReduce(x: TensorSpec, attrs: ReduceAttrs, dtypes: readonly DType[]): TensorSpec[] {
  checkDtype('x', x.dtype, dtypes);
  const axes = checkAxes(attrs.axis, x.shape.length);
  return [{ shape: reducedShape(x.shape, axes, attrs.keepDims), dtype: x.dtype }];
}

/**
 * Reference reducer: folds every element of `x` into its output slot with `combine`, starting
 * from `init`, then applies `finish` to each slot. Output dtype is x's.
 */
export function reduceValue(
  x: NDArray,
  attrs: ReduceAttrs,
  init: number,
  combine: (acc: number, v: number) => number,
  finish: (acc: number) => number = (a) => a,
): NDArray {
  const axes = checkAxes(attrs.axis, x.rank);
  const kept = reducedShape(x.shape, axes, true);
  const out = zerosValue(x.dtype, reducedShape(x.shape, axes, attrs.keepDims));
  const acc = new Float64Array(out.size).fill(init);
  const idx = broadcastIndex(kept, x.shape); // x element -> its output slot
  const src = x.data;
  for (let i = 0; i < src.length; i++) acc[idx[i]!] = combine(acc[idx[i]!]!, src[i]!);
  const dst = out.data;
  const wrap = x.dtype === 'int32';
  for (let j = 0; j < acc.length; j++) {
    const v = finish(acc[j]!);
    dst[j] = wrap ? v | 0 : v;
  }
  return out;
}

/** For a single axis: the sizes before it, along it and after it (row-major). */
export function splitAxis(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  shape.forEach((d, i) => {
    if (i < axis) outer *= d;
    else if (i > axis) inner *= d;
  });
  return { outer, n: shape[axis]!, inner };
}

interface BroadcastReducedAttrs {
  [k: string]: unknown;
  axes: readonly number[];
  keepDims: boolean;
}

/**
 * `BroadcastReduced(y, like)`: `y` holds the result of reducing a tensor of `like`'s shape over
 * `axes` (with or without kept dims); the output repeats each value of `y` over those axes, so
 * it has `like`'s shape. `like` is used for its shape only, so this works with unknown dims.
 */
registerOp<BroadcastReducedAttrs>({
  name: 'BroadcastReduced',
  apiName: 'broadcastReduced',
  kind: 'broadcast',
  shapeOnlyInputs: [1],
  infer: ([y, like], attrs) => {
    const axes = checkAxes(attrs.axes, like!.shape.length);
    const want = reducedShape(like!.shape, axes, attrs.keepDims);
    const ok = want.length === y!.shape.length && want.every((d, i) => d === null || y!.shape[i] === null || d === y!.shape[i]);
    if (!ok) {
      throw new InferenceError(`reduced shape ${formatShape(y!.shape)} does not match ${formatShape(like!.shape)} reduced over [${axes}] (expected ${formatShape(want)})`);
    }
    return [{ shape: like!.shape, dtype: y!.dtype }];
  },
  evaluate: ([y, like], attrs) => {
    const kept = reducedShape(like!.shape, attrs.axes, true);
    const out = zerosValue(y!.dtype, like!.shape);
    const idx = broadcastIndex(kept, like!.shape);
    const src = y!.data;
    const dst = out.data;
    for (let i = 0; i < dst.length; i++) dst[i] = src[idx[i]!]!;
    return [out];
  },
  // Each input value was copied to every position over `axes`: its gradient is their sum.
  gradient: (ctx, [dy]) => [applySum(dy!, ctx.attrs.axes, ctx.attrs.keepDims), undefined],
});

function applySum(x: Tensor, axes: readonly number[], keepDims: boolean): Tensor {
  return apply('Sum', [x], { axis: [...axes], keepDims });
}

/**
 * Spreads `y` (the result of reducing `like` over `axes`, normalized) back to `like`'s shape.
 * Internal: used by the gradients of reductions and of the softmax family.
 */
export function broadcastReduced(y: Tensor, like: Tensor, axes: readonly number[], keepDims: boolean): Tensor {
  return apply('BroadcastReduced', [y, like], { axes: [...axes], keepDims });
}

/** Accepts `(labels, logits, name)` or `({ labels, logits, name })`. */
export function unpackXentArgs<T extends { labels: TensorLike; logits: TensorLike; name?: string }>(
  first: TensorLike | T,
  logits: TensorLike | undefined,
  name: string | undefined,
): T {
  if (logits === undefined && typeof first === 'object' && first !== null && 'logits' in first && 'labels' in first) return first as T;
  return { labels: first, logits: logits!, name } as T;
}
