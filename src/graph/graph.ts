/**
 * The symbolic graph (TF1 style). A Graph owns Operations in creation order, which is also a
 * topological order: an op's inputs always exist before it. Each Operation has typed output
 * Tensors whose static shape may hold `null` for dims known only at run time.
 */
import type { DType } from './dtype.js';
import { formatShape, type Shape } from './shape.js';
import { DTypeError, InferenceError, InvalidArgumentError, KilnError, ShapeError } from './errors.js';
import { getOpDef, type Attrs, type OpDef, type TensorSpec } from './op_def.js';
import { userCallSite } from './callsite.js';

/** Which part of a training graph built an op; drawn differently by the graph viewer. */
export type OpRole = 'forward' | 'gradient' | 'optimizer';

export class Operation {
  readonly outputs: Tensor[];
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly type: string,
    readonly name: string,
    readonly inputs: readonly Tensor[],
    readonly attrs: Readonly<Attrs>,
    outputSpecs: readonly TensorSpec[],
    readonly controlInputs: readonly Operation[],
    readonly callSite: string,
    readonly role: OpRole,
  ) {
    this.outputs = outputSpecs.map((s, i) => new Tensor(this, i, s.shape, s.dtype));
  }

  get def(): OpDef<Attrs> {
    return getOpDef(this.type);
  }

  toString(): string {
    return `${this.type} '${this.name}'`;
  }
}

export class Tensor {
  constructor(
    readonly op: Operation,
    readonly index: number,
    readonly shape: Shape,
    readonly dtype: DType,
  ) {}

  get graph(): Graph {
    return this.op.graph;
  }

  /** TF-style tensor name: `<op name>:<output index>`. */
  get name(): string {
    return `${this.op.name}:${this.index}`;
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `Tensor '${this.name}' ${this.dtype} ${formatShape(this.shape)}`;
  }
}

/** A TF1 variable: the output of a `Variable` op. */
export type Variable = Tensor;

export class Graph {
  readonly ops: Operation[] = [];
  /** Graph-level random seed (TF1's `tf.set_random_seed`); ops without a seed derive theirs from it. */
  seed: number | undefined;
  private readonly usedNames = new Map<string, number>();
  private readonly scopes: string[] = [];
  private readonly controlDeps: Operation[][] = [];
  private readonly roles: OpRole[] = [];

