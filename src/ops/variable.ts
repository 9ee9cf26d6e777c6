import { apply, getDefaultGraph, Tensor, type Graph } from '../graph/graph.js';
import { checkOptions } from '../graph/options.js';
import { registerOp, type TensorSpec } from '../graph/op_def.js';
import { NDArray, type ArrayLike } from '../graph/ndarray.js';
import { arrayFor } from '../graph/options.js';
import type { DType } from '../graph/dtype.js';
import { formatShape, shapesEqual } from '../graph/shape.js';
import { InferenceError, InvalidArgumentError } from '../graph/errors.js';
import { getInitializer, type Initializer } from '../init/initializers.js';
import { resolveSeed, type SeedPair } from '../random/philox.js';
import { toTensor, type TensorLike } from './constant.js';
import { mapBinary } from '../interpreter/values.js';

/** Attributes of a Variable op. */
export interface VariableAttrs {
  [k: string]: unknown;
  shape: readonly number[];
  dtype: DType;
  trainable: boolean;
  /** A concrete initial value, or an initializer with its resolved Philox key. */
  init: NDArray | Initializer;
  seed: SeedPair;
}

registerOp<VariableAttrs>({
  name: 'Variable',
  apiName: 'variable',
  kind: 'stateful',
  infer: (_inputs, attrs) => [{ shape: attrs.shape, dtype: attrs.dtype }],
  evaluate: (_inputs, _attrs, ctx) => [ctx.readVariable(ctx.op)],
});

/** The initial value of a variable op (a concrete array of its dtype). */
export function variableInitialValue(attrs: VariableAttrs): NDArray {
  if (attrs.init instanceof NDArray) return attrs.init;
  return attrs.init.generate(attrs.shape, attrs.dtype, attrs.seed);
}

export interface VariableOptions {
  name?: string;
  /** Collected by `graph.trainableVariables()` and so by optimizers; default true. */
  trainable?: boolean;
  /** Needed with an initializer; with a value, defaults to its shape. */
  shape?: readonly number[];
  /** Default float32 (or the value's dtype). */
  dtype?: DType;
  graph?: Graph;
}

/**
 * A variable: state that persists across `Session.run` calls. Each session initializes its
 * variables on first use (there is no separate initializer op to run), from a concrete value or
 * an initializer drawn with a seed fixed at creation, so two sessions start from equal values.
 * @param init a value (`[[1, 2]]`, an NDArray, a typed array) or an initializer
 *   (`kiln.initializers.glorotUniform()` or its name `'glorotUniform'`, which needs `shape`)
 * @example const w = kiln.variable('glorotUniform', { shape: [784, 32], name: 'kernel' });
 * @throws InvalidArgumentError when an initializer is given without a fully known shape, or `init`
 *   is a Tensor (not a value) or holds something other than numbers and booleans
 */
export function variable(init: ArrayLike | Initializer | string, options: VariableOptions = {}): Tensor {
  checkOptions('variable', options, ['name', 'trainable', 'shape', 'dtype', 'graph']);
  const graph = options.graph ?? getDefaultGraph();
  const name = options.name ?? 'Variable';
  if (init instanceof Tensor) {
    throw new InvalidArgumentError(
      `variable '${name}': the initial value is a Tensor (${init}), which has no value until a session runs it; ` +
        'pass a value (a number, nested array, typed array or NDArray) or an initializer (e.g. \'glorotUniform\' with shape)',
    );
  }
  let attrsInit: NDArray | Initializer;
  let shape: readonly number[];
  let dtype: DType;
  if (typeof init === 'string' || (typeof init === 'object' && init !== null && 'generate' in init)) {
    const initializer = getInitializer(init as string | Initializer);
    if (!options.shape || options.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new InvalidArgumentError(`variable '${name}': an initializer needs a fully known shape, got ${JSON.stringify(options.shape)}`);
    }
    attrsInit = initializer;
    shape = [...options.shape];
    dtype = options.dtype ?? 'float32';
  } else {
    const value = arrayFor(`variable '${name}'`, init as ArrayLike, options.shape, options.dtype);
    attrsInit = value;
    shape = value.shape;
    dtype = value.dtype;
  }
  const seedOpt = attrsInit instanceof NDArray ? undefined : attrsInit.seed;
  const seed = resolveSeed(seedOpt, graph.seed, graph.ops.length);
  const attrs: VariableAttrs = { shape, dtype, trainable: options.trainable ?? true, init: attrsInit, seed };
  return apply('Variable', [], attrs, name, graph);
}

function assignInfer(apiName: string) {
  return (inputs: readonly TensorSpec[]): TensorSpec[] => {
    const [ref, value] = inputs as [TensorSpec, TensorSpec];
    if (ref.dtype !== value.dtype) {
      throw new InferenceError(`value dtype ${value.dtype} differs from the variable's ${ref.dtype}`, 'dtype');
    }
    // The value must have the variable's shape exactly (no broadcasting; an unknown dim is checked at run time).
    const ok = ref.shape.length === value.shape.length && ref.shape.every((d, i) => value.shape[i] === null || value.shape[i] === d);
    if (!ok) throw new InferenceError(`value shape ${formatShape(value.shape)} differs from the variable's ${formatShape(ref.shape)}`);
    void apiName;
    return [ref];
  };
}

function checkRef(opName: string, ref: Tensor): void {
  if (ref.op.type !== 'Variable') {
    throw new InvalidArgumentError(`${opName}: the first argument must be a variable, got ${ref}`);
  }
}

for (const [name, apiName, combine] of [
  ['Assign', 'assign', (_old: number, v: number) => v],
  ['AssignAdd', 'assignAdd', (old: number, v: number) => old + v],
  ['AssignSub', 'assignSub', (old: number, v: number) => old - v],
] as const) {
  registerOp({
    name,
    apiName,
    kind: 'stateful',
    infer: assignInfer(apiName),
    evaluate: (inputs, _attrs, ctx) => {
      const varOp = ctx.op.inputs[0]!.op;
      const old = inputs[0]!;
      const value = inputs[1]!;
      if (!shapesEqual(old.shape, value.shape)) {
        throw new InvalidArgumentError(
          `${apiName} '${ctx.op.name}': value shape ${formatShape(value.shape)} differs from variable '${varOp.name}' ${formatShape(old.shape)}`,
        );
      }
      const next = mapBinary(old, value, combine);
      ctx.writeVariable(varOp, next);
      return [next];
    },
  });
}

/**
 * Updates a variable to `value`; the output is the new value. All reads in a run see the
 * values at the start of the run, and updates are applied together when the run succeeds
 * (a failed run changes nothing). Updating one variable twice in a run is an error.
 * @throws InvalidArgumentError when `ref` is not a variable; ShapeError/DTypeError on mismatch
 */
export function assign(ref: Tensor, value: TensorLike, name?: string): Tensor {
  checkRef('assign', ref);
  return apply('Assign', [ref, toTensor(value, ref.dtype, ref.graph)], {}, name);
}

/** `ref += value` (see `assign` for when the update is applied). */
export function assignAdd(ref: Tensor, value: TensorLike, name?: string): Tensor {
  checkRef('assignAdd', ref);
  return apply('AssignAdd', [ref, toTensor(value, ref.dtype, ref.graph)], {}, name);
}

/** `ref -= value` (see `assign` for when the update is applied). */
export function assignSub(ref: Tensor, value: TensorLike, name?: string): Tensor {
  checkRef('assignSub', ref);
  return apply('AssignSub', [ref, toTensor(value, ref.dtype, ref.graph)], {}, name);
}
