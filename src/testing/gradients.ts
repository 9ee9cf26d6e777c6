/**
 * checkGradients: compares the symbolic gradients kiln builds with central differences,
 * both computed by the reference interpreter in float64.
 *
 * The scalar differentiated is  s(x) = sum_i f(x)_i * w_i  with fixed pseudo-random weights w in
 * [0.5, 1.5) (handed to `gradients` as the seed), so an error in one output element cannot
 * cancel against another by symmetry, as it could with a plain sum. For every element e of
 * each checked input,
 *
 *   numeric_e = (s(x + eps*e) - s(x - eps*e)) / (2*eps)          error_e = |numeric_e - symbolic_e| / max(1, |numeric_e|)
 *
 * and the report gives, per input, the worst element with both values.
 */
import { Graph, type Operation, type Tensor } from '../graph/graph.js';
import { array, NDArray, type ArrayLike } from '../graph/ndarray.js';
import { formatShape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { gradients } from '../autodiff/gradients.js';
import { constant } from '../ops/constant.js';
import { placeholder } from '../ops/placeholder.js';
import { interpret } from '../interpreter/interpreter.js';
import { toValue } from '../interpreter/values.js';
import { variableInitialValue, type VariableAttrs } from '../ops/variable.js';

export interface GradientCheckOptions {
  /** Central-difference step (default 1e-6; the evaluation is float64). */
  eps?: number;
  /** Largest relative error that passes (default 1e-5). */
  tolerance?: number;
  /** Indices of the inputs to check (default: every float32 input). */
  wrt?: readonly number[];
  /** Seed of the output weights (default 7). */
  seed?: number;
}

export interface InputGradientCheck {
  /** Position of the input in `inputs`. */
  input: number;
  shape: number[];
  /** Largest relative error over the input's elements. */
  maxError: number;
  /** Flat index of the worst element, and its coordinates. */
  worstIndex: number;
  worstCoords: number[];
  /** Symbolic and numeric gradient at the worst element. */
  symbolic: number;
  numeric: number;
  /** `gradients` found no path from the output to this input (its gradient taken as zeros). */
  missing: boolean;
  ok: boolean;
}

export interface GradientCheckReport {
  ok: boolean;
  /** Largest relative error over all checked inputs. */
  maxError: number;
  tolerance: number;
  inputs: InputGradientCheck[];
  /** One line per input: worst element, both values, pass or fail. */
  toString(): string;
}

/** Deterministic weights in [lo, hi) (an LCG: the same numbers on every platform). */
function weights(n: number, seed: number, lo = 0.5, hi = 1.5): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

function coords(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = index % shape[d]!;
    index = Math.floor(index / shape[d]!);
  }
  return out;
}

/**
 * Checks the gradients of `f(...inputs)` against central differences and reports the worst
 * element per input. `f` builds its result from placeholders shaped like `inputs` (in a fresh
 * graph); variables it creates hold their initial values.
 * @example
 *   const r = kiln.testing.checkGradients((x, w) => kiln.tanh(kiln.matmul(x, w)), [xs, ws]);
 *   if (!r.ok) throw new Error(r.toString());
 * @throws InvalidArgumentError when `f` does not return a float tensor or an input index is wrong
 */