  /**
   * Runs `fn` with every op it creates named under `name/` (made unique like TF:
   * a second scope `dense` becomes `dense_1`).
   */
  nameScope<T>(name: string, fn: () => T): T {
    const full = this.uniqueName(this.prefixed(name));
    this.scopes.push(full);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** Runs `fn` so that every op it creates depends on `deps` running first. */
  withControlDependencies<T>(deps: readonly (Operation | Tensor)[], fn: () => T): T {
    for (const d of deps) {
      const g = d instanceof Tensor ? d.graph : d.graph;
      if (g !== this) throw new InvalidArgumentError(`withControlDependencies: ${d} belongs to another graph`);
    }
    this.controlDeps.push(deps.map((d) => (d instanceof Tensor ? d.op : d)));
    try {
      return fn();
    } finally {
      this.controlDeps.pop();
    }
  }

  /** Runs `fn` with the ops it creates tagged with `role` (used by gradients and optimizers). */
  withRole<T>(role: OpRole, fn: () => T): T {
    this.roles.push(role);
    try {
      return fn();
    } finally {
      this.roles.pop();
    }
  }

  /** Makes this the default graph while `fn` runs. */
  asDefault<T>(fn: () => T): T {
    const saved = defaultGraph;
    defaultGraph = this;
    try {
      return fn();
    } finally {
      defaultGraph = saved;
    }
  }

  /** All variables, in creation order. */
  variables(): Tensor[] {
    return this.ops.filter((o) => o.type === 'Variable').map((o) => o.outputs[0]!);
  }

  /** Variables created with `trainable: true` (the default). */
  trainableVariables(): Tensor[] {
    return this.ops.filter((o) => o.type === 'Variable' && o.attrs['trainable'] !== false).map((o) => o.outputs[0]!);
  }

  /** The op with this exact name, if any. */
  getOperation(name: string): Operation | undefined {
    return this.ops.find((o) => o.name === name);
  }

  private prefixed(name: string): string {
    const scope = this.scopes[this.scopes.length - 1];
    return scope ? `${scope}/${name}` : name;
  }

  /** A name not used yet in this graph: `base`, else `base_1`, `base_2`, ... */
  uniqueName(base: string): string {
    let n = this.usedNames.get(base);
    if (n === undefined) {
      this.usedNames.set(base, 0);
      return base;
    }
    let candidate: string;
    do {
      n++;
      candidate = `${base}_${n}`;
    } while (this.usedNames.has(candidate));
    this.usedNames.set(base, n);
    this.usedNames.set(candidate, 0);
    return candidate;
  }

  /**
   * Adds an op. Infers output shapes and dtypes; an inference failure throws a
   * ShapeError/DTypeError naming the op, the node and the user's call site.
   */
  addOp(type: string, inputs: readonly Tensor[], attrs: Attrs = {}, name?: string): Operation {
    const callSite = userCallSite();
    const nodeName = this.uniqueName(this.prefixed(sanitizeName(name ?? type)));
    const control = this.controlDeps.flat();
    const role = this.roles[this.roles.length - 1] ?? 'forward';
    return this.createOp(type, inputs, attrs, nodeName, control, callSite, role);
  }

  /**
   * Adds an op with an exact name, call site, role and control inputs, ignoring name scopes
   * and the control-dependency and role stacks. The graph passes rebuild graphs with it, so a
   * node keeps the identity the user gave it. Throws when `meta.name` is already used.
   */
  addOpExact(
    type: string,
    inputs: readonly Tensor[],
    attrs: Attrs,
    meta: { name: string; callSite: string; role: OpRole; controlInputs?: readonly Operation[] },
  ): Operation {
    const name = sanitizeName(meta.name);
    if (this.usedNames.has(name)) throw new InvalidArgumentError(`addOpExact: the name '${name}' is already used in this graph`);
    this.usedNames.set(name, 0);
    for (const c of meta.controlInputs ?? []) {
      if (c.graph !== this) throw new InvalidArgumentError(`addOpExact '${name}': control input ${c} belongs to another graph`);
    }
    return this.createOp(type, inputs, attrs, name, meta.controlInputs ?? [], meta.callSite, meta.role);
  }

  private createOp(
    type: string,
    inputs: readonly Tensor[],
    attrs: Attrs,
    nodeName: string,
    control: readonly Operation[],
    callSite: string,
    role: OpRole,
  ): Operation {
    const def = getOpDef(type);
    for (const t of inputs) {
      if (!(t instanceof Tensor)) {
        throw new InvalidArgumentError(`${def.apiName} '${nodeName}': an input is not a Tensor (created at ${callSite})`);
      }
      if (t.graph !== this) {
        throw new InvalidArgumentError(
          `${def.apiName} '${nodeName}': input ${t} belongs to another graph (created at ${callSite})`,
        );
      }
    }
    let specs: TensorSpec[];
    try {
      specs = def.infer(
        inputs.map((t) => ({ shape: t.shape, dtype: t.dtype })),
        attrs,
      );
    } catch (e) {
      if (e instanceof InferenceError) {
        const msg = `${def.apiName} '${nodeName}': ${e.message} (created at ${callSite})`;
        throw e.kind === 'dtype' ? new DTypeError(msg) : e.kind === 'argument' ? new InvalidArgumentError(msg) : new ShapeError(msg);
      }
      throw e;
    }
    const op = new Operation(this, this.ops.length, type, nodeName, inputs, attrs, specs, control, callSite, role);
    this.ops.push(op);
    return op;
  }
}

function sanitizeName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('op name must be a non-empty string');
  return name;
}

let defaultGraph = new Graph();

/** The graph that ops without tensor inputs (placeholder, constant, variable) are added to. */
export function getDefaultGraph(): Graph {
  return defaultGraph;
}

/** Replaces the default graph with a new, empty one (TF1's `tf.reset_default_graph`). */
export function resetDefaultGraph(): Graph {
  defaultGraph = new Graph();
  return defaultGraph;
}

/** Adds a single-output op to the graph of its inputs (or the default graph) and returns its output. */
export function apply(type: string, inputs: readonly Tensor[], attrs: Attrs = {}, name?: string, graph?: Graph): Tensor {
  const g = graph ?? inputs[0]?.graph ?? defaultGraph;
  return g.addOp(type, inputs, attrs, name).outputs[0]!;
}

export { KilnError };
