/**
 * Helpers for the pass tests: a canonical structural text of a program (independent of op
 * names and creation order), and evaluation on the interpreter by placeholder name.
 */
import { expect } from 'vitest';
import * as kiln from '../../src/index.js';
import { interpret } from '../../src/interpreter/interpreter.js';
import { toValue } from '../../src/interpreter/values.js';
import { variableInitialValue, type VariableAttrs } from '../../src/ops/variable.js';
import { attrKey } from '../../src/passes/cse.js';

type Program = kiln.passes.Program;
type Operation = kiln.Operation;

/**
 * Canonical structure: ops numbered in post-order from the fetches (inputs first, in input
 * order), one line each: `%n = Type(%a, %b) attrs`. Placeholders and variables show their
 * names, constants their values; two programs compare equal when they compute the same way.
 */
export function structure(program: Program): string {
  const num = new Map<Operation, number>();
  const lines: string[] = [];
  const visit = (op: Operation): number => {
    const known = num.get(op);
    if (known !== undefined) return known;
    const ins = op.inputs.map((t) => `%${visit(t.op)}${t.index ? ':' + t.index : ''}`);
    const ctrl = op.controlInputs.map((c) => `^%${visit(c)}`);
    let attrs: string;
    if (op.type === 'Const') {
      const v = op.attrs['value'] as kiln.NDArray;
      attrs = `${v.dtype}[${v.shape}] ${v.size <= 8 ? JSON.stringify(Array.from(v.data).map((x) => (Object.is(x, -0) ? '-0' : x))) : '#' + attrKey(v).length}`;
    } else if (op.type === 'Placeholder' || op.type === 'Variable') {
      attrs = `'${op.name}' [${op.outputs[0]!.shape.map((d) => d ?? '?')}]`;
    } else {
      attrs = Object.keys(op.attrs).length ? attrKey(op.attrs) : '';
    }
    const n = num.size;
    num.set(op, n);
    lines.push(`%${n} = ${op.type}(${[...ins, ...ctrl].join(', ')}) ${attrs}`.trimEnd());
    return n;
  };
  const fetches = program.fetches.map((t) => `%${visit(t.op)}${t.index ? ':' + t.index : ''}`);
  const targets = program.targets.map((o) => `%${visit(o)}`);
  lines.push(`fetch ${fetches.join(', ')}${targets.length ? ' target ' + targets.join(', ') : ''}`);
  return lines.join('\n');
}

/** Values of the program's fetches (float64 storage) and its variable updates, variables at their initial values. */
export function run(program: Program, feeds: Record<string, kiln.NDArray> = {}): { values: kiln.NDArray[]; updates: Map<string, kiln.NDArray> } {
  const feedOps = new Map<Operation, kiln.NDArray>();
  for (const op of program.graph.ops) {
    if (op.type === 'Placeholder' && feeds[op.name]) feedOps.set(op, toValue(feeds[op.name]!));
  }
  const { values, updates } = interpret(program.fetches, program.targets, feedOps, {
    read: (op) => toValue(variableInitialValue(op.attrs as VariableAttrs)),
  });
  return { values, updates: new Map([...updates].map(([op, v]) => [op.name, v])) };
}

/** Asserts the two runs agree: same shapes, values within float32 tolerance (NaN matches NaN), same updates. */
export function expectSameRun(got: ReturnType<typeof run>, want: ReturnType<typeof run>, tol = 1e-5, context = ''): void {
  const cmp = (g: kiln.NDArray, w: kiln.NDArray, what: string): void => {
    expect(g.shape, `${context}${what}: shape`).toEqual(w.shape);
    for (let i = 0; i < w.data.length; i++) {
      const a = g.data[i]!;
      const b = w.data[i]!;
      if (Number.isNaN(b) || Number.isNaN(a)) {
        expect(Number.isNaN(a) && Number.isNaN(b), `${context}${what}[${i}]: got ${a}, want ${b}`).toBe(true);
      } else if (!Number.isFinite(b)) {
        expect(a, `${context}${what}[${i}]`).toBe(b);
      } else {
        const err = Math.abs(a - b) / Math.max(1, Math.abs(b));
        expect(err <= tol, `${context}${what}[${i}]: got ${a}, want ${b}`).toBe(true);
      }
    }
  };
  expect(got.values.length).toBe(want.values.length);
  got.values.forEach((v, i) => cmp(v, want.values[i]!, `fetch ${i}`));
  expect([...got.updates.keys()].sort(), `${context}updated variables`).toEqual([...want.updates.keys()].sort());
  for (const [k, v] of want.updates) cmp(got.updates.get(k)!, v, `update of ${k}`);
}

/** Builds a program in a fresh graph: `build` returns the fetches (and optionally targets). */
export function build(fn: () => kiln.Tensor[] | { fetches: kiln.Tensor[]; targets?: Operation[] }): Program {
  const g = new kiln.Graph();
  g.seed = 1;
  return g.asDefault(() => {
    const r = fn();
    return Array.isArray(r) ? kiln.passes.makeProgram(r) : kiln.passes.makeProgram(r.fetches, r.targets ?? []);
  });
}

/** A float32 NDArray with deterministic values in [lo, hi). */
export function data(shape: number[], seed = 1, lo = -1, hi = 1): kiln.NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return new kiln.NDArray(out, shape, 'float32');
}
