/**
 * Shared test helpers: float64 evaluation on the reference interpreter and gradient checks
 * against central differences.
 */
import { expect } from 'vitest';
import * as kiln from '../src/index.js';
import { interpret } from '../src/interpreter/interpreter.js';
import { toValue } from '../src/interpreter/values.js';
import { variableInitialValue, type VariableAttrs } from '../src/ops/variable.js';

const { Graph, NDArray } = kiln;
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
 * Checks the symbolic gradient of `f(...inputs)` against central differences in float64.
 * The scalar checked is `sum(f(x) * w)` with fixed random weights `w` (passed as the seed of
 * `gradients`), so errors cannot cancel by symmetry.
 */
export function checkGradient(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly NDArrayT[],
  options: GradCheckOptions = {},
): void {
  const eps = options.eps ?? 1e-6;
  const tol = options.tol ?? 1e-5;
  const g = new Graph();
  g.asDefault(() => {
    const phs = inputs.map((x, i) => kiln.placeholder(x.dtype, x.shape, `x${i}`));
    const y = f(...phs);
    const w = randomData(y.shape.reduce<number>((a, d) => a * (d ?? 1), 1), 7, 0.5, 1.5);
    const wT = kiln.constant(new NDArray(Float32Array.from(w), y.shape.map((d) => d ?? 1), 'float32'));
    const wq = Float64Array.from(Float32Array.from(w)); // the weights as the constant holds them
    const wrt = options.wrt ?? inputs.map((_, i) => i).filter((i) => inputs[i]!.dtype === 'float32');
    const grads = kiln.gradients(y, wrt.map((i) => phs[i]!), wT);
    const feeds = (vals: readonly NDArrayT[]) => new Map(phs.map((p, i) => [p, toValue(vals[i]!)] as [Tensor, NDArrayT]));
    const objective = (vals: readonly NDArrayT[]): number => {
      const [out] = evalF64(y, feeds(vals));
      let s = 0;
      for (let i = 0; i < out!.data.length; i++) s += out!.data[i]! * wq[i]!;
      return s;
    };
    const defined = grads.map((gr, k) => {
      expect(gr, `gradient for input ${wrt[k]} is undefined`).toBeDefined();
      return gr!;
    });
    const symbolic = evalF64(defined, feeds(inputs));
    wrt.forEach((inputIndex, k) => {
      const base = toValue(inputs[inputIndex]!);
      const sym = symbolic[k]!;
      expect(sym.shape).toEqual(base.shape);
      let worst = 0;
      let worstAt = -1;
      for (let e = 0; e < base.data.length; e++) {
        const plus = Float64Array.from(base.data);
        const minus = Float64Array.from(base.data);
        plus[e]! += eps;
        minus[e]! -= eps;
        const vp = inputs.map((v, j) => (j === inputIndex ? new NDArray(plus, base.shape, 'float32') : v));
        const vm = inputs.map((v, j) => (j === inputIndex ? new NDArray(minus, base.shape, 'float32') : v));
        const numeric = (objective(vp) - objective(vm)) / (2 * eps);
        const err = Math.abs(numeric - sym.data[e]!) / Math.max(1, Math.abs(numeric));
        if (err > worst) {
          worst = err;
          worstAt = e;
        }
      }
      expect(worst, `input ${inputIndex}: worst relative error at element ${worstAt}`).toBeLessThanOrEqual(tol);
    });
  });
}
