/**
 * The reference interpreter: evaluates the ops a run needs, in creation order (a topological
 * order), with each op's plain TS evaluator, in float64. Simple and plainly right, not fast: it
 * is the oracle for compiled code and the engine of constant folding.
 */
import type { Operation, Tensor } from '../graph/graph.js';
import type { NDArray } from '../graph/ndarray.js';
import type { EvalContext } from '../graph/op_def.js';
import { formatShape } from '../graph/shape.js';
import { DTypeError, InferenceError, InvalidArgumentError, KilnError, ShapeError } from '../graph/errors.js';

/** The ops needed to compute `fetches` and run `targets`, in topological order. */
export function requiredOps(fetches: readonly Tensor[], targets: readonly Operation[], fed: ReadonlySet<Operation> = new Set()): Operation[] {
  const seen = new Set<Operation>();
  const stack: Operation[] = [...fetches.map((t) => t.op), ...targets];
  while (stack.length) {
    const op = stack.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    if (fed.has(op)) continue;
    for (const t of op.inputs) stack.push(t.op);
    for (const c of op.controlInputs) stack.push(c);
  }
  return [...seen].sort((a, b) => a.id - b.id);
}

/** Variable storage seen by a run. */
export interface VariableReader {
  read(variable: Operation): NDArray;
}

export interface InterpretResult {
  /** Values of the fetches (float64 storage for float32). */
  values: NDArray[];
  /** Variable updates staged by the run, to be committed by the caller. */
  updates: Map<Operation, NDArray>;
}

/**
 * Evaluates `fetches` (and runs `targets`) given feeds of placeholder ops. Values are in
 * interpreter storage (float64 for float32). Variable updates are returned, not applied.
 * `observe`, when given, sees each evaluated op with its outputs (checkNumerics uses it; it may throw).
 * @throws ShapeError/DTypeError naming the op and its call site when an op fails at run time
 */
export function interpret(
  fetches: readonly Tensor[],
  targets: readonly Operation[],
  feeds: ReadonlyMap<Operation, NDArray>,
  variables: VariableReader,
  runIndex = 0,
  observe?: (op: Operation, outputs: readonly NDArray[]) => void,
): InterpretResult {
  const ops = requiredOps(fetches, targets, new Set(feeds.keys()));
  const values = new Map<Tensor, NDArray>();
  const updates = new Map<Operation, NDArray>();
  for (const op of ops) {
    const fed = feeds.get(op);
    if (fed) {
      values.set(op.outputs[0]!, fed);
      continue;
    }
    const ctx: EvalContext = {
      op,
      runIndex,
      readVariable: (v) => variables.read(v),
      writeVariable: (v, value) => {
        if (updates.has(v)) {
          throw new InvalidArgumentError(`variable '${v.name}' is updated twice in one run (by ${op} and an earlier update)`);
        }
        updates.set(v, value);
      },
    };
    let outs: NDArray[];
    try {
      outs = op.def.evaluate(
        op.inputs.map((t) => values.get(t)!),
        op.attrs,
        ctx,
      );
    } catch (e) {
      if (e instanceof KilnError) throw e;
      if (e instanceof InferenceError) {
        const msg = `${op.def.apiName} '${op.name}': ${e.message} (created at ${op.callSite})`;
        throw e.kind === 'dtype' ? new DTypeError(msg) : e.kind === 'argument' ? new InvalidArgumentError(msg) : new ShapeError(msg);
      }
      throw e;
    }
    op.outputs.forEach((t, i) => {
      const v = outs[i]!;
      const ok = v.dtype === t.dtype && v.shape.length === t.shape.length && t.shape.every((d, j) => d === null || d === v.shape[j]);
      if (!ok) {
        throw new ShapeError(
          `${op.def.apiName} '${op.name}': produced ${v.dtype} ${formatShape(v.shape)} but its static type is ${t.dtype} ${formatShape(t.shape)} (created at ${op.callSite})`,
        );
      }
      values.set(t, v);
    });
    observe?.(op, outs);
  }
  return { values: fetches.map((t) => values.get(t)!), updates };
}
