/**
 * Loop kernels (elementwise, broadcast, injective chains), reduction kernels (row loops with a
 * prologue and epilogue) and update kernels (optimizer arithmetic + Assign* on state, in place),
 * all generated as loop nests over static bounds.
 *
 * Parallelism: a loop nest gets `#pragma omp parallel for` when its iteration space holds at
 * least PARALLEL_MIN_ELEMENTS elements. Why that number: entering an OpenMP parallel region costs
 * a few microseconds (thread wake-up and the join barrier), while one core streams a simple
 * elementwise op at roughly 1-4 elements per nanosecond; below ~32K elements the whole loop
 * takes about as long as the fork/join itself, so threads would only add latency.
 */
import { reductionAxes as passReductionAxes } from '../../src/passes/util.js';
import type { Operation, Tensor } from '../../src/graph/graph.js';
import type { Kernel } from '../../src/passes/fuse.js';
import { shapesEqual, sizeOf, stridesOf } from '../../src/graph/shape.js';
import { ctype, elemBytes } from './elementwise.js';
import { ExprGen, Scope, declareChecks, indexFromFlat, reportChecks, shapeOf, type ExternalRead, type Index } from './expr.js';
import { i64 } from './names.js';

export const PARALLEL_MIN_ELEMENTS = 32768;

export interface WriteTarget {
  ptr: string;
  boolAsInt: boolean;
}

/** What a kernel emitter needs from the translation unit. */
export interface KernelEnv {
  read(t: Tensor): ExternalRead;
  write(t: Tensor): WriteTarget;
  /** Pointer to a variable's state buffer. */
  state(variable: Operation): string;
  /** A scratch arena buffer live during this kernel only; returns its pointer name. */
  scratch(bytes: number, ctype: string): string;
  /** The run index expression (uint32_t), for random ops. */
  runIndex: string;
  /** Records that `output` may be written over `input` (read at the same element only). */
  inPlace(input: Tensor | string, output: Tensor): void;
}

const ELEMENTWISE_KINDS = new Set(['elementwise', 'broadcast']);
const UPDATES = new Set(['Assign', 'AssignAdd', 'AssignSub']);

function store(w: WriteTarget, at: string, v: string): string {
  return `${w.ptr}[${at}] = ${w.boolAsInt ? `(int32_t)(${v})` : v};`;
}

function omp(elements: number, extra = ''): string[] {
  return elements >= PARALLEL_MIN_ELEMENTS ? [`#pragma omp parallel for schedule(static)${extra}`] : [];
}

/** A loop nest over `shape` whose body is built by `body(idx)`; returns its lines. */
function loopNest(shape: readonly number[], flatMode: boolean, body: (idx: Index) => string[], v: string): string[] {
  const n = sizeOf(shape);
  if (n === 0) return [];
  if (flatMode || shape.length <= 1) {
    const idx = indexFromFlat(v, shape);
    return [...omp(n), `for (int64_t ${v} = 0; ${v} < ${i64(n)}; ++${v}) {`, ...body(idx).map((l) => '  ' + l), '}'];
  }
  const vars = shape.map((_, k) => `${v}${k}`);
  const st = stridesOf(shape);
  const flat = vars.map((x, k) => (st[k] === 1 ? x : `${x} * ${i64(st[k]!)}`)).join(' + ');
  const idx: Index = { flat: `(${flat})`, multi: vars };
  const lines: string[] = [...omp(n)];
  shape.forEach((d, k) => lines.push(`${'  '.repeat(k)}for (int64_t ${vars[k]} = 0; ${vars[k]} < ${i64(d)}; ++${vars[k]}) {`));
  lines.push(...body(idx).map((l) => '  '.repeat(shape.length) + l));
  for (let k = shape.length - 1; k >= 0; k--) lines.push(`${'  '.repeat(k)}}`);
  return lines;
}

