/**
 * Element expressions: the value of any tensor of a fused kernel at an index, as C code.
 *
 * Design note. Shapes are static, so an index is two strings of C over loop variables: the
 * flat (row-major) offset and the multi-index, both built eagerly (an unused string costs
 * nothing). `value(t, idx)` returns a C expression for element `idx` of `t`:
 *
 *   t produced outside the kernel  -> a load  `b7[i]` (a broadcast input: `b7[(i / 10) % 3]`)
 *   t produced by an op inside     -> its table template over its inputs' values at the
 *                                     indices the op maps to (broadcast, transpose, slice...)
 *
 * Each computed value becomes one `const T vN = ...;` line in the current scope and is cached
 * by (tensor, index), so a value used twice at one index is computed once. Ops that must not
 * read an input everywhere (pad, concat, one-hot, slice-grad) evaluate it in a nested scope
 * under their condition, so no out-of-bounds address is ever formed.
 */
import type { Operation, Tensor } from '../../src/graph/graph.js';
import { sizeOf, stridesOf, shapesEqual } from '../../src/graph/shape.js';
import type { DType } from '../../src/graph/dtype.js';
import { CPP_ELEMENTWISE, ctype } from './elementwise.js';
import { cString, floatLit, i64, intLit } from './names.js';

export interface Index {
  flat: string;
  multi: string[];
}

/** How a kernel reads a tensor produced outside it. */
export interface ExternalRead {
  /** Pointer variable name. */
  ptr: string;
  /** Stored as int32 at the ABI boundary although the tensor is bool. */
  boolAsInt: boolean;
  /** A scalar literal (a Const of one element) instead of a load. */
  literal?: string;
}

export const shapeOf = (t: Tensor): number[] => t.shape as number[];

/** The index of element `flat` of `shape`, from a flat expression. */
export function indexFromFlat(flat: string, shape: readonly number[]): Index {
  const st = stridesOf(shape);
  const multi = shape.map((d, k) => {
    if (d === 1) return '0';
    const q = st[k] === 1 ? flat : `(${flat}) / ${i64(st[k]!)}`;
    return k === 0 ? `(${q})` : `((${q}) % ${i64(d)})`;
  });
  return { flat, multi };
}

/** The index of a multi-index over `shape`. */
export function indexFromMulti(multi: readonly string[], shape: readonly number[]): Index {
  const st = stridesOf(shape);
  const terms = multi.map((m, k) => (shape[k] === 1 || m === '0' ? '' : st[k] === 1 ? `${m}` : `(${m}) * ${i64(st[k]!)}`)).filter((s) => s);
  return { flat: terms.length ? terms.join(' + ') : '0', multi: [...multi] };
}

/** The index into `from` (broadcast NumPy-style to `to`) for an index of `to`. */
export function broadcastIndex(idx: Index, from: readonly number[], to: readonly number[]): Index {
  if (shapesEqual(from, to)) return idx;
  if (sizeOf(from) === 1) return { flat: '0', multi: from.map(() => '0') };
  const off = to.length - from.length;
  return indexFromMulti(from.map((d, k) => (d === 1 ? '0' : idx.multi[k + off]!)), from);
}

export class Scope {
  readonly lines: string[] = [];
  private readonly cache = new Map<string, string>();
  constructor(readonly parent?: Scope) {}
  lookup(key: string): string | undefined {
    return this.cache.get(key) ?? this.parent?.lookup(key);
  }
  set(key: string, v: string): void {
    this.cache.set(key, v);
  }
}

/** A bad-index check a kernel reports after its loops. */
export interface IndexCheck {
  badVar: string;
  message: string;
  shape: readonly number[];
  bound: number;
}

export class ExprGen {
  private counter = 0;
  readonly checks: IndexCheck[] = [];
  /** Values fixed per row by a reduction kernel (accumulators), by tensor. */
  readonly rowValues = new Map<Tensor, string>();
  /** Ops whose value is computed from row statistics (softmax), by op. */
  readonly rowOps = new Map<Operation, (x: string) => string>();

  constructor(
    readonly members: ReadonlySet<Operation>,
    readonly external: (t: Tensor) => ExternalRead,
    readonly prefix: string,
  ) {}

  fresh(stem = 'v'): string {
    return `${stem}${this.prefix}_${this.counter++}`;
  }

