/**
 * The graph verifier the pass manager runs after every pass (in tests, and whenever asked):
 * checks the invariants every later stage relies on, and names the pass that broke one.
 */
import type { Program } from './program.js';
import { shapesEqual, formatShape } from '../graph/shape.js';
import { KilnError } from '../graph/errors.js';

export class VerifyError extends KilnError {}

/**
 * Checks that `program` is well formed: ids are positions, names are unique, every input and
 * control input is an earlier op of the same graph, every op's recorded output types equal what
 * its definition infers now, and fetches and targets belong to the graph.
 * @throws VerifyError naming `after` (the pass just run) and the first broken invariant
 */
export function verifyProgram(program: Program, after = 'input'): void {
  const { graph } = program;
  const fail = (msg: string): never => {
    throw new VerifyError(`verify (after ${after}): ${msg}`);
  };
  const names = new Set<string>();
  graph.ops.forEach((op, i) => {
    if (op.graph !== graph) fail(`${op} belongs to another graph`);
    if (op.id !== i) fail(`${op} has id ${op.id} at position ${i}`);
    if (names.has(op.name)) fail(`two ops are named '${op.name}'`);
    names.add(op.name);
    for (const t of op.inputs) {
      if (t.graph !== graph || graph.ops[t.op.id] !== t.op) fail(`${op}: input ${t} is not in the graph`);
      if (t.op.id >= op.id) fail(`${op}: input ${t} is not created before it`);
    }
    for (const c of op.controlInputs) {
      if (c.graph !== graph || graph.ops[c.id] !== c || c.id >= op.id) fail(`${op}: control input ${c} is not an earlier op of the graph`);
    }
    let specs;
    try {
      specs = op.def.infer(op.inputs.map((t) => ({ shape: t.shape, dtype: t.dtype })), op.attrs);
    } catch (e) {
      return fail(`${op}: inference fails: ${(e as Error).message}`);
    }
    if (specs.length !== op.outputs.length) fail(`${op}: has ${op.outputs.length} outputs, its definition infers ${specs.length}`);
    specs.forEach((s, k) => {
      const t = op.outputs[k]!;
      if (s.dtype !== t.dtype || !shapesEqual(s.shape, t.shape)) {
        fail(`${op}: output ${k} is ${t.dtype} ${formatShape(t.shape)} but infers as ${s.dtype} ${formatShape(s.shape)}`);
      }
    });
  });
  for (const t of program.fetches) if (t.graph !== graph || graph.ops[t.op.id] !== t.op) fail(`fetch ${t} is not in the graph`);
  for (const o of program.targets) if (o.graph !== graph || graph.ops[o.id] !== o) fail(`target ${o} is not in the graph`);
}
