/**
 * The 'interpreter' backend of Session: evaluates the needed ops with the float64 reference
 * evaluators. Variable values live in a map; a run's updates are committed only after the
 * whole run succeeded.
 */
import type { Operation, Tensor } from '../graph/graph.js';
import type { NDArray } from '../graph/ndarray.js';
import { interpret } from '../interpreter/interpreter.js';
import { fromValue, toValue } from '../interpreter/values.js';
import { variableInitialValue, type VariableAttrs } from '../ops/variable.js';
import type { SessionBackend } from './backend.js';
import { checkOpOutputs } from './numerics.js';

export class InterpreterBackend implements SessionBackend {
  private readonly variables = new Map<Operation, NDArray>();

  /** `flags` is read at every run (Session.checkNumerics may change between runs). */
  constructor(readonly flags: { readonly checkNumerics: boolean } = { checkNumerics: false }) {}

  run(tensors: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Operation, NDArray>, runIndex: number): NDArray[] {
    const { values, updates } = interpret(
      tensors,
      targets,
      new Map([...feeds].map(([op, v]) => [op, toValue(v)])),
      { read: (v) => this.read(v) },
      runIndex,
      this.flags.checkNumerics ? checkOpOutputs : undefined,
    );
    for (const [v, value] of updates) this.variables.set(v, value);
    return values.map(fromValue);
  }

  getValue(variable: Operation): NDArray {
    return fromValue(this.read(variable));
  }

  setValue(variable: Operation, value: NDArray): void {
    this.variables.set(variable, toValue(value));
  }

  reset(): void {
    this.variables.clear();
  }

  close(): void {
    this.variables.clear();
  }

  private read(op: Operation): NDArray {
    let v = this.variables.get(op);
    if (!v) {
      v = toValue(variableInitialValue(op.attrs as VariableAttrs));
      this.variables.set(op, v);
    }
    return v;
  }
}
