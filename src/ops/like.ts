/**
 * Internal ops whose output shape comes from another tensor (the `like` input, used for its
 * shape only). Gradients need them because shapes may hold `null` until run time: the gradient
 * of a broadcast is a sum back to the input's shape, whatever the batch size turns out to be.
 * After a session specializes shapes, the passes rewrite them to their static forms.
 */
import { apply, type Tensor } from '../graph/graph.js';
import { registerOp, type TensorSpec } from '../graph/op_def.js';
import { NDArray } from '../graph/ndarray.js';
import { formatShape, sizeOf, broadcastShapes } from '../graph/shape.js';
import { InferenceError } from '../graph/errors.js';
import { broadcastIndex, zerosValue } from '../interpreter/values.js';

/** Can `from` broadcast to `to` (NumPy rules, unknown dims allowed)? */
function checkBroadcastTo(from: TensorSpec['shape'], to: TensorSpec['shape']): void {
  let ok = from.length <= to.length;
  if (ok) {
    try {
      const b = broadcastShapes(from, to);
      ok = b.every((d, i) => to[i] === null || d === null || d === to[i]);
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new InferenceError(`shape ${formatShape(from)} cannot broadcast to ${formatShape(to)}`);
}

/** Sums `x` over broadcast dims so the result has `shape` (inverse of broadcasting). */
export function sumToShapeValue(x: NDArray, shape: readonly number[]): NDArray {
  const out = zerosValue(x.dtype, shape);
  const idx = broadcastIndex(shape, x.shape);
  const src = x.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) dst[idx[i]!] += src[i]!;
  return out;
}

/** Broadcasts `x` to `shape`. */
export function broadcastToValue(x: NDArray, shape: readonly number[]): NDArray {
  const out = zerosValue(x.dtype, shape);
  const idx = broadcastIndex(x.shape, shape);
  const src = x.data;
  const dst = out.data;
  for (let i = 0; i < dst.length; i++) dst[i] = src[idx[i]!]!;
  return out;
}

registerOp({
  name: 'SumToLike',
  apiName: 'sumToLike',
  kind: 'reduction',
  shapeOnlyInputs: [1],
  infer: ([x, like]) => {
    checkBroadcastTo(like!.shape, x!.shape);
    return [{ shape: like!.shape, dtype: x!.dtype }];
  },
  evaluate: ([x, like]) => [sumToShapeValue(x!, like!.shape)],
  gradient: (ctx, [dy]) => [broadcastLike(dy!, ctx.inputs[0]!), undefined],
});

registerOp({
  name: 'BroadcastLike',
  apiName: 'broadcastLike',
  kind: 'broadcast',
  shapeOnlyInputs: [1],
  infer: ([x, like]) => {
    checkBroadcastTo(x!.shape, like!.shape);
    return [{ shape: like!.shape, dtype: x!.dtype }];
  },
  evaluate: ([x, like]) => [broadcastToValue(x!, like!.shape)],
  gradient: (ctx, [dy]) => [sumToLike(dy!, ctx.inputs[0]!), undefined],
});

registerOp({
  name: 'ReshapeLike',
  apiName: 'reshapeLike',
  kind: 'injective',
  shapeOnlyInputs: [1],
  infer: ([x, like]) => {
    const a = x!.shape;
    const b = like!.shape;
    if (a.every((d) => d !== null) && b.every((d) => d !== null) && sizeOf(a as number[]) !== sizeOf(b as number[])) {
      throw new InferenceError(`cannot reshape ${formatShape(a)} to ${formatShape(b)}`);
    }
    return [{ shape: b, dtype: x!.dtype }];
  },
  evaluate: ([x, like]) => {
    if (x!.size !== like!.size) throw new InferenceError(`cannot reshape [${x!.shape}] to [${like!.shape}]`);
    return [new NDArray(x!.data, like!.shape, x!.dtype)];
  },
  gradient: (ctx, [dy]) => [reshapeLike(dy!, ctx.inputs[0]!), undefined],
});

registerOp<{ axes: readonly number[] | null }>({
  name: 'ReduceSize',
  apiName: 'reduceSize',
  kind: 'source',
  shapeOnlyInputs: [0],
  infer: () => [{ shape: [], dtype: 'float32' }],
  evaluate: ([x], attrs) => {
    const axes = attrs.axes ?? x!.shape.map((_, i) => i);
    const n = axes.reduce((acc, a) => acc * x!.shape[a]!, 1);
    return [new NDArray(Float64Array.of(n), [], 'float32')];
  },
});

/** Sum of `x` back to the shape of `like` (the gradient of broadcasting `like` to `x`). */
export function sumToLike(x: Tensor, like: Tensor): Tensor {
  if (like.shape.length === x.shape.length && like.shape.every((d, i) => d !== null && d === x.shape[i])) return x;
  return apply('SumToLike', [x, like], {});
}

/** `x` broadcast to the shape of `like`. */
export function broadcastLike(x: Tensor, like: Tensor): Tensor {
  if (like.shape.length === x.shape.length && like.shape.every((d, i) => d !== null && d === x.shape[i])) return x;
  return apply('BroadcastLike', [x, like], {});
}

/** `x` reshaped to the shape of `like` (same number of elements). */
export function reshapeLike(x: Tensor, like: Tensor): Tensor {
  if (like.shape.length === x.shape.length && like.shape.every((d, i) => d !== null && d === x.shape[i])) return x;
  return apply('ReshapeLike', [x, like], {});
}

/** The number of elements of `x` over `axes` (all if omitted) as a float32 scalar, known at run time. */
export function reduceSize(x: Tensor, axes?: readonly number[]): Tensor {
  return apply('ReduceSize', [x], { axes: axes ? [...axes] : null });
}
