/**
 * The 'native' backend of Session: compiles once per (fetches, targets, feed shapes and dtypes)
 * through the pass pipeline, the C++ emitter and the toolchain, caches the executable, and runs
 * forward, gradients and optimizer updates as one `kiln_run` call.
 *
 * Variables live in a StateStore (64-byte aligned native memory) keyed by variable name, set on
 * first use from the same initial values as the interpreter. Feeds that already are Float32Array
 * / Int32Array of the right size are passed by pointer; bool feeds become int32 (the ABI has
 * float32 and int32 only).
 *
 * Debugging builds are other executables of the same source: `checkNumerics` (a NaN/Inf check
 * after every kernel, traced back to an op by numerics.ts) and `profile` (per-kernel times,
 * profile.ts) are compiler flags, so a session keeps one executable per (program, flags).
 */
import type { Operation, Tensor, Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { InvalidArgumentError, KilnError } from '../graph/errors.js';
import { makeProgram } from '../passes/program.js';
import { requiredOps } from '../interpreter/interpreter.js';
import { variableInitialValue, type VariableAttrs } from '../ops/variable.js';
import { StateStore } from '../native/state.js';
import type { NativeArray } from '../native/addon.js';
import { build, type BuildOptions, type BuildResult } from '../../codegen/build.js';
import type { SessionBackend } from './backend.js';
import { localizeInKernel } from './numerics.js';
import { profileReport, type ProfileOptions, type ProfileReport } from './profile.js';

/** Options of the native backend (Session options). */
export interface NativeBackendOptions {
  /** The dump folder, false for none, undefined for $KILN_DUMP (src/viz/dump.ts). */
  dump?: string | false;
}

interface Executable {
  built: BuildResult;
  /** Placeholder ops of the user's graph, in input order. */
  inputOps: Operation[];
  outputs: NativeArray[] | null;
  /**
   * Some kernel that is not an update runs after an update kernel (it reads an Assign's value):
   * if it fails (a bad index), state is already written, so runs keep a copy to put back.
   */
  keepWritten: boolean;
  /** Built with the NaN/Inf check. */
  checking: boolean;
  /** The state arrays in manifest order, valid for the StateStore `stateFor`. */
  state?: NativeArray[];
  stateFor?: StateStore;
}

/** A native failure reported by generated code (e.g. a bad gather index). */
export class NativeRunError extends KilnError {}

export class NativeBackend implements SessionBackend {
  private store = new StateStore();
  private readonly executables = new Map<string, Executable>();
  private readonly runIndex = new Int32Array(1);
  /** The previous plain run's executable and what selected it (see lookup). */
  private lastLookup: { tensors: Tensor[]; targets: Operation[]; feeds: { op: Operation; dtype: string; shape: number[] }[]; checkNumerics: boolean; exe: Executable } | undefined;
  /** The last executable built or reused, for tools and tests (compile times, arena peak). */
  lastBuild: BuildResult | undefined;

  constructor(
    readonly graph: Graph,
    readonly options: NativeBackendOptions = {},
    /** Read at every run: build (or reuse) the executable with the NaN/Inf check (numerics.ts). */
    readonly flags: { readonly checkNumerics: boolean } = { checkNumerics: false },
  ) {}

  run(tensors: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Operation, NDArray>, runIndex: number): NDArray[] {
    if (tensors.length === 0 && targets.length === 0) return [];
    const exe = this.lookup(tensors, targets, feeds);
    const { info } = exe.built;
    const { outputs } = this.call(exe, feeds, runIndex);
    return info.fetchOutput.map((i) => {
      const t = info.outputs[i]!;
      const data = outputs[i]!;
      const shape = [...t.shape];
      if (t.dtype === 'bool') return new NDArray(Uint8Array.from(data), shape, 'bool');
      return new NDArray(data, shape, t.dtype);
    });
  }

  /**
   * Times every kernel of the executable for (tensors, targets, feeds) over `runs` runs (after
   * `warmup` untimed ones), built with the profile flag. Variables the runs update are put back
   * as they were afterwards.
   */
  profile(tensors: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Operation, NDArray>, runIndex: number, options: ProfileOptions = {}): ProfileReport {
    const runs = options.runs ?? 10;
    const warmup = options.warmup ?? 1;
    if (!Number.isInteger(runs) || runs < 1) throw new InvalidArgumentError(`profile: runs must be a positive integer, got ${runs}`);
    if (!Number.isInteger(warmup) || warmup < 0) throw new InvalidArgumentError(`profile: warmup must be a non-negative integer, got ${warmup}`);
    const exe = this.executable(tensors, targets, feeds, { profile: true });
    // The kernel order comes from the generated code (made now, after a program-cache hit).
    const { generated, info } = exe.built;
    const k = generated.order.length;
    const sums = new Float64Array(k + 1);
    let wallUs = 0;
    const saved = this.saveWritten(exe);
    try {
      for (let r = 0; r < warmup + runs; r++) {
        const t0 = performance.now();
        const { outputs } = this.call(exe, feeds, runIndex + r);
        const t1 = performance.now();
        if (r < warmup) continue;
        wallUs += (t1 - t0) * 1000;
        const prof = outputs[info.outputs.length] as Float32Array;
        for (let i = 0; i <= k; i++) sums[i] += prof[i]!;
      }
    } finally {
      this.restore(saved);
    }
    return profileReport(generated.order, sums, runs, wallUs);
  }

  /**
   * `executable` for a plain run, without building the cache key when the fetches, targets,
   * fed placeholders (in order), their dtypes and shapes and the checkNumerics flag are those of
   * the previous run (a training loop): the key's string work costs microseconds per step.
   */
  private lookup(tensors: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Operation, NDArray>): Executable {
    const checkNumerics = this.flags.checkNumerics;
    const last = this.lastLookup;
    if (last && last.checkNumerics === checkNumerics && sameItems(last.tensors, tensors) && sameItems(last.targets, targets) && last.feeds.length === feeds.size) {
      let i = 0;
      let same = true;
      for (const [op, v] of feeds) {
        const f = last.feeds[i++]!;
        if (f.op !== op || f.dtype !== v.dtype || !sameItems(f.shape, v.shape)) {
          same = false;
          break;
        }
      }
      if (same) {
        this.lastBuild = last.exe.built;
        return last.exe;
      }
    }
    const exe = this.executable(tensors, targets, feeds, { checkNumerics });
    this.lastLookup = { tensors: [...tensors], targets: [...targets], feeds: [...feeds].map(([op, v]) => ({ op, dtype: v.dtype, shape: [...v.shape] })), checkNumerics, exe };
    return exe;
  }

  /** The executable for (tensors, targets, feed shapes) with these build flags, built on first use. */
  private executable(tensors: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Operation, NDArray>, flags: BuildOptions): Executable {
    const key = `${this.key(tensors, targets, feeds)}|${flags.checkNumerics ? 'N' : ''}${flags.profile ? 'P' : ''}`;
    let exe = this.executables.get(key);
    if (!exe) {
      checkSingleUpdates(requiredOps(tensors, targets, new Set(feeds.keys())));
      const feedShapes = new Map([...feeds].map(([op, v]) => [op.name, [...v.shape]]));
      const label = [(tensors[0]?.op ?? targets[0])!.name, ...[...feedShapes.values()].map((s) => s.join('x'))].join('_');
      const options: BuildOptions = { ...flags, label, ...(this.options.dump !== undefined ? { dump: this.options.dump } : {}) };
      const built = build(makeProgram(tensors, targets), feedShapes, options);
      const inputOps = built.info.inputs.map((b) => {
        const op = this.graph.getOperation(b.name);
        if (!op) throw new Error(`native: input '${b.name}' is not in the graph`);
        return op;
      });
      const keepWritten = built.info.readsAfterUpdate;
      exe = { built, inputOps, outputs: null, keepWritten, checking: built.flags.includes('-DKILN_CHECK_NUMERICS') };
      this.executables.set(key, exe);
    }
    this.lastBuild = exe.built;
    return exe;
  }

  /**
   * One native call. With the numeric check built in, a failed check puts back the variables
   * the run had written and throws a NumericError naming the op (numerics.ts).
   */
  private call(exe: Executable, feeds: ReadonlyMap<Operation, NDArray>, runIndex: number): { outputs: NativeArray[] } {
    // `info`, not `generated`: after a program-cache hit the generated code is made only on demand.
    const { module, info } = exe.built;
    const inputs: NativeArray[] = exe.inputOps.map((op) => {
      const v = feeds.get(op);
      if (!v) throw new InvalidArgumentError(`placeholder '${op.name}' needs a feed`);
      return toNative(v);
    });
    if (info.usesRunIndex) {
      this.runIndex[0] = runIndex | 0;
      inputs.push(this.runIndex);
    }
    // The state arrays, looked up once per executable and StateStore (reset() replaces the store).
    if (exe.stateFor !== this.store) {
      exe.state = info.state.map((b) => this.stateArray(b.name));
      exe.stateFor = this.store;
    }
    const state = exe.state!;
    const outputs = module.allocOutputs();
    const checking = exe.checking;
    // The schedule runs every kernel that can fail before the updates, except one reading an
    // Assign's value; and a numeric check can fail after an update ran (or in it: an overflow).
    // Then keep the written variables, so that a failed run changes nothing.
    const saved = checking || exe.keepWritten ? this.saveWritten(exe) : undefined;
    try {
      module.run(inputs, outputs, state);
    } catch (e) {
      const err = e as Error & { code?: string };
      if (saved) this.restore(saved);
      if (err.code === 'KILN_ERR_INVALID_ARGUMENT') throw new InvalidArgumentError(err.message);
      const m = /non-finite value: kernel (\d+) output (\d+)/.exec(err.message);
      if (err.code === 'KILN_ERR_NUMERIC' && saved && m) {
        const kernel = exe.built.generated.order[Number(m[1])];
        if (kernel) {
          const byName = new Map([...feeds].map(([op, v]) => [op.name, v]));
          throw localizeInKernel(kernel, Number(m[2]), exe.built.program, byName, (name) => this.getValue(this.variableOp(name)), runIndex);
        }
      }
      throw new NativeRunError(err.message);
    }
    return { outputs };
  }

  /** Copies of the variables the executable writes, to put back after a failed check or a profile. */
  private saveWritten(exe: Executable): [NativeArray, NativeArray][] {
    return exe.built.info.written.map((name) => {
      const arr = this.stateArray(name);
      return [arr, arr.slice()];
    });
  }

  private restore(saved: readonly [NativeArray, NativeArray][]): void {
    for (const [arr, copy] of saved) arr.set(copy);
  }

  private variableOp(name: string): Operation {
    const op = this.graph.getOperation(name);
    if (!op || op.type !== 'Variable') throw new Error(`native: state '${name}' is not a variable of the graph`);
    return op;
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

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
