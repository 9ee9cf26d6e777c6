/**
 * simplify (algebraic simplification): local rewrites that are exact in IEEE float32, applied
 * until nothing changes. Each rule gives bit-identical results for every input, NaN, ±Inf and
 * ±0 included:
 *
 *   identity(x), stopGradient(x)      -> x      (stopGradient only matters to `gradients`)
 *   x * 1, 1 * x, x / 1               -> x      (when the result has x's shape)
 *   x + (-0), (-0) + x, x - (+0)      -> x      (x + (+0) is NOT x: -0 + +0 = +0; int32: x ± 0 -> x)
 *   -(-x)                             -> x
 *   transpose(transpose(x, p), q)     -> transpose(x, p∘q), or x when that is the identity
 *   reshape(reshape(x)) -> reshape(x); reshape to x's own shape -> x
 *   matmul(transpose(a), b)           -> matmul(a, b, transposeA: !transposeA)  (last two dims swapped)
 *   f(broadcast(s), y)                -> f(s, y) for a broadcasting binary f when s broadcasts to the same result
 *
 * Deliberately absent (they change float32 results): 1/(1/x) -> x (rounding, overflow of 1/x),
 * x/c -> x*(1/c), (a+b)+c reassociation, x*0 -> 0 (NaN, Inf, -0), x - x -> 0, and
 * argmax(f(x)) -> argmax(x) for monotone f (f may saturate and create ties: argmax picks the first).
 */
import type { Operation, Tensor } from '../graph/graph.js';
import { broadcastShapes, shapesEqual } from '../graph/shape.js';
import { rewrite, type PassResult, type Program, type RewriteContext } from './program.js';
import { isConstWhere } from './util.js';

/** Binary ops with NumPy broadcasting, for which an explicit broadcast of an operand is redundant. */
const BROADCASTING_BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Maximum', 'Minimum', 'Pow', 'SquaredDifference']);
/** Ops that repeat their first input to a larger shape (NumPy-aligned for the cases accepted below). */
const BROADCASTS = new Set(['BroadcastLike', 'BroadcastTo', 'BroadcastReduced']);

const MAX_ROUNDS = 8;

export function simplify(program: Program): PassResult {
  let total = 0;
  let current = program;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let changes = 0;
    const next = rewrite(current, (op, ctx) => {
      const out = simplifyOp(op, ctx);
      if (out) changes++;
      return out;
    });
    if (changes === 0) break;
    total += changes;
    current = next;
  }
  return { program: current, changes: total };
}

const isOne = (x: number): boolean => x === 1;
const isNegZero = (x: number): boolean => Object.is(x, -0);
const isPosZero = (x: number): boolean => Object.is(x, 0);
const isZero = (x: number): boolean => x === 0;

function sameType(t: Tensor, out: Tensor): boolean {
  return t.dtype === out.dtype && shapesEqual(t.shape, out.shape);
}

function simplifyOp(op: Operation, ctx: RewriteContext): readonly Tensor[] | undefined {
  const ins = ctx.inputs;
  const out = op.outputs[0]!;
  const [a, b] = ins as [Tensor, Tensor];
  switch (op.type) {
    case 'Identity':
    case 'StopGradient':
      return [a];
    case 'Mul':
      if (isConstWhere(b, isOne) && sameType(a, out)) return [a];
      if (isConstWhere(a, isOne) && sameType(b, out)) return [b];
      break;
    case 'Div':
      if (isConstWhere(b, isOne) && sameType(a, out)) return [a];
      break;
    case 'Add': {
      const zero = out.dtype === 'float32' ? isNegZero : isZero;
      if (isConstWhere(b, zero) && sameType(a, out)) return [a];
      if (isConstWhere(a, zero) && sameType(b, out)) return [b];
      break;
    }
    case 'Sub': {
      const zero = out.dtype === 'float32' ? isPosZero : isZero;
      if (isConstWhere(b, zero) && sameType(a, out)) return [a];
      break;
    }
    case 'Neg':
      if (a.op.type === 'Neg') return [a.op.inputs[0]!];
      break;
    case 'Transpose': {
      const perm = op.attrs['perm'] as readonly number[];
      let src = a;
      let composed = [...perm];
      if (a.op.type === 'Transpose') {
        const inner = a.op.attrs['perm'] as readonly number[];
        composed = perm.map((p) => inner[p]!);
        src = a.op.inputs[0]!;
      }
      if (composed.every((p, i) => p === i)) return [src];
      if (src !== a) return ctx.emit('Transpose', [src], { ...op.attrs, perm: composed }).outputs;
      break;
    }
    case 'Reshape': {
      if (sameType(a, out)) return [a];
      if (a.op.type === 'Reshape') return ctx.copy([a.op.inputs[0]!]).outputs;
      break;
    }
    case 'MatMul': {
      const swapped = (t: Tensor): boolean => {
        if (t.op.type !== 'Transpose') return false;
        const perm = t.op.attrs['perm'] as readonly number[];
        const r = perm.length;
        return r >= 2 && perm.every((p, i) => (i < r - 2 ? p === i : i === r - 2 ? p === r - 1 : p === r - 2));
      };
      const ta = swapped(a);
      const tb = swapped(b);
      if (!ta && !tb) break;
      const attrs = {
        ...op.attrs,
        transposeA: ta ? !op.attrs['transposeA'] : op.attrs['transposeA'],
        transposeB: tb ? !op.attrs['transposeB'] : op.attrs['transposeB'],
      };
      return ctx.copy([ta ? a.op.inputs[0]! : a, tb ? b.op.inputs[0]! : b], attrs).outputs;
    }
    default:
      break;
  }
  if (BROADCASTING_BINARY.has(op.type) && ins.length === 2) {
    const unwrapped = ins.map((t) => {
      if (!BROADCASTS.has(t.op.type)) return t;
      const src = t.op.inputs[0]!;
      // BroadcastReduced without kept dims aligns by axes, not NumPy-style; only a scalar is safe.
      if (t.op.type === 'BroadcastReduced' && !t.op.attrs['keepDims'] && src.rank !== 0) return t;
      return src;
    });
    if (unwrapped.some((t, i) => t !== ins[i])) {
      for (const choice of [unwrapped, [unwrapped[0]!, ins[1]!], [ins[0]!, unwrapped[1]!]]) {
        if (choice.every((t, i) => t === ins[i])) continue;
        let shape;
        try {
          shape = broadcastShapes(choice[0]!.shape, choice[1]!.shape);
        } catch {
          continue;
        }
        if (shapesEqual(shape, out.shape)) return ctx.copy(choice).outputs;
      }
    }
  }
  return undefined;
}
