import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { formatShape, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { toTensor, type TensorLike } from '../constant.js';
import { broadcastToValue, sumToLike } from '../like.js';
import { checkIntList } from './util.js';

interface BroadcastToAttrs {
  [k: string]: unknown;
  shape: readonly number[];
}

/** Checks NumPy broadcasting of `from` to `to` (an unknown dim of `from` passes). */
function checkBroadcast(from: Shape, toAttr: unknown): readonly number[] {
  const to = checkIntList(toAttr, 'shape', (d) => d >= 0);
  const offset = to.length - from.length;
  const ok = offset >= 0 && from.every((d, i) => d === null || d === 1 || d === to[offset + i]);
  if (!ok) throw new InferenceError(`shape ${formatShape(from)} cannot broadcast to ${formatShape(to)}`);
  return to;
}

registerOp<BroadcastToAttrs>({
  name: 'BroadcastTo',
  apiName: 'broadcastTo',
  kind: 'broadcast',
  infer: ([x], attrs) => [{ shape: checkBroadcast(x!.shape, attrs.shape), dtype: x!.dtype }],
  evaluate: ([x], attrs) => [broadcastToValue(x!, checkBroadcast(x!.shape, attrs.shape))],
  gradient: (ctx, [dy]) => [sumToLike(dy!, ctx.inputs[0]!)],
});

/**
 * `x` broadcast to `shape` by NumPy rules (TF's `tf.broadcast_to`): dims are aligned at the end,
 * and each dim of x must be 1 or equal the target's; any dtype. An unknown dim of x is checked
 * at run time.
 * Gradient: dy summed back to x's shape (`sumToLike`).
 * @param shape the target shape, non-negative integers, rank >= x's
 * @example kiln.broadcastTo(kiln.constant([1, 2, 3]), [2, 3]) // [[1,2,3],[1,2,3]]
 * @throws InvalidArgumentError for a bad shape; ShapeError when x cannot broadcast to it
 */
export function broadcastTo(x: TensorLike, shape: readonly number[], name?: string): Tensor {
  return apply('BroadcastTo', [toTensor(x)], { shape: Array.isArray(shape) ? [...shape] : shape }, name);
}
