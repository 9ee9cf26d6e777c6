/**
 * constantFold: evaluates, with the reference interpreter, every pure op whose inputs are all
 * constants (inputs read for their shape only need a static shape, not a value), and puts a
 * Const in its place. Each op's result is rounded to float32 before the next op reads it, the
 * way compiled float32 code rounds every intermediate, so folding never changes a result.
 *
 * Never folded: placeholders, variables and updates (stateful), random ops, ops with control
 * inputs, ops whose evaluation fails (the error is left for run time, where it names the op),
 * and results larger than the cap below.
 */
import type { Operation, Tensor } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { sizeOf } from '../graph/shape.js';
import type { EvalContext } from '../graph/op_def.js';
import { zerosValue } from '../interpreter/values.js';
import { rewrite, type PassResult, type Program } from './program.js';
import { constValue, hasStaticShape, isPure, isShapeOnly, roundToDType } from './util.js';

/**
 * Largest folded result, in elements, unless it is no larger than the constants it comes from.
 * Folded values are stored in the compiled module: 64 Ki float32 elements (256 KiB) keeps a
 * module small and fast to compile, while a bigger result (a scalar broadcast to a [4096,4096]
 * fill is 64 MiB) is cheaper to compute at run time than to load from the binary.
 */
export const MAX_FOLDED_ELEMENTS = 1 << 16;

/** Shape-only inputs are handed to the evaluator as zeros; cap their size (8 MiB of float64). */
const MAX_SHAPE_ONLY_ELEMENTS = 1 << 20;

export function constantFold(program: Program): PassResult {
  let changes = 0;
  const next = rewrite(program, (op, ctx) => {
    const folded = tryFold(op, ctx.inputs);
    if (!folded) return undefined;
    changes++;
    return folded.map((v, i) => ctx.emit('Const', [], { value: v }, i === 0 ? op.name : `${op.name}/output_${i}`).outputs[0]!);
  });
  return { program: changes ? next : program, changes };
}

function tryFold(op: Operation, inputs: readonly Tensor[]): NDArray[] | undefined {
  if (!isPure(op) || op.type === 'Const') return undefined;
  if (!op.outputs.every(hasStaticShape)) return undefined;
  const values: NDArray[] = [];
  let inputElements = 0;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    if (isShapeOnly(op, i)) {
      if (!hasStaticShape(t) || sizeOf(t.shape) > MAX_SHAPE_ONLY_ELEMENTS) return undefined;
      values.push(zerosValue(t.dtype, t.shape));
      continue;
    }
    const v = constValue(t);
    if (!v) return undefined;
    inputElements += v.size;
    values.push(v);
  }
  // An op without inputs that is not a Const (none exists among pure ops today) is left alone.
  if (inputs.length === 0) return undefined;
  const outElements = op.outputs.reduce((n, t) => n + sizeOf(t.shape as number[]), 0);
  if (outElements > Math.max(MAX_FOLDED_ELEMENTS, inputElements)) return undefined;
  const ctx: EvalContext = {
    op,
    runIndex: 0,
    readVariable: () => {
      throw new Error('constantFold: a pure op read a variable');
    },
    writeVariable: () => {
      throw new Error('constantFold: a pure op wrote a variable');
    },
  };
  let outs: NDArray[];
  try {
    outs = op.def.evaluate(values, op.attrs, ctx);
  } catch {
    return undefined;
  }
  const ok = outs.length === op.outputs.length && outs.every((v, i) => v.dtype === op.outputs[i]!.dtype && v.shape.join() === op.outputs[i]!.shape.join());
  return ok ? outs.map(roundToDType) : undefined;
}