  /** C expression of element `idx` of `t`. */
  value(t: Tensor, idx: Index, scope: Scope): string {
    const row = this.rowValues.get(t);
    if (row !== undefined) return row;
    const key = `${t.op.id}:${t.index}@${idx.flat}`;
    const hit = scope.lookup(key);
    if (hit !== undefined) return hit;
    let expr: string;
    if (!this.members.has(t.op)) {
      const ext = this.external(t);
      if (ext.literal !== undefined) return ext.literal;
      const load = `${ext.ptr}[${idx.flat}]`;
      expr = ext.boolAsInt ? `((uint8_t)(${load} != 0))` : load;
    } else {
      expr = this.compute(t.op, idx, scope);
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(expr) || /^\(?-?[0-9.e+-]+f?\)?$/.test(expr)) {
      scope.set(key, expr);
      return expr;
    }
    const v = this.fresh();
    scope.lines.push(`const ${ctype(t.dtype)} ${v} = ${expr};`);
    scope.set(key, v);
    return v;
  }

  private compute(op: Operation, idx: Index, scope: Scope): string {
    const out = op.outputs[0]!;
    const oshape = shapeOf(out);
    const rowOp = this.rowOps.get(op);
    if (rowOp) return rowOp(this.value(op.inputs[0]!, idx, scope));
    const template = CPP_ELEMENTWISE[op.type];
    if (template) {
      const a = op.inputs.map((t) => this.value(t, broadcastIndex(idx, shapeOf(t), oshape), scope));
      return template({ a, dtypes: op.inputs.map((t) => t.dtype), out: out.dtype, attrs: op.attrs });
    }
    const x = op.inputs[0]!;
    const xs = shapeOf(x);
    const at = (i: Index): string => this.value(x, i, scope);
    switch (op.type) {
      case 'Reshape':
      case 'ReshapeLike':
      case 'ExpandDims':
      case 'Squeeze':
        return at(indexFromFlat(idx.flat, xs));
      case 'BroadcastTo':
      case 'BroadcastLike':
        return at(broadcastIndex(idx, xs, oshape));
      case 'BroadcastReduced': {
        const axes = (op.attrs['axes'] as number[]).map((a) => (a < 0 ? a + oshape.length : a));
        const keep = op.attrs['keepDims'] as boolean;
        const multi = keep ? oshape.map((_, k) => (axes.includes(k) ? '0' : idx.multi[k]!)) : oshape.flatMap((_, k) => (axes.includes(k) ? [] : [idx.multi[k]!]));
        return at(indexFromMulti(multi, xs));
      }
      case 'Transpose': {
        const perm = op.attrs['perm'] as number[];
        const multi = new Array<string>(xs.length);
        perm.forEach((p, d) => (multi[p] = idx.multi[d]!));
        return at(indexFromMulti(multi, xs));
      }
      case 'Slice': {
        const begin = op.attrs['begin'] as number[];
        return at(indexFromMulti(idx.multi.map((m, d) => (begin[d] ? `(${m} + ${begin[d]})` : m)), xs));
      }
      case 'PadGrad': {
        const begin = op.attrs['begin'] as number[];
        return at(indexFromMulti(idx.multi.map((m, d) => (begin[d] ? `(${m} + ${begin[d]})` : m)), xs));
      }
      case 'Pad':
      case 'SliceGrad': {
        const begin = op.type === 'Pad' ? (op.attrs['paddings'] as [number, number][]).map((p) => p[0]) : (op.attrs['begin'] as number[]);
        const fill = op.type === 'Pad' ? this.literal(op.attrs['constantValue'] as number, out.dtype) : this.literal(0, out.dtype);
        const inner = idx.multi.map((m, d) => (begin[d] ? `(${m} - ${begin[d]})` : m));
        const conds = inner.flatMap((m, d) => (begin[d] === 0 && xs[d] === oshape[d] ? [] : [`(uint64_t)(${m}) < ${xs[d]}u`]));
        return this.guarded(out.dtype, conds.join(' && ') || '1', fill, (s) => this.value(x, indexFromMulti(inner, xs), s), scope);
      }
      case 'ConcatV2': {
        const axis = (op.attrs['axis'] as number) < 0 ? (op.attrs['axis'] as number) + oshape.length : (op.attrs['axis'] as number);
        const v = this.fresh();
        scope.lines.push(`${ctype(out.dtype)} ${v};`);
        let offset = 0;
        op.inputs.forEach((t, j) => {
          const n = shapeOf(t)[axis]!;
          const s = new Scope(scope);
          const m = idx.multi.map((e, d) => (d === axis && offset ? `(${e} - ${offset})` : e));
          const val = this.value(t, indexFromMulti(m, shapeOf(t)), s);
          const last = j === op.inputs.length - 1;
          const head = j === 0 ? (last ? '{' : `if (${idx.multi[axis]} < ${offset + n}) {`) : last ? 'else {' : `else if (${idx.multi[axis]} < ${offset + n}) {`;
          scope.lines.push(head, ...s.lines.map((l) => '  ' + l), `  ${v} = ${val};`, '}');
          offset += n;
        });
        return v;
      }
      case 'GatherV2': {
        const p = op.inputs[0]!;
        const ind = op.inputs[1]!;
        const ps = shapeOf(p);
        const is = shapeOf(ind);
        const axis = (op.attrs['axis'] as number) < 0 ? (op.attrs['axis'] as number) + ps.length : (op.attrs['axis'] as number);
        const indIdx = indexFromMulti(idx.multi.slice(axis, axis + is.length), is);
        const raw = this.value(ind, indIdx, scope);
        const check = this.check(op, is, ps[axis]!);
        const ix = this.fresh('ix');
        scope.lines.push(`int32_t ${ix} = ${raw};`);
        scope.lines.push(`if (KILN_UNLIKELY((uint32_t)${ix} >= ${ps[axis]}u)) { kiln_note_bad(&${check}, ${indIdx.flat}, ${ix}); ${ix} = 0; }`);
        const pm = [...idx.multi.slice(0, axis), ix, ...idx.multi.slice(axis + is.length)];
        return this.value(p, indexFromMulti(pm, ps), scope);
      }
      case 'OneHot': {
        const depth = op.attrs['depth'] as number;
        const a0 = op.attrs['axis'] as number;
        const axis = a0 < 0 ? a0 + xs.length + 1 : a0;
        const m = [...idx.multi.slice(0, axis), ...idx.multi.slice(axis + 1)];
        const ind = this.value(x, indexFromMulti(m, xs), scope);
        void depth;
        return `(${ind} == ${idx.multi[axis]} ? ${this.literal(op.attrs['onValue'] as number, out.dtype)} : ${this.literal(op.attrs['offValue'] as number, out.dtype)})`;
      }
      default:
        throw new Error(`codegen: no element template for ${op.type} '${op.name}'`);
    }
  }

