/**
 * checkNumerics: find the first op that produced a NaN or an infinity, and say who it is.
 *
 *   interpreter backend   every op's float32 outputs are tested as it runs (values rounded to
 *                         float32 first, so an overflow of float32 counts): the first op is it.
 *   native backend        the compiled code tests every float32 buffer a kernel writes
 *                         (codegen/cpp/prelude.ts, -DKILN_CHECK_NUMERICS) and fails with
 *                         (kernel position, output index) only; `localizeInKernel` then re-runs
 *                         that kernel's ops on the interpreter, with the same feeds and the
 *                         start-of-run variables, and names the first op (in the kernel's
 *                         topological order) on the path to the bad value whose output is not
 *                         finite. So a NaN made by the middle op of a fused kernel is blamed on
 *                         that op, not on the kernel's last op.
 *
 * Sources (placeholders, constants, variables) are never blamed: a NaN fed in is reported at the
 * first op computing from it, on both backends. The interpreter tests every op, the compiled code
 * every value a kernel materializes, so a non-finite intermediate that a later op of the same
 * fused kernel drops (`where(x > 0, log(x), 0)`) stops only the interpreter.
 */
import type { Operation } from '../graph/graph.js';
import type { NDArray } from '../graph/ndarray.js';
import { KilnError } from '../graph/errors.js';
import { formatShape } from '../graph/shape.js';
import { interpret } from '../interpreter/interpreter.js';
import { toValue } from '../interpreter/values.js';
import type { Program } from '../passes/program.js';
import type { Kernel } from '../passes/fuse.js';
import { checkedValue } from '../../codegen/cpp/emit.js';

export type NonFinite = 'NaN' | 'Inf' | '-Inf';

/** A run stopped by checkNumerics. The run changed no variable. */
export class NumericError extends KilnError {
  constructor(
    message: string,
    /** The user's name of the op that produced the value. */
    readonly opName: string,
    /** The op's type (e.g. 'Log'). */
    readonly opType: string,
    /** Where the op was created (file:line). */
    readonly callSite: string,
    /** What it produced (undefined when the native check could not be traced to an op's value). */
    readonly value: NonFinite | undefined,
    /** The compiled kernel that failed the check (native backend only). */
    readonly kernel?: string,
  ) {
    super(message);
  }
}

const SOURCES = new Set(['Placeholder', 'Const', 'Variable', 'NoOp']);

/** The first non-finite element of a float32 value (in interpreter or user storage), rounded to float32. */
export interface NonFiniteFound {
  /** Flat index of the first non-finite element, and the value's shape. */
  index: number;
  shape: readonly number[];
  value: NonFinite;
}

export function firstNonFinite(v: NDArray): NonFiniteFound | undefined {
  if (v.dtype !== 'float32') return undefined;
  const d = v.data;
  for (let i = 0; i < d.length; i++) {
    const x = Math.fround(d[i]!);
    if (!Number.isFinite(x)) return { index: i, shape: v.shape, value: Number.isNaN(x) ? 'NaN' : x > 0 ? 'Inf' : '-Inf' };
  }
  return undefined;
}

function formatIndex(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx.unshift(n ? flat % n : 0);
    flat = n ? Math.floor(flat / n) : 0;
  }
  return `[${idx.join(',')}]`;
}

/** The error for `op` producing `found`; `kernel`: the compiled kernel whose check failed. */
export function numericError(op: Operation, found: NonFiniteFound | undefined, kernel?: Kernel): NumericError {
  const what = found ? found.value : 'a non-finite value';
  const at = found ? `; first at element ${formatIndex(found.index, found.shape)} of float32${formatShape(found.shape)}` : '';
  const inKernel = kernel ? `; in compiled kernel ${kernel.name} (${kernel.kind}: ${kernel.ops.map((o) => o.type).join(', ')})` : '';
  return new NumericError(
    `checkNumerics: ${op.def.apiName} '${op.name}' produced ${what} (created at ${op.callSite})${at}${inKernel}`,
    op.name,
    op.type,
    op.callSite,
    found?.value,
    kernel?.name,
  );
}

/** The interpreter's observer: throws at the first op (not a source) with a non-finite float32 output. */
export function checkOpOutputs(op: Operation, outputs: readonly NDArray[]): void {
  if (SOURCES.has(op.type)) return;
  outputs.forEach((v) => {
    const found = firstNonFinite(v);
    if (found) throw numericError(op, found);
  });
}

/**
 * After the compiled check of `kernel`'s output `output` failed: the op that produced the first
 * non-finite value on the way to it, found by re-running on the interpreter the ops of the
 * optimized `program` it needs, with `feeds` (by placeholder name) and the start-of-run
 * variables (`readVariable`, by name). Falls back to the op whose value the check tested.
 */
export function localizeInKernel(
  kernel: Kernel,
  output: number,
  program: Program,
  feeds: ReadonlyMap<string, NDArray>,
  readVariable: (name: string) => NDArray,
  runIndex: number,
): NumericError {
  const { tensor, variable } = checkedValue(kernel, output);
  const root = tensor?.op ?? kernel.ops.find((o) => o.inputs[0]?.op === variable && o.type.startsWith('Assign')) ?? kernel.ops[kernel.ops.length - 1]!;
  const inKernel = new Set(kernel.ops);
  const path = new Set<Operation>();
  const stack = [root];
  while (stack.length) {
    const op = stack.pop()!;
    if (path.has(op)) continue;
    path.add(op);
    for (const t of op.inputs) if (inKernel.has(t.op)) stack.push(t.op);
  }
  const found = new Map<Operation, NonFiniteFound>();
  try {
    const feedOps = new Map<Operation, NDArray>();
    for (const op of program.graph.ops) {
      const v = op.type === 'Placeholder' ? feeds.get(op.name) : undefined;
      if (v) feedOps.set(op, toValue(v));
    }
    const fetches = [...path].flatMap((o) => o.outputs.filter((t) => t.dtype === 'float32'));
    interpret(fetches, [], feedOps, { read: (v) => toValue(readVariable(v.name)) }, runIndex, (op, outs) => {
      if (!path.has(op) || found.has(op)) return;
      for (const v of outs) {
        const f = firstNonFinite(v);
        if (f && !found.has(op)) found.set(op, f);
      }
    });
  } catch {
    // The reference could not replay the kernel (it should): name the op the check tested.
  }
  const first = kernel.ops.find((o) => found.has(o));
  return first ? numericError(first, found.get(first), kernel) : numericError(root, undefined, kernel);
}
