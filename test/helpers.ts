/**
 * Shared test helpers: float64 evaluation on the reference interpreter and gradient checks
 * against central differences.
 */
import { expect } from 'vitest';
import * as kiln from '../src/index.js';
import { interpret } from '../src/interpreter/interpreter.js';
import { toValue } from '../src/interpreter/values.js';
import { variableInitialValue, type VariableAttrs } from '../src/ops/variable.js';

const { NDArray } = kiln;
type Tensor = kiln.Tensor;
type NDArrayT = kiln.NDArray;

/** Float64 values of `fetches` with `feeds` (placeholder -> value), variables at their initial values. */
export function evalF64(fetches: Tensor | Tensor[], feeds: Map<Tensor, NDArrayT> = new Map()): NDArrayT[] {
  const list = Array.isArray(fetches) ? fetches : [fetches];
  const feedOps = new Map([...feeds].map(([t, v]) => [t.op, toValue(v)]));
  const vars = new Map<kiln.Operation, NDArrayT>();
  const { values } = interpret(list, [], feedOps, {
    read: (op) => {
      let v = vars.get(op);
      if (!v) {
        v = toValue(variableInitialValue(op.attrs as VariableAttrs));
        vars.set(op, v);
      }
      return v;
    },
  });
  return values;
}

/** Values of a single-output expression as a flat number array (float64). */
export function values(t: Tensor, feeds?: Map<Tensor, NDArrayT>): number[] {
  return Array.from(evalF64(t, feeds)[0]!.data);
}

/** Asserts two number lists are elementwise close. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-6): void {
  expect(got.length, 'length').toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w)) {
      expect(Number.isNaN(g), `element ${i}: got ${g}, want NaN`).toBe(true);
      continue;
    }
    if (!Number.isFinite(w)) {
      expect(g, `element ${i}`).toBe(w);
      continue;
    }
    const err = Math.abs(g - w) / Math.max(1, Math.abs(w));
    expect(err, `element ${i}: got ${g}, want ${w}`).toBeLessThanOrEqual(tol);
  }
}

/** A deterministic pseudo-random float array (LCG), for test inputs. */
export function randomData(n: number, seed = 1, lo = -1, hi = 1): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

/** A float64 interpreter value of the given shape. */
export function f64(data: ArrayLike<number>, shape: readonly number[]): NDArrayT {
  return new NDArray(Float64Array.from(data), [...shape], 'float32');
}

export interface GradCheckOptions {
  /** Central-difference step (float64). */
  eps?: number;
  /** Max relative error allowed. */
  tol?: number;
  /** Which inputs to check (default all). */
  wrt?: number[];
}

/**
 * Asserts the symbolic gradient of `f(...inputs)` matches central differences in float64
 * (the public `kiln.testing.checkGradients`: the scalar checked is `sum(f(x) * w)` with fixed
 * random weights, so errors cannot cancel by symmetry).
 */
export function checkGradient(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly NDArrayT[],
  options: GradCheckOptions = {},
): void {
  const report = kiln.testing.checkGradients(f, inputs, {
    ...(options.eps !== undefined ? { eps: options.eps } : {}),
    ...(options.tol !== undefined ? { tolerance: options.tol } : {}),
    ...(options.wrt !== undefined ? { wrt: options.wrt } : {}),
  });
  for (const r of report.inputs) expect(r.missing, `gradient for input ${r.input} is undefined`).toBe(false);
  expect(report.ok, report.toString()).toBe(true);
}