  /** `cond ? (inner value) : fill`, evaluating the inner value only under the condition. */
  private guarded(dtype: DType, cond: string, fill: string, inner: (s: Scope) => string, scope: Scope): string {
    const v = this.fresh();
    const s = new Scope(scope);
    const val = inner(s);
    scope.lines.push(`${ctype(dtype)} ${v} = ${fill};`, `if (${cond}) {`, ...s.lines.map((l) => '  ' + l), `  ${v} = ${val};`, '}');
    return v;
  }

  literal(v: number, dtype: DType): string {
    return dtype === 'float32' ? floatLit(v) : dtype === 'int32' ? intLit(Math.trunc(v)) : v ? '1' : '0';
  }

  /** Declares (once per op) the bad-index record of a gather. */
  private check(op: Operation, shape: readonly number[], bound: number): string {
    const existing = this.checks.find((c) => c.message.includes(`'${op.name}'`) && c.bound === bound);
    if (existing) return existing.badVar;
    const badVar = this.fresh('bad');
    this.checks.push({ badVar, message: `${op.def.apiName} '${op.name}': indices`, shape, bound });
    return badVar;
  }
}

/** C lines declaring the records of `checks` (before the loops). */
export function declareChecks(checks: readonly IndexCheck[]): string[] {
  return checks.map((c) => `kiln_bad ${c.badVar} = {-1, 0};`);
}

/** C lines failing the call when a check saw a bad index (after the loops). */
export function reportChecks(checks: readonly IndexCheck[]): string[] {
  return checks.flatMap((c) => [
    `if (${c.badVar}.pos >= 0) {`,
    `  static const int64_t shape_[] = {${c.shape.length ? c.shape.join(', ') : 1}};`,
    '  char where_[128];',
    `  kiln_fmt_index(where_, sizeof where_, ${c.badVar}.pos, shape_, ${c.shape.length});`,
    `  return KILN_FAIL(call, KILN_ERR_INVALID_ARGUMENT, "%s%s = %lld is not in [0, ${c.bound})", ${cString(c.message)}, where_, (long long)${c.badVar}.value);`,
    '}',
  ]);
}
