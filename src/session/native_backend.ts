/**
 * The 'native' backend of Session: compiles once per (fetches, targets, feed shapes and dtypes)
 * through the pass pipeline, the C++ emitter and the toolchain, caches the executable, and runs
 * forward, gradients and optimizer updates as one `kiln_run` call.
 *
 * Variables live in a StateStore (64-byte aligned native memory) keyed by variable name, set on
 * first use from the same initial values as the interpreter. Feeds that already are Float32Array
 * / Int32Array of the right size are passed by pointer; bool feeds become int32 (the ABI has
 * float32 and int32 only).
 */
import type { Operation, Tensor, Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { InvalidArgumentError, KilnError } from '../graph/errors.js';
import { makeProgram } from '../passes/program.js';
import { requiredOps } from '../interpreter/interpreter.js';
import { variableInitialValue, type VariableAttrs } from '../ops/variable.js';
import { StateStore } from '../native/state.js';
import type { NativeArray } from '../native/addon.js';
import { build, type BuildResult } from '../../codegen/build.js';
import type { SessionBackend } from './backend.js';

interface Executable {
  built: BuildResult;
  /** Placeholder ops of the user's graph, in input order. */
  inputOps: Operation[];
  outputs: NativeArray[] | null;
}

/** A native failure reported by generated code (e.g. a bad gather index). */
export class NativeRunError extends KilnError {}

export class NativeBackend implements SessionBackend {
  private store = new StateStore();
  private readonly executables = new Map<string, Executable>();
  private readonly runIndex = new Int32Array(1);
  /** The last executable built or reused, for tools and tests (compile times, arena peak). */
  lastBuild: BuildResult | undefined;

  constructor(readonly graph: Graph) {}

  run(tensors: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Operation, NDArray>, runIndex: number): NDArray[] {
    if (tensors.length === 0 && targets.length === 0) return [];
    const key = this.key(tensors, targets, feeds);
    let exe = this.executables.get(key);
    if (!exe) {
      checkSingleUpdates(requiredOps(tensors, targets, new Set(feeds.keys())));
      const feedShapes = new Map([...feeds].map(([op, v]) => [op.name, [...v.shape]]));
      const built = build(makeProgram(tensors, targets), feedShapes);
      const inputOps = built.generated.inputs.map((b) => {
        const op = this.graph.getOperation(b.name);
        if (!op) throw new Error(`native: input '${b.name}' is not in the graph`);
        return op;
      });
      exe = { built, inputOps, outputs: null };
      this.executables.set(key, exe);
    }
    this.lastBuild = exe.built;
    const { module, generated, fetchOutput } = exe.built;
    const inputs: NativeArray[] = exe.inputOps.map((op) => {
      const v = feeds.get(op);
      if (!v) throw new InvalidArgumentError(`placeholder '${op.name}' needs a feed`);
      return toNative(v);
    });
    if (generated.usesRunIndex) {
      this.runIndex[0] = runIndex | 0;
      inputs.push(this.runIndex);
    }
    const state = generated.state.map((b) => this.stateArray(b.name));
    const outputs = module.allocOutputs();
    try {
      module.run(inputs, outputs, state);
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code === 'KILN_ERR_INVALID_ARGUMENT') throw new InvalidArgumentError(err.message);
      throw new NativeRunError(err.message);
    }
    return fetchOutput.map((i) => {
      const t = generated.outputs[i]!;
      const data = outputs[i]!;
      const shape = [...(t.shape as number[])];
      if (t.dtype === 'bool') return new NDArray(Uint8Array.from(data), shape, 'bool');
      return new NDArray(data, shape, t.dtype);
    });
  }

  /** The variable's current value (initialized on first use). */
  getValue(op: Operation): NDArray {
    const t = op.outputs[0]!;
    const data = this.stateArray(op.name).slice();
    if (t.dtype === 'bool') return new NDArray(Uint8Array.from(data), [...(t.shape as number[])], 'bool');
    return new NDArray(data, [...(t.shape as number[])], t.dtype);
  }

  setValue(op: Operation, value: NDArray): void {
    this.stateArray(op.name).set(value.data);
  }

  /** Forgets every variable value (they are initialized again on first use). */
  reset(): void {
    this.store = new StateStore();
  }

  close(): void {
    for (const exe of this.executables.values()) exe.built.module.close();
    this.executables.clear();
    this.reset();
  }

  private stateArray(name: string): NativeArray {
    if (this.store.has(name)) return this.store.view(name);
    const op = this.graph.getOperation(name);
    if (!op || op.type !== 'Variable') throw new Error(`native: state '${name}' is not a variable of the graph`);
    const t = op.outputs[0]!;
    const init = variableInitialValue(op.attrs as VariableAttrs);
    const arr = this.store.create(name, t.dtype === 'float32' ? 'float32' : 'int32', t.shape as number[]);
    arr.set(init.data);
    return arr;
  }

  private key(tensors: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Operation, NDArray>): string {
    const f = [...feeds].map(([op, v]) => `${op.id}:${v.dtype}:${v.shape.join('x')}`).sort();
    return `${tensors.map((t) => `${t.op.id}.${t.index}`).join(',')}|${targets.map((o) => o.id).join(',')}|${f.join(',')}`;
  }
}

function toNative(v: NDArray): NativeArray {
  if (v.dtype === 'float32') return v.data instanceof Float32Array ? v.data : Float32Array.from(v.data);
  if (v.dtype === 'int32') return v.data instanceof Int32Array ? v.data : Int32Array.from(v.data);
  return Int32Array.from(v.data);
}

const UPDATE_OPS = new Set(['Assign', 'AssignAdd', 'AssignSub']);

/**
 * The interpreter's rule, checked before compiling: one run updates each variable at most once
 * (every update reads the start-of-run value, so a second one would silently lose the first).
 */
function checkSingleUpdates(ops: readonly Operation[]): void {
  const writer = new Map<Operation, Operation>();
  for (const op of ops) {
    if (!UPDATE_OPS.has(op.type)) continue;
    const v = op.inputs[0]!.op;
    if (writer.has(v)) {
      throw new InvalidArgumentError(`variable '${v.name}' is updated twice in one run (by ${op} and ${writer.get(v)})`);
    }
    writer.set(v, op);
  }
}