/** All ops elementwise/broadcast over one space (or scalars): one flat loop, every load at `i`. */
function isFlat(ops: readonly Operation[], domain: readonly number[]): boolean {
  return ops.every(
    (o) =>
      (ELEMENTWISE_KINDS.has(o.def.kind) || UPDATES.has(o.type)) &&
      [...o.inputs, ...o.outputs].every((t) => shapesEqual(shapeOf(t), domain) || sizeOf(shapeOf(t)) === 1),
  );
}

/**
 * A loop kernel over `domain` computing `outputs` from `ops` (the members); `updates` are
 * Assign* ops whose new values are stored to state at the end of each iteration (after every
 * read of the old values in that iteration). Used for loop and update kernels and for the
 * epilogues of anchored kernels.
 */
export function emitLoop(
  name: string,
  ops: readonly Operation[],
  domain: readonly number[],
  outputs: readonly Tensor[],
  env: KernelEnv,
): string[] {
  const members = new Set(ops);
  const gen = new ExprGen(members, (t) => env.read(t), name);
  const updates = ops.filter((o) => UPDATES.has(o.type));
  const flat = isFlat(ops, domain);
  if (updates.length && !flat) {
    throw new Error(`codegen: update kernel ${name} re-indexes a variable it writes; not supported yet`);
  }
  const lines: string[] = [];
  const main = outputs.filter((t) => shapesEqual(shapeOf(t), domain));
  const others = outputs.filter((t) => !shapesEqual(shapeOf(t), domain));
  const body = (targets: readonly Tensor[], withUpdates: boolean) => (idx: Index): string[] => {
    const scope = new Scope();
    const vals = targets.map((t) => gen.value(t, idx, scope));
    const ups = withUpdates ? updates.map((u) => gen.value(u.outputs[0]!, idx, scope)) : [];
    return [
      ...scope.lines,
      ...targets.map((t, j) => store(env.write(t), idx.flat, vals[j]!)),
      ...updates.map((u, j) => `${env.state(u.inputs[0]!.op)}[${idx.flat}] = ${ups[j]};`).filter(() => withUpdates),
    ];
  };
  lines.push(...loopNest(domain, flat, body(main, true), `i${name}`));
  for (const t of others) lines.push(...loopNest(shapeOf(t), false, body([t], false), `j${name}`));
  if (flat) {
    // Every load of a domain-shaped input happens at the element being written: in place is legal.
    const ins = new Set<Tensor>();
    for (const o of ops) for (const t of o.inputs) if (!members.has(t.op) && shapesEqual(shapeOf(t), domain)) ins.add(t);
    const used = new Set<Tensor>();
    for (const out of main) {
      const x = [...ins].find((t) => !used.has(t) && elemBytes(t.dtype) === elemBytes(out.dtype));
      if (x) {
        used.add(x);
        env.inPlace(x, out);
      }
    }
  }
  return [...declareChecks(gen.checks), ...lines, ...reportChecks(gen.checks)];
}

/** The reduced axes of a reduction op (normalized, sorted); the fusion pass made this kernel from them. */
function reductionAxes(op: Operation): number[] {
  const axes = passReductionAxes(op);
  if (!axes) throw new Error(`codegen: cannot tell the reduced axes of ${op}`);
  return axes;
}

const REDUCTIONS = new Set(['Sum', 'SumToLike', 'Max', 'Min', 'ArgMax', 'ArgMin', 'Softmax', 'LogSoftmax', 'LogSumExp']);

/**
 * A reduction kernel: rows = the kept dims, columns = the reduced dims of the domain (the
 * reductions' common input shape). Per row: one pass over the columns per statistic (sum, max,
 * or max then sum-of-exp for softmax), then the row's outputs; full-shape outputs in a last
 * pass. A prologue is recomputed in each pass rather than stored (it is elementwise and cheap).
 */