export function checkGradients(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly ArrayLike[],
  options: GradientCheckOptions = {},
): GradientCheckReport {
  const eps = options.eps ?? 1e-6;
  const tolerance = options.tolerance ?? 1e-5;
  const values = inputs.map((x) => toValue(x instanceof NDArray ? x : array(x)));
  const wrt = options.wrt ?? values.map((_, i) => i).filter((i) => values[i]!.dtype === 'float32');
  for (const i of wrt) {
    if (!values[i]) throw new InvalidArgumentError(`checkGradients: wrt index ${i} is not an input (${values.length} inputs)`);
    if (values[i]!.dtype !== 'float32') throw new InvalidArgumentError(`checkGradients: input ${i} is ${values[i]!.dtype}; only float32 inputs have gradients`);
  }
  const g = new Graph();
  return g.asDefault(() => {
    const phs = values.map((x, i) => placeholder(x.dtype, x.shape, `x${i}`));
    const y = f(...phs);
    if (!y || y.graph !== g) throw new InvalidArgumentError('checkGradients: f must return a tensor built from its arguments');
    if (y.dtype !== 'float32') throw new InvalidArgumentError(`checkGradients: f returned ${y.dtype}; expected a float32 tensor`);
    const outShape = y.shape.map((d) => d ?? 1);
    // The weights as the float32 seed constant holds them, so the objective matches the seed exactly.
    const w = Float64Array.from(Float32Array.from(weights(outShape.reduce((a, d) => a * d, 1), options.seed ?? 7)));
    const seedT = constant(new NDArray(Float32Array.from(w), outShape, 'float32'));
    const grads = gradients(y, wrt.map((i) => phs[i]!), seedT);

    const state = new Map<Operation, NDArray>();
    const read = (op: Operation): NDArray => {
      let v = state.get(op);
      if (!v) state.set(op, (v = toValue(variableInitialValue(op.attrs as VariableAttrs))));
      return v;
    };
    const run = (fetches: Tensor[], vals: readonly NDArray[]): NDArray[] =>
      interpret(fetches, [], new Map(phs.map((p, i) => [p.op, vals[i]!])), { read }).values;
    const objective = (vals: readonly NDArray[]): number => {
      const out = run([y], vals)[0]!.data;
      let s = 0;
      for (let i = 0; i < out.length; i++) s += out[i]! * w[i]!;
      return s;
    };

    const defined = grads.filter((t): t is Tensor => t !== undefined);
    const evaluated = defined.length ? run(defined, values) : [];
    // The symbolic gradient of each checked input (undefined where `gradients` found no path).
    let k = 0;
    const symbolic = grads.map((t, j) => {
      if (!t) return undefined;
      const v = evaluated[k++]!;
      const want = values[wrt[j]!]!.shape;
      if (v.shape.join() !== want.join()) {
        throw new InvalidArgumentError(`checkGradients: the gradient ${t.op} has shape ${formatShape(v.shape)}, expected the input's ${formatShape(want)}`);
      }
      return v.data;
    });
    const reports = wrt.map((inputIndex, j): InputGradientCheck => {
      const base = values[inputIndex]!;
      const sym = symbolic[j] ?? new Float64Array(base.data.length);
      let worst = -1;
      let worstAt = 0;
      let worstSym = 0;
      let worstNum = 0;
      for (let e = 0; e < base.data.length; e++) {
        const shifted = (delta: number): NDArray[] => {
          const data = Float64Array.from(base.data);
          data[e]! += delta;
          return values.map((v, i) => (i === inputIndex ? new NDArray(data, base.shape, 'float32') : v));
        };
        const numeric = (objective(shifted(eps)) - objective(shifted(-eps))) / (2 * eps);
        const s = sym[e]!;
        // NaN anywhere is a failure, never a silent pass.
        const err = Number.isNaN(numeric) || Number.isNaN(s) ? Infinity : Math.abs(numeric - s) / Math.max(1, Math.abs(numeric));
        if (err > worst) {
          worst = err;
          worstAt = e;
          worstSym = s;
          worstNum = numeric;
        }
      }
      const maxError = Math.max(0, worst);
      return {
        input: inputIndex,
        shape: [...base.shape],
        maxError,
        worstIndex: worstAt,
        worstCoords: coords(worstAt, base.shape),
        symbolic: worstSym,
        numeric: worstNum,
        missing: !grads[j],
        ok: maxError <= tolerance,
      };
    });
    const maxError = Math.max(0, ...reports.map((r) => r.maxError));
    return {
      ok: reports.every((r) => r.ok),
      maxError,
      tolerance,
      inputs: reports,
      toString: () => formatReport(reports, tolerance),
    };
  });
}

function formatReport(reports: readonly InputGradientCheck[], tolerance: number): string {
  return reports
    .map(
      (r) =>
        `input ${r.input} ${formatShape(r.shape)}: max relative error ${r.maxError.toExponential(2)} at [${r.worstCoords.join(',')}]` +
        ` (symbolic ${r.symbolic.toPrecision(6)}, numeric ${r.numeric.toPrecision(6)})${r.missing ? ', no symbolic gradient' : ''}` +
        ` ${r.ok ? 'ok' : `FAIL (tolerance ${tolerance.toExponential()})`}`,
    )
    .join('\n');
}
