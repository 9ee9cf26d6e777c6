import { apply, Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { InferenceError } from '../../graph/errors.js';
import { broadcastShapes, formatShape, type Shape } from '../../graph/shape.js';
import { broadcastIndex, zerosValue } from '../../interpreter/values.js';
import { constant, toTensor, type TensorLike } from '../constant.js';
import { reduceToInput } from '../elementwise_util.js';

/** Broadcast shape of condition, a and b; throws a message naming all three. */
function whereShape(c: Shape, a: Shape, b: Shape): (number | null)[] {
  try {
    return broadcastShapes(broadcastShapes(c, a), b);
  } catch {
    throw new InferenceError(
      `shapes cannot broadcast: condition ${formatShape(c)}, a ${formatShape(a)}, b ${formatShape(b)}`,
    );
  }
}

registerOp({
  name: 'Select',
  apiName: 'where',
  kind: 'broadcast',
  infer: ([c, a, b]) => {
    if (c!.dtype !== 'bool') throw new InferenceError(`condition must be bool, got ${c!.dtype}`, 'dtype');
    if (a!.dtype !== b!.dtype) throw new InferenceError(`dtypes differ: a is ${a!.dtype}, b is ${b!.dtype}`, 'dtype');
    return [{ shape: whereShape(c!.shape, a!.shape, b!.shape), dtype: a!.dtype }];
  },
  evaluate: ([c, a, b]) => {
    const shape = whereShape(c!.shape, a!.shape, b!.shape) as number[];
    const out = zerosValue(a!.dtype, shape);
    const ic = broadcastIndex(c!.shape, shape);
    const ia = broadcastIndex(a!.shape, shape);
    const ib = broadcastIndex(b!.shape, shape);
    const [dc, da, db, dst] = [c!.data, a!.data, b!.data, out.data];
    for (let i = 0; i < dst.length; i++) dst[i] = dc[ic[i]!] ? da[ia[i]!]! : db[ib[i]!]!;
    return [out];
  },
  gradient: (ctx, [dy]) => {
    const [c, a, b] = ctx.inputs as [Tensor, Tensor, Tensor];
    const zero = constant(0, { dtype: 'float32', graph: dy!.graph });
    return [undefined, reduceToInput(where(c, dy!, zero), a), reduceToInput(where(c, zero, dy!), b)];
  },
});

/**
 * Elementwise choice (TF2's `tf.where(cond, a, b)`, `numpy.where`): `a` where `condition` is
 * true, `b` elsewhere. All three broadcast together (NumPy rules), so a `[?,1]` condition with
 * `[?,3]` values, or a scalar `b`, is fine. `condition` is bool; `a` and `b` have the same dtype
 * (any), which is the output's. Plain numbers for `a`/`b` take the other value's dtype
 * (float32 when both are numbers); a plain condition becomes a bool constant.
 * Gradient (TF's SelectV2 gradient): dy goes to `a` where `condition` holds and to `b`
 * elsewhere, each summed back over its broadcast dims; `condition` gets none.
 * @example kiln.where(kiln.greater(x, 0), x, 0) // relu, [?,3]
 * @throws DTypeError for a non-bool condition or differing a/b dtypes; ShapeError when the
 *   three shapes cannot broadcast (at run time for unknown dims)
 */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike, name?: string): Tensor {
  const ref = a instanceof Tensor ? a : b instanceof Tensor ? b : undefined;
  const graph = condition instanceof Tensor ? condition.graph : ref?.graph;
  const tc = toTensor(condition, 'bool', graph);
  const ta = toTensor(a, ref?.dtype, graph);
  const tb = toTensor(b, ref?.dtype, graph);
  return apply('Select', [tc, ta, tb], {}, name);
}