export function emitReduction(kernel: Kernel, env: KernelEnv): string[] {
  const name = `k${kernel.id}`;
  const members = new Set(kernel.ops);
  const gen = new ExprGen(members, (t) => env.read(t), name);
  const anchor = kernel.anchor!;
  const domain = shapeOf(anchor.inputs[0]!);
  const axes = reductionAxes(anchor);
  const kept = domain.map((_, k) => k).filter((k) => !axes.includes(k));
  const outer = sizeOf(kept.map((k) => domain[k]!));
  const inner = sizeOf(axes.map((k) => domain[k]!));
  const st = stridesOf(domain);
  const keptShape = kept.map((k) => domain[k]!);
  const redShape = axes.map((k) => domain[k]!);
  const ks = stridesOf(keptShape);
  const rs = stridesOf(redShape);
  const r = `r${name}`;
  const q = `q${name}`;
  const part = (v: string, dims: number[], strides: number[], j: number): string =>
    dims[j] === 1 ? '0' : `((${strides[j] === 1 ? v : `${v} / ${i64(strides[j]!)}`})${j === 0 ? '' : ` % ${i64(dims[j]!)}`})`;
  const multi = domain.map((_, k) => (kept.includes(k) ? part(r, keptShape, ks, kept.indexOf(k)) : part(q, redShape, rs, axes.indexOf(k))));
  const trailing = axes.every((a, j) => a === domain.length - axes.length + j);
  const fullFlat = trailing ? (inner === 1 ? r : `${r} * ${i64(inner)} + ${q}`) : multi.map((m, k) => (m === '0' ? '' : st[k] === 1 ? m : `${m} * ${i64(st[k]!)}`)).filter((s) => s).join(' + ') || '0';
  const full: Index = { flat: `(${fullFlat})`, multi };
  const column = columnSums(kernel, env, gen, { domain, axes, outer, inner, r, q, multi });
  if (column) return column;
  const rowScope = new Scope();
  const row: string[] = [];
  const pass = (init: string[], step: (v: string, s: Scope) => string[], input: Tensor, simd: string): void => {
    const s = new Scope(rowScope);
    const v = gen.value(input, full, s);
    const stepLines = step(v, s);
    const canSimd = simd && !s.lines.some((l) => l.includes('{'));
    row.push(...init, ...(canSimd ? [simd] : []), `for (int64_t ${q} = 0; ${q} < ${i64(inner)}; ++${q}) {`, ...[...s.lines, ...stepLines].map((l) => '  ' + l), '}');
  };
  for (const op of kernel.ops) {
    if (!REDUCTIONS.has(op.type)) continue;
    const x = op.inputs[0]!;
    const isInt = x.dtype === 'int32';
    const out = op.outputs[0]!;
    const acc = gen.fresh('acc');
    switch (op.type) {
      case 'Sum':
      case 'SumToLike':
        if (isInt) {
          pass([`uint32_t ${acc} = 0;`], (v) => [`${acc} += (uint32_t)${v};`], x, `#pragma omp simd reduction(+:${acc})`);
          gen.rowValues.set(out, `((int32_t)${acc})`);
        } else {
          pass([`double ${acc} = 0.0;`], (v) => [`${acc} += (double)${v};`], x, `#pragma omp simd reduction(+:${acc})`);
          gen.rowValues.set(out, `((float)${acc})`);
        }
        break;
      case 'Max':
      case 'Min': {
        const gt = op.type === 'Max' ? '>' : '<';
        const init = isInt ? (op.type === 'Max' ? 'INT32_MIN' : 'INT32_MAX') : op.type === 'Max' ? '-INFINITY' : 'INFINITY';
        const nan = isInt ? '' : ` || ${'$'} != ${'$'}`;
        pass([`${ctype(x.dtype)} ${acc} = ${init};`], (v) => [`${acc} = (${v} ${gt} ${acc}${nan.replace(/\$/g, v)}) ? ${v} : ${acc};`], x, '');
        gen.rowValues.set(out, acc);
        break;
      }
      case 'ArgMax':
      case 'ArgMin': {
        const gt = op.type === 'ArgMax' ? '>' : '<';
        const best = gen.fresh('best');
        const nanCheck = isInt ? '' : ` || ${'$'} != ${'$'}`;
        pass(
          [`${ctype(x.dtype)} ${best} = 0;`, `int32_t ${acc} = 0;`],
          (v) => [`if (${q} == 0 || (${isInt ? '1' : `${best} == ${best}`} && (${v} ${gt} ${best}${nanCheck.replace(/\$/g, v)}))) { ${best} = ${v}; ${acc} = (int32_t)${q}; }`],
          x,
          '',
        );
        gen.rowValues.set(out, acc);
        break;
      }
      case 'Softmax':
      case 'LogSoftmax':
      case 'LogSumExp': {
        const m = gen.fresh('m');
        pass([`float ${m} = -INFINITY;`], (v) => [`${m} = kiln_maxf(${m}, ${v});`], x, '');
        if (op.type === 'LogSumExp') row.push(`if (!isfinite(${m})) ${m} = 0.0f;`);
        pass([`double ${acc} = 0.0;`], (v) => [`${acc} += (double)expf(${v} - ${m});`], x, `#pragma omp simd reduction(+:${acc})`);
        if (op.type === 'LogSumExp') gen.rowValues.set(out, `((float)((double)${m} + log(${acc})))`);
        else if (op.type === 'Softmax') gen.rowOps.set(op, (v) => `(float)((double)expf(${v} - ${m}) / ${acc})`);
        else gen.rowOps.set(op, (v) => `(${v} - ${m} - (float)log(${acc}))`);
        break;
      }
    }
  }
  // Row outputs (reduced shape), then full-shape outputs.
  const reduced = kernel.outputs.filter((t) => !shapesEqual(shapeOf(t), domain));
  const fullOuts = kernel.outputs.filter((t) => shapesEqual(shapeOf(t), domain));
  for (const t of reduced) {
    if (sizeOf(shapeOf(t)) !== outer) throw new Error(`codegen: reduction kernel ${kernel.name}: output ${t} is neither the row nor the full shape`);
    const ridx = indexFromFlat(r, shapeOf(t));
    const v = gen.value(t, ridx, rowScope);
    row.push(...rowScope.lines.splice(0), store(env.write(t), r, v));
  }
  if (fullOuts.length && inner > 0) {
    const s = new Scope(rowScope);
    const vals = fullOuts.map((t) => gen.value(t, full, s));
    row.push(`for (int64_t ${q} = 0; ${q} < ${i64(inner)}; ++${q}) {`, ...s.lines.map((l) => '  ' + l), ...fullOuts.map((t, j) => '  ' + store(env.write(t), full.flat, vals[j]!)), '}');
  }
  const rowLines = [...rowScope.lines, ...row];
  const total = sizeOf(domain);
  const loop = outer === 0 ? [] : [...(outer > 1 ? omp(total) : []), `for (int64_t ${r} = 0; ${r} < ${i64(outer)}; ++${r}) {`, ...rowLines.map((l) => '  ' + l), '}'];
  return [...declareChecks(gen.checks), ...loop, ...reportChecks(gen.checks)];
}

