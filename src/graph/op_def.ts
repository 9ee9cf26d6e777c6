import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import type { NDArray } from './ndarray.js';
import type { Operation, Tensor } from './graph.js';

/**
 * How the fusion pass may group an op (TVM's op patterns, plus kiln's own):
 * - `elementwise`: out[i] depends on in[i] only (same shape);
 * - `broadcast`: out[i] depends on in[f(i)] for a broadcast/index map (binary ops with NumPy broadcasting);
 * - `injective`: a pure re-indexing (reshape, transpose, slice, pad, concat, gather);
 * - `reduction`: reduces over some axes;
 * - `matmul`, `conv`, `pool`: library-backed or windowed kernels that accept an epilogue;
 * - `opaque`: computed by its own kernel, never fused;
 * - `stateful`: reads or writes variables; `random`: draws random numbers (never folded or merged);
 * - `source`: placeholders and constants.
 */
export type FusionKind =
  | 'elementwise'
  | 'broadcast'
  | 'injective'
  | 'reduction'
  | 'matmul'
  | 'conv'
  | 'pool'
  | 'opaque'
  | 'stateful'
  | 'random'
  | 'source';

export type Attrs = Record<string, unknown>;

/** Static type of a tensor: shape (with `null` for unknown dims) and dtype. */
export interface TensorSpec {
  shape: Shape;
  dtype: DType;
}

/** Context handed to an op's reference evaluator. */
export interface EvalContext {
  /** The node being evaluated. */
  op: Operation;
  /** The run's index within its session (random ops draw new numbers each run). */
  runIndex: number;
  /** Variable storage: reads see the values at the start of the run. */
  readVariable(variable: Operation): NDArray;
  /** Stages a variable update, applied when the whole run has succeeded. */
  writeVariable(variable: Operation, value: NDArray): void;
}

/** Context handed to an op's gradient function. */
export interface GradContext<A extends Attrs = Attrs> {
  op: Operation;
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
  attrs: A;
}

/**
 * Everything kiln knows about a primitive op. Values handed to `evaluate` hold floats as
 * Float64Array (the interpreter computes in float64), int32 as Int32Array and bool as Uint8Array.
 */
export interface OpDef<A extends Attrs = Attrs> {
  /** Op type, TF-style PascalCase (`MatMul`); also the default node name. */
  name: string;
  /** The user-facing function name used in error messages (`matmul`). */
  apiName: string;
  kind: FusionKind;
  /** Output specs from input specs; throw InferenceError with a message relative to the op. */
  infer(inputs: readonly TensorSpec[], attrs: A): TensorSpec[];
  /** Reference evaluator (float64 for float tensors). */
  evaluate(inputs: readonly NDArray[], attrs: A, ctx: EvalContext): NDArray[];
  /**
   * Gradient w.r.t. each input, built from graph ops, given the gradient w.r.t. each output
   * (`undefined` where an output has none). Absent: the op is not differentiable (an error if
   * a float gradient must flow through it).
   */
  gradient?(ctx: GradContext<A>, dys: readonly (Tensor | undefined)[]): (Tensor | undefined)[];
  /**
   * Inputs whose shape, not value, is used (the `like` input of ReshapeLike...): a list of
   * indices, or a predicate for variadic ops. Read it through `isShapeOnlyInput`.
   */
  shapeOnlyInputs?: readonly number[] | ((index: number) => boolean);
}

/** Is input `index` of an op of this definition read for its shape only? */
export function isShapeOnlyInput(def: OpDef<any>, index: number): boolean {
  const s = def.shapeOnlyInputs;
  if (!s) return false;
  return typeof s === 'function' ? s(index) : s.includes(index);
}

const registry = new Map<string, OpDef<Attrs>>();

/** Registers an op definition; op type names are unique. */
export function registerOp<A extends Attrs>(def: OpDef<A>): OpDef<A> {
  if (registry.has(def.name)) throw new Error(`op '${def.name}' is registered twice`);
  registry.set(def.name, def as unknown as OpDef<Attrs>);
  return def;
}

export function getOpDef(name: string): OpDef<Attrs> {
  const def = registry.get(name);
  if (!def) throw new Error(`unknown op type '${name}'`);
  return def;
}

export function registeredOps(): string[] {
  return [...registry.keys()].sort();
}
