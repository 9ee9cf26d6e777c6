/**
 * Builders for the many one-line elementwise ops: a unary op maps each element; a binary op
 * combines two inputs with NumPy broadcasting. Each op file states its formula, gradient and
 * dtype rules and calls one of these.
 */
import { apply, type Tensor } from '../graph/graph.js';
import { registerOp, type GradContext, type OpDef } from '../graph/op_def.js';
import type { DType } from '../graph/dtype.js';
import { broadcastShapes } from '../graph/shape.js';
import { InferenceError } from '../graph/errors.js';
import { mapBinary, mapUnary } from '../interpreter/values.js';
import { toTensor, toTensorPair, type TensorLike } from './constant.js';
import { sumToLike } from './like.js';

export interface UnarySpec {
  name: string;
  apiName: string;
  /** Reference formula, computed in float64 (int32 results are truncated to int32). */
  f: (x: number) => number;
  /** dL/dx from the gradient dy, the input x and the output y. */
  grad?: (dy: Tensor, x: Tensor, y: Tensor, ctx: GradContext) => Tensor;
  /** Accepted input dtypes; default float32 only. */
  dtypes?: readonly DType[];
  /** Output dtype; default the input's. */
  outDtype?: DType;
}

/** Registers a unary elementwise op and returns its user function. */
export function defineUnary(spec: UnarySpec): (x: TensorLike, name?: string) => Tensor {
  const dtypes = spec.dtypes ?? ['float32'];
  const def: OpDef = {
    name: spec.name,
    apiName: spec.apiName,
    kind: 'elementwise',
    infer: ([x]) => {
      if (!dtypes.includes(x!.dtype)) {
        throw new InferenceError(`expected ${dtypes.join(' or ')}, got ${x!.dtype}`, 'dtype');
      }
      return [{ shape: x!.shape, dtype: spec.outDtype ?? x!.dtype }];
    },
    evaluate: ([x]) => [mapUnary(x!, spec.f, spec.outDtype ?? x!.dtype)],
  };
  if (spec.grad) {
    const g = spec.grad;
    def.gradient = (ctx, [dy]) => [g(dy!, ctx.inputs[0]!, ctx.outputs[0]!, ctx)];
  }
  registerOp(def);
  return (x: TensorLike, name?: string) => apply(spec.name, [toTensor(x)], {}, name);
}

export interface BinarySpec {
  name: string;
  apiName: string;
  /** Reference formula in float64 (an int32 result is wrapped to int32 when stored). */
  f: (a: number, b: number) => number;
  /**
   * Formula for int32 inputs where `f` in float64 would not wrap like C (e.g. `Math.imul` for
   * mul: a float64 product of two int32 loses low bits before the wrap). Default `f`.
   */
  fInt?: (a: number, b: number) => number;
  /**
   * Gradients w.r.t. a and b *before* reducing broadcast dims (the builder sums them back to
   * each input's shape).
   */
  grad?: (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | undefined, Tensor | undefined];
  dtypes?: readonly DType[];
  outDtype?: DType;
}

/** Registers a broadcasting binary op and returns its user function. */
export function defineBinary(spec: BinarySpec): (a: TensorLike, b: TensorLike, name?: string) => Tensor {
  const dtypes = spec.dtypes ?? ['float32', 'int32'];
  const def: OpDef = {
    name: spec.name,
    apiName: spec.apiName,
    kind: 'broadcast',
    infer: ([a, b]) => {
      if (a!.dtype !== b!.dtype) throw new InferenceError(`dtypes differ: a is ${a!.dtype}, b is ${b!.dtype}`, 'dtype');
      if (!dtypes.includes(a!.dtype)) throw new InferenceError(`expected ${dtypes.join(' or ')}, got ${a!.dtype}`, 'dtype');
      return [{ shape: broadcastShapes(a!.shape, b!.shape), dtype: spec.outDtype ?? a!.dtype }];
    },
    evaluate: ([a, b]) => {
      const f = a!.dtype === 'int32' && spec.fInt ? spec.fInt : spec.f;
      return [mapBinary(a!, b!, f, spec.outDtype ?? a!.dtype)];
    },
  };
  if (spec.grad) {
    const g = spec.grad;
    def.gradient = (ctx, [dy]) => {
      const [a, b] = ctx.inputs as [Tensor, Tensor];
      const [da, db] = g(dy!, a, b, ctx.outputs[0]!);
      return [da && reduceToInput(da, a), db && reduceToInput(db, b)];
    };
  }
  registerOp(def);
  return (a: TensorLike, b: TensorLike, name?: string) => apply(spec.name, toTensorPair(a, b), {}, name);
}

/** Sums a gradient back to the shape of the input it belongs to. */
export function reduceToInput(grad: Tensor, input: Tensor): Tensor {
  return sumToLike(grad, input);
}

