/**
 * Helpers shared by the unary op files (not exported from the op set): zeros for gradients
 * that vanish, attr checks, and the registration of TF-style elementwise gradient ops
 * (`ReluGrad(dy, x)` and kin) whose two inputs have one shape.
 */
import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type Attrs, type GradContext, type TensorSpec } from '../../graph/op_def.js';
import { InferenceError } from '../../graph/errors.js';
import { formatShape } from '../../graph/shape.js';
import type { NDArray } from '../../graph/ndarray.js';
import { zerosValue } from '../../interpreter/values.js';
import { constant } from '../constant.js';
import { broadcastLike } from '../like.js';

/** Zeros of `x`'s shape and dtype (works when `x`'s shape holds unknown dims). */
export function zerosLike(x: Tensor): Tensor {
  return broadcastLike(constant(0, { dtype: x.dtype, graph: x.graph }), x);
}

/** Throws unless `value` is a finite number; `what` names the attr in the message. */
export function checkFiniteAttr(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InferenceError(`${what} must be a finite number, got ${String(value)}`, 'argument');
  }
}

/** Throws unless `x` is float32 (the op has no int32 or bool version); `what` names the input. */
export function checkFloat(x: TensorSpec, what?: string): void {
  if (x.dtype !== 'float32') throw new InferenceError(`expected ${what ? what + ' ' : ''}float32, got ${x.dtype}`, 'dtype');
}

/** Infers `[dy, x] -> dy's spec` for a gradient op: both float32, shapes equal where known. */
function inferSameShape([dy, x]: readonly TensorSpec[]): TensorSpec[] {
  checkFloat(dy!, 'dy');
  checkFloat(x!, 'x');
  const a = dy!.shape;
  const b = x!.shape;
  if (a.length !== b.length || a.some((d, i) => d !== null && b[i] !== null && d !== b[i])) {
    throw new InferenceError(`dy and x must have one shape, got dy ${formatShape(a)} and x ${formatShape(b)}`);
  }
  return [{ shape: a.map((d, i) => d ?? b[i]!), dtype: 'float32' }];
}

/** The builder of a gradient op: `Name(dy, x)` with attrs. */
export type GradOp<A extends Attrs> = (dy: Tensor, x: Tensor, attrs: A) => Tensor;

export interface GradOpSpec<A extends Attrs> {
  name: string;
  /** dL/dx for one element, from dy, x and the attrs (float64). */
  f: (dy: number, x: number, attrs: A) => number;
  /** Gradients of the gradient op w.r.t. (dy, x), for second derivatives. */
  grad: (ctx: GradContext<A>, ddx: Tensor) => [Tensor | undefined, Tensor | undefined];
  checkAttrs?: (attrs: A) => void;
}

/**
 * Registers an elementwise gradient op `Name(dy, x)` and returns its builder. Such ops exist
 * (as in TF) where the derivative branches on x: one fusable kernel instead of a
 * compare + select chain.
 */
export function defineGradOp<A extends Attrs>(spec: GradOpSpec<A>): GradOp<A> {
  registerOp<A>({
    name: spec.name,
    apiName: spec.name.charAt(0).toLowerCase() + spec.name.slice(1),
    kind: 'elementwise',
    infer: (inputs, attrs) => {
      spec.checkAttrs?.(attrs);
      return inferSameShape(inputs);
    },
    evaluate: ([dy, x], attrs) => {
      if (dy!.shape.length !== x!.shape.length || dy!.shape.some((d, i) => d !== x!.shape[i])) {
        throw new InferenceError(`dy and x must have one shape, got dy [${dy!.shape}] and x [${x!.shape}]`);
      }
      const out: NDArray = zerosValue('float32', dy!.shape);
      const g = dy!.data;
      const xs = x!.data;
      for (let i = 0; i < g.length; i++) out.data[i] = spec.f(g[i]!, xs[i]!, attrs);
      return [out];
    },
    gradient: (ctx, [ddx]) => spec.grad(ctx, ddx!),
  });
  return (dy, x, attrs) => apply(spec.name, [dy, x], attrs);
}
