/**
 * What the passes work on: a graph plus what must survive (the fetched tensors and the target
 * ops run for their effect). Every pass takes a Program and returns a new one built in a fresh
 * Graph; `fetches[i]` and `targets[i]` of the result stand for `fetches[i]` and `targets[i]` of
 * the input, so the mapping from the user's fetches to the optimized ones survives every pass.
 *
 * Rebuilding (rather than editing in place) keeps passes pure: the input graph is never
 * touched, and a rebuilt op keeps its name, call site, role and control inputs exactly
 * (`Graph.addOpExact`), so errors and explain() still point at the user's code.
 */
import { Graph, type Operation, type Tensor } from '../graph/graph.js';
import type { Attrs } from '../graph/op_def.js';
import { InvalidArgumentError } from '../graph/errors.js';

export interface Program {
  readonly graph: Graph;
  readonly fetches: readonly Tensor[];
  readonly targets: readonly Operation[];
}

/** What a pass returns: the new program and how many rewrites it made. */
export interface PassResult {
  program: Program;
  /** Rewrites done (ops removed, folded, merged, replaced); 0 means the program is unchanged in meaning and form. */
  changes: number;
}

/**
 * Makes a program from fetches and targets of one graph.
 * @throws InvalidArgumentError when fetches and targets come from different graphs or none is given
 */
export function makeProgram(fetches: readonly Tensor[], targets: readonly Operation[] = []): Program {
  const graph = fetches[0]?.graph ?? targets[0]?.graph;
  if (!graph) throw new InvalidArgumentError('makeProgram: needs at least one fetch or target');
  for (const x of [...fetches, ...targets]) {
    if (x.graph !== graph) throw new InvalidArgumentError(`makeProgram: ${x} belongs to another graph`);
  }
  return { graph, fetches: [...fetches], targets: [...targets] };
}

/** The ops the fetches and targets need (data and control inputs), in topological (creation) order. */
export function liveOps(program: Program): Operation[] {
  const seen = new Set<Operation>();
  const stack: Operation[] = [...program.fetches.map((t) => t.op), ...program.targets];
  while (stack.length) {
    const op = stack.pop()!;
    if (seen.has(op)) continue;
    seen.add(op);
    for (const t of op.inputs) stack.push(t.op);
    for (const c of op.controlInputs) stack.push(c);
  }
  return [...seen].sort((a, b) => a.id - b.id);
}

/** Consumers of every tensor among `ops`, as (op, input index) pairs. */
export function consumersOf(ops: readonly Operation[]): Map<Tensor, { op: Operation; index: number }[]> {
  const map = new Map<Tensor, { op: Operation; index: number }[]>();
  for (const op of ops) {
    op.inputs.forEach((t, index) => {
      const list = map.get(t);
      if (list) list.push({ op, index });
      else map.set(t, [{ op, index }]);
    });
  }
  return map;
}

/** What a rewrite callback can do for one op of the old graph. */
export interface RewriteContext {
  /** The new graph being built. */
  readonly graph: Graph;
  /** The op's inputs, already mapped into the new graph. */
  readonly inputs: readonly Tensor[];
  /** The new tensor standing for an old one (defined for every op visited so far). */
  map(t: Tensor): Tensor;
  /** Copies the op with new inputs (default: the mapped inputs) and attrs (default: its own). */
  copy(inputs?: readonly Tensor[], attrs?: Attrs): Operation;
  /**
   * Adds a new op on behalf of the visited op: it takes the visited op's call site and role,
   * and its name when `name` is omitted and the name is still free (else a unique variant).
   */
  emit(type: string, inputs: readonly Tensor[], attrs: Attrs, name?: string): Operation;
  /** True when the visited op is one of the program's targets (targets are never replaced). */
  readonly isTarget: boolean;
}

/**
 * Builds a new program by visiting the live ops of `program` in topological order. `visit`
 * returns the new tensors standing for the op's outputs (e.g. from `ctx.copy()`, `ctx.emit()`
 * or an existing new tensor), or undefined to copy the op unchanged. Ops left without a
 * consumer are pruned from the result.
 */
export function rewrite(program: Program, visit: (op: Operation, ctx: RewriteContext) => readonly Tensor[] | undefined): Program {
  const graph = new Graph();
  graph.seed = program.graph.seed;
  const tensorMap = new Map<Tensor, Tensor>();
  const opMap = new Map<Operation, Operation>();
  const targets = new Set(program.targets);
  const mapT = (t: Tensor): Tensor => {
    const n = tensorMap.get(t);
    if (!n) throw new Error(`rewrite: ${t} has no image yet (graph not in topological order?)`);
    return n;
  };
  const oldNames = new Set(program.graph.ops.map((o) => o.name));
  const newNames = new Set<string>();
  const add = (type: string, ins: readonly Tensor[], attrs: Attrs, name: string, op: Operation, control: Operation[]): Operation => {
    newNames.add(name);
    return graph.addOpExact(type, ins, attrs, { name, callSite: op.callSite, role: op.role, controlInputs: control });
  };
  for (const op of liveOps(program)) {
    const inputs = op.inputs.map(mapT);
    const control = [...new Set(op.controlInputs.map((c) => opMap.get(c)!))];
    let self: Operation | undefined;
    const ctx: RewriteContext = {
      graph,
      inputs,
      map: mapT,
      isTarget: targets.has(op),
      copy: (ins = inputs, attrs = op.attrs) => {
        self = add(op.type, ins, attrs, op.name, op, control);
        return self;
      },
      emit: (type, ins, attrs, name) => {
        const base = name ?? op.name;
        // A new name must not collide with an op still to be copied from the old graph.
        const taken = (n: string): boolean => newNames.has(n) || (n !== op.name && oldNames.has(n));
        let nodeName = base;
        for (let k = 1; taken(nodeName); k++) nodeName = `${base}_${k}`;
        return add(type, ins, attrs, nodeName, op, control);
      },
    };
    let outs = ctx.isTarget ? undefined : visit(op, ctx);
    if (outs === undefined) outs = ctx.copy().outputs;
    op.outputs.forEach((t, i) => {
      const n = outs![i];
      if (!n) throw new Error(`rewrite: no image for output ${i} of ${op}`);
      tensorMap.set(t, n);
    });
    opMap.set(op, outs[0]?.op ?? self ?? ctx.copy());
  }
  const next = { graph, fetches: program.fetches.map(mapT), targets: program.targets.map((t) => opMap.get(t)!) };
  return compact(next);
}

/** The program with only its live ops (same names), or itself when every op is live. */
export function compact(program: Program): Program {
  const live = liveOps(program);
  if (live.length === program.graph.ops.length) return program;
  return rewrite(program, () => undefined);
}

/** Number of ops in the program's graph. */
export function nodeCount(program: Program): number {
  return program.graph.ops.length;
}