/**
 * Column sums: float Sum/SumToLike over the leading axes of the domain (a bias gradient
 * [N·H·W, C] -> [C], or [batch, units] -> [units]) with no full-shape output. The row loop of
 * emitReduction would read each of the `outer` kept columns with stride `outer`, touching a new
 * cache line per element; here the input is read once, contiguously, adding each domain row into
 * a vector of double accumulators (SIMD over the kept columns).
 *
 * Parallel runs split the reduced rows into COLUMN_PARTS fixed parts with their own
 * accumulators (arena scratch), added in part order afterwards: the result does not depend on
 * the thread count.
 */
const COLUMN_PARTS = 8;

interface ColumnGeometry {
  domain: number[];
  axes: number[];
  outer: number;
  inner: number;
  r: string;
  q: string;
  multi: string[];
}

function columnSums(kernel: Kernel, env: KernelEnv, gen: ExprGen, c: ColumnGeometry): string[] | undefined {
  const { domain, axes, outer, inner, r, q } = c;
  const leading = axes.every((a, j) => a === j);
  if (!leading || outer < 2 || inner < 2) return undefined;
  const reductions = kernel.ops.filter((o) => REDUCTIONS.has(o.type));
  const sums = reductions.every(
    (o) =>
      (o.type === 'Sum' || o.type === 'SumToLike') &&
      o.inputs[0]!.dtype === 'float32' &&
      shapesEqual(shapeOf(o.inputs[0]!), domain) &&
      reductionAxes(o).join(',') === axes.join(','),
  );
  if (!sums || kernel.outputs.some((t) => shapesEqual(shapeOf(t), domain))) return undefined;
  if (kernel.outputs.some((t) => sizeOf(shapeOf(t)) !== outer)) return undefined;
  const total = sizeOf(domain);
  const parts = total >= PARALLEL_MIN_ELEMENTS ? Math.min(COLUMN_PARTS, inner) : 1;
  const full: Index = { flat: `(${q} * ${i64(outer)} + ${r})`, multi: c.multi };
  const accs = reductions.map(() => env.scratch(parts * outer * 8, 'double'));
  const p = `p${kernel.id}`;
  // The accumulation pass: one body per domain element, SIMD over r.
  const s = new Scope();
  const steps = reductions.map((o, j) => `${accs[j]}[${p} * ${i64(outer)} + ${r}] += (double)${gen.value(o.inputs[0]!, full, s)};`);
  const simd = s.lines.some((l) => l.includes('{')) ? [] : ['#pragma omp simd'];
  const lines: string[] = [
    ...(parts > 1 ? ['#pragma omp parallel for schedule(static)'] : []),
    `for (int64_t ${p} = 0; ${p} < ${parts}; ++${p}) {`,
    ...accs.map((a) => `  for (int64_t ${r} = 0; ${r} < ${i64(outer)}; ++${r}) ${a}[${p} * ${i64(outer)} + ${r}] = 0.0;`),
    `  const int64_t q0 = ${p} * ${i64(inner)} / ${parts}, q1 = (${p} + 1) * ${i64(inner)} / ${parts};`,
    `  for (int64_t ${q} = q0; ${q} < q1; ++${q}) {`,
    ...simd.map((l) => '    ' + l),
    `    for (int64_t ${r} = 0; ${r} < ${i64(outer)}; ++${r}) {`,
    ...[...s.lines, ...steps].map((l) => '      ' + l),
    '    }',
    '  }',
    '}',
  ];
  // The row outputs from the summed parts (added in part order).
  const rowScope = new Scope();
  const row: string[] = [];
  reductions.forEach((o, j) => {
    const acc = gen.fresh('acc');
    row.push(`double ${acc} = ${accs[j]}[${r}];`);
    if (parts > 1) row.push(`for (int64_t ${p} = 1; ${p} < ${parts}; ++${p}) ${acc} += ${accs[j]}[${p} * ${i64(outer)} + ${r}];`);
    gen.rowValues.set(o.outputs[0]!, `((float)${acc})`);
  });
  for (const t of kernel.outputs) {
    const v = gen.value(t, indexFromFlat(r, shapeOf(t)), rowScope);
    row.push(...rowScope.lines.splice(0), store(env.write(t), r, v));
  }
  lines.push(`for (int64_t ${r} = 0; ${r} < ${i64(outer)}; ++${r}) {`, ...row.map((l) => '  ' + l), '}');
  return [...declareChecks(gen.checks), ...lines, ...reportChecks(gen.checks)];
}
