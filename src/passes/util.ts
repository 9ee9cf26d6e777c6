import { isShapeOnlyInput } from '../graph/op_def.js';
/** Small predicates the passes share. */
import type { Operation, Tensor } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { isFullyDefined } from '../graph/shape.js';
import { toValue } from '../interpreter/values.js';

/**
 * Pure: the output depends only on the input values and attrs, so the op may be evaluated at
 * compile time or merged with an equal one. Placeholders (fed), variables and updates
 * (stateful) and random ops are never pure; neither is an op with outputs none or control
 * inputs (dropping it would drop an ordering the user asked for).
 */
export function isPure(op: Operation): boolean {
  const kind = op.def.kind;
  if (kind === 'random' || kind === 'stateful') return false;
  if (op.type === 'Placeholder' || op.type === 'Variable' || op.type === 'NoOp') return false;
  return op.outputs.length > 0 && op.controlInputs.length === 0;
}

/** The value of a constant tensor (interpreter storage), or undefined when `t` is not a Const output. */
export function constValue(t: Tensor): NDArray | undefined {
  return t.op.type === 'Const' ? toValue(t.op.attrs['value'] as NDArray) : undefined;
}

/** True when `t` is a Const whose every element satisfies `pred` (and, for floats, is not NaN). */
export function isConstWhere(t: Tensor, pred: (x: number) => boolean): boolean {
  const v = constValue(t);
  if (!v) return false;
  for (let i = 0; i < v.data.length; i++) if (!pred(v.data[i]!)) return false;
  return true;
}

/** Is input `i` of `op` read for its shape only? */
export function isShapeOnly(op: Operation, i: number): boolean {
  return isShapeOnlyInput(op.def, i);
}

export function hasStaticShape(t: Tensor): t is Tensor & { shape: readonly number[] } {
  return isFullyDefined(t.shape);
}

/** Rounds an interpreter value to what its dtype holds in compiled code (float32), as a Const value. */
export function roundToDType(v: NDArray): NDArray {
  if (v.dtype !== 'float32') return v;
  return new NDArray(Float32Array.from(v.data), v.shape, 'float32');
}

/** The normalized reduced axes of a reduction op, or undefined when kiln cannot tell. */
export function reductionAxes(op: Operation): number[] | undefined {
  const x = op.inputs[0];
  if (!x) return undefined;
  const rank = x.rank;
  const norm = (a: number): number => (a < 0 ? a + rank : a);
  if (op.type === 'SumToLike') {
    const like = op.inputs[1]!;
    const lead = rank - like.rank;
    const axes: number[] = [];
    for (let i = 0; i < rank; i++) if (i < lead || (like.shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
    return axes;
  }
  const axis = op.attrs['axis'];
  if (axis === null || axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  if (typeof axis === 'number') return [norm(axis)];
  if (Array.isArray(axis)) return [...new Set((axis as number[]).map(norm))].sort((a, b) => a - b);
  return undefined;
}
