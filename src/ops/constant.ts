import { apply, getDefaultGraph, Tensor, type Graph } from '../graph/graph.js';
import { registerOp } from '../graph/op_def.js';
import { NDArray, type ArrayLike } from '../graph/ndarray.js';
import { arrayFor } from '../graph/options.js';
import type { DType } from '../graph/dtype.js';
import { toValue } from '../interpreter/values.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions } from '../graph/options.js';

/** Anything an op accepts as an input: a tensor, or a value made into a constant. */
export type TensorLike = Tensor | ArrayLike;

registerOp<{ value: NDArray }>({
  name: 'Const',
  apiName: 'constant',
  kind: 'source',
  infer: (_inputs, attrs) => [{ shape: attrs.value.shape, dtype: attrs.value.dtype }],
  evaluate: (_inputs, attrs) => [toValue(attrs.value)],
});

/**
 * A constant tensor. Float values are rounded to float32 when the constant is made.
 * @param value a number, boolean, nested array, typed array or NDArray
 * @param options.dtype defaults from the value (float32 for numbers)
 * @param options.shape reshapes the value (sizes must match)
 * @example const c = kiln.constant([[1, 2], [3, 4]]); // float32 [2,2]
 * @throws InvalidArgumentError for ragged arrays or a shape of the wrong size
 */
export function constant(
  value: ArrayLike,
  options: { dtype?: DType; shape?: readonly number[]; name?: string; graph?: Graph } = {},
): Tensor {
  checkOptions('constant', options, ['dtype', 'shape', 'name', 'graph']);
  const v = arrayFor(`constant '${options.name ?? 'Const'}'`, value, options.shape, options.dtype);
  return apply('Const', [], { value: v }, options.name, options.graph ?? getDefaultGraph());
}

/**
 * Converts a TensorLike to a Tensor; values become constants of `dtype` in `graph`.
 * @throws InvalidArgumentError when `x` is not a Tensor or array-like
 */
export function toTensor(x: TensorLike, dtype?: DType, graph?: Graph): Tensor {
  if (x instanceof Tensor) return x;
  if (x === undefined || x === null) throw new InvalidArgumentError('expected a Tensor or a value, got ' + String(x));
  return constant(x, { dtype, graph });
}

/**
 * Converts the inputs of a binary op: values take the dtype of the tensor operand and live in
 * its graph.
 */
export function toTensorPair(a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const ref = a instanceof Tensor ? a : b instanceof Tensor ? b : undefined;
  return [toTensor(a, ref?.dtype, ref?.graph), toTensor(b, ref?.dtype, ref?.graph)];
}
