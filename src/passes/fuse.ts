/**
 * fuse: groups the ops of a static program into kernels, the unit the C++/CUDA code generators
 * emit as one function (one loop nest, or one BLAS call plus one epilogue loop).
 *
 * Design note. Every op is read only through its OpDef.kind (TVM's op patterns):
 *
 *     x ─┐                                  ┌──────────── kernel 0: matmul ────────────┐
 *        ├─ MatMul ─ Add(b) ─ Maximum(0) ──►│ anchor MatMul; epilogue Add, Maximum      │──► h
 *     w ─┘                                  └───────────────────────────────────────────┘
 *     h ─ Max ─ Sub ─ Exp ─ Sum ─ Div  ──►   kernel 1: reduction (row-wise, two passes per row)
 *     v, g ─ Mul ─ Sub ─┬─ Assign(v)    ──►   kernel 2: update (writes v and w in one loop)
 *                  w ─ Add ─ Assign(w)
 *
 * Ops are visited in topological order; each compute op either joins the kernel of one of its
 * producers or starts a kernel of its own class:
 *   loop       elementwise, broadcast and injective ops over one iteration space (the domain);
 *   reduction  a reduction with its elementwise producers (prologue) and consumers of the full
 *              or reduced shape (epilogue); several reductions over the same rows share a kernel
 *              (softmax: max, then sum of exp: two passes per row);
 *   matmul / conv / pool  the library or windowed anchor op plus an elementwise epilogue of the
 *              anchor's output shape (TF remapper's MatMul+BiasAdd+Relu);
 *   update     Assign/AssignAdd/AssignSub with the elementwise arithmetic computing their values
 *              (one optimizer update per variable, slots included);
 *   opaque, random  one op each.
 * Sources (placeholders, constants, variables) are buffers, not kernels; NoOp is a sequencing
 * point. A kernel materializes every value used outside it, so fusing never recomputes a
 * producer in two kernels; a producer is recomputed inside one kernel (broadcast into a larger
 * domain) only when nothing else reads it. Each refused producer->consumer fusion is recorded
 * with its reason, for explain().
 *
 * Two merges are never made: one that creates a cycle between kernels (a path that leaves the
 * kernel and comes back), and one that hides a variable write from a reader: kernels are
 * ordered so that every kernel reading a variable runs before the kernel that updates it (all
 * reads in a run see the values at its start).
 */
import type { Operation, Tensor } from '../graph/graph.js';
import { formatShape, shapesEqual, sizeOf, type Shape } from '../graph/shape.js';
import type { Program } from './program.js';
import { liveOps } from './program.js';
import { isShapeOnly, reductionAxes } from './util.js';

export type KernelKind = 'loop' | 'reduction' | 'matmul' | 'conv' | 'pool' | 'update' | 'opaque' | 'random';

export interface Kernel {
  /** Position in `FusedProgram.kernels`, which is a valid execution order. */
  readonly id: number;
  /** A readable, unique name: `k<id>_<anchor or first op name>` (sanitize before pasting into code). */
  readonly name: string;
  readonly kind: KernelKind;
  /** The kernel's ops in topological order. */
  readonly ops: readonly Operation[];
  /** matmul/conv/pool/reduction kernels: the op the kernel is built around (the first reduction). */
  readonly anchor?: Operation;
  /** Anchored kernels: the ops after the anchor (bias, activation...), in order. */
  readonly epilogue: readonly Operation[];
  /** Reduction kernels: the elementwise ops feeding the anchor. */
  readonly prologue: readonly Operation[];
  /** The iteration space: the loop shape, the anchor's output, or a reduction's input. */
  readonly domain: Shape;
  /** Data read from outside: sources and outputs of earlier kernels (shape-only inputs excluded). */
  readonly inputs: readonly Tensor[];
  /** Values the kernel writes that something outside it reads, or that are fetched. */
  readonly outputs: readonly Tensor[];
  /** Update kernels: the variables written. */
  readonly writes: readonly Operation[];
}

export interface Refusal {
  producer: Operation;
  consumer: Operation;
  reason: string;
}

export interface FusedProgram {
  readonly program: Program;
  readonly kernels: readonly Kernel[];
  readonly refusals: readonly Refusal[];
  /** Placeholders, constants and variables the kernels read. */
  readonly sources: readonly Operation[];
}

type OpClass = 'source' | 'loop' | 'reduction' | 'matmul' | 'conv' | 'pool' | 'update' | 'opaque' | 'random';

const SOURCES = new Set(['Placeholder', 'Const', 'Variable', 'NoOp']);
const UPDATES = new Set(['Assign', 'AssignAdd', 'AssignSub']);
/** Each reduction in a row kernel is one more pass over the row; softmax cross-entropy needs three. */
const MAX_REDUCTIONS_PER_KERNEL = 3;

function classify(op: Operation): OpClass {
  if (SOURCES.has(op.type)) return 'source';
  if (UPDATES.has(op.type)) return 'update';
  switch (op.def.kind) {
    case 'elementwise':
    case 'broadcast':
    case 'injective':
      return 'loop';
    case 'reduction':
      return 'reduction';
    case 'matmul':
      return 'matmul';
    case 'conv':
      return 'conv';
    case 'pool':
      return 'pool';
    case 'random':
      return 'random';
    default:
      return 'opaque';
  }
}

interface Group {
  ops: Operation[];
  kind: KernelKind;
  domain: Shape;
  anchor?: Operation;
  /** Reduction groups: reduced axes of the domain (undefined: unknown, so no epilogue). */
  axes?: number[];
  reductions: number;
}

export function fuse(program: Program): FusedProgram {
  const ops = liveOps(program);
  const fetched = new Set(program.fetches);
  // Consumers through data inputs (shape-only inputs carry no data) and control inputs.
  const dataConsumers = new Map<Tensor, Operation[]>();
  const succ = new Map<Operation, Operation[]>();
  const addSucc = (from: Operation, to: Operation): void => {
    const l = succ.get(from);
    if (l) l.push(to);
    else succ.set(from, [to]);
  };
  for (const op of ops) {
    op.inputs.forEach((t, i) => {
      if (isShapeOnly(op, i)) return;
      const l = dataConsumers.get(t);
      if (l) l.push(op);
      else dataConsumers.set(t, [op]);
      addSucc(t.op, op);
    });
    for (const c of op.controlInputs) addSucc(c, op);
  }

  const groupOf = new Map<Operation, Group>();
  const refusals: Refusal[] = [];
  const refuse = (producer: Operation, consumer: Operation, reason: string): void => {
    refusals.push({ producer, consumer, reason });
  };

  /** Would uniting `members` (the union of groups, plus new ops) create a path that leaves and re-enters it? */
  const createsCycle = (members: ReadonlySet<Operation>): boolean => {
    const seen = new Set<Operation>();
    const stack: Operation[] = [];
    for (const m of members) for (const s of succ.get(m) ?? []) if (!members.has(s)) stack.push(s);
    while (stack.length) {
      const op = stack.pop()!;
      if (seen.has(op)) continue;
      // A kernel runs as a unit: a path that enters it at one op leaves it from all of them.
      for (const o of groupOf.get(op)?.ops ?? [op]) {
        seen.add(o);
        for (const s of succ.get(o) ?? []) {
          if (members.has(s)) return true;
          if (!seen.has(s)) stack.push(s);
        }
      }
    }
    return false;
  };

  const usedOnlyBy = (g: Group, allowed: ReadonlySet<Operation>): boolean =>
    g.ops.every((o) => o.outputs.every((t) => !fetched.has(t) && (dataConsumers.get(t) ?? []).every((c) => allowed.has(c))));

  const trailing = (axes: readonly number[] | undefined, rank: number): boolean =>
    axes !== undefined && axes.length > 0 && axes.every((a, i) => a === rank - axes.length + i);

  /** How `shape` relates to a reduction group's rows: the full domain, the reduced result, or neither. */
  const rowRelation = (g: Group, shape: Shape): 'full' | 'reduced' | undefined => {
    if (shapesEqual(shape, g.domain)) return 'full';
    if (!g.axes) return undefined;
    const keep = g.domain.map((d, i) => (g.axes!.includes(i) ? 1 : d));
    const drop = g.domain.filter((_, i) => !g.axes!.includes(i));
    if (shapesEqual(shape, keep) || shapesEqual(shape, drop)) return 'reduced';
    return undefined;
  };

  /** Does `op` (a member of reduction group `g`) depend, inside `g`, on one of its reductions? */
  const rowDependent = (g: Group, op: Operation, memo = new Map<Operation, boolean>()): boolean => {
    const known = memo.get(op);
    if (known !== undefined) return known;
    const dep = classify(op) === 'reduction' || op.inputs.some((u, i) => !isShapeOnly(op, i) && groupOf.get(u.op) === g && rowDependent(g, u.op, memo));
    memo.set(op, dep);
    return dep;
  };

  /**
   * A reduction kernel computes its per-row values (the reductions, softmax and what follows
   * them) once per row, and the emitter reads them as that row's accumulators whatever index
   * asks. So an epilogue op may read such a value only at the row it is computing: the same
   * element, a flat-index-preserving reshape of it, or a broadcast from the kept-dims shape.
   * A transpose (or a broadcast along the wrong axes) would read other rows' values: refused.
   */
  const otherRowRead = (g: Group, c: Operation): string | undefined => {
    const os = c.outputs[0]!.shape;
    const keep = g.domain.map((d, i) => (g.axes!.includes(i) ? 1 : d));
    const FLAT = new Set(['Reshape', 'ReshapeLike', 'ExpandDims', 'Squeeze']);
    for (const [i, u] of c.inputs.entries()) {
      if (isShapeOnly(c, i) || groupOf.get(u.op) !== g || !rowDependent(g, u.op)) continue;
      const us = u.shape;
      if (shapesEqual(us, os) && c.def.kind !== 'injective') continue;
      if (sizeOf(us.map((d) => d ?? 1)) === 1) continue;
      if (c.def.kind === 'injective') {
        if (FLAT.has(c.type) && sizeOf(us.map((d) => d ?? 1)) === sizeOf(os.map((d) => d ?? 1))) continue;
        return `${c.type} re-indexes values computed per row: they are only known at the row being computed`;
      }
      const padded = [...new Array<number>(Math.max(0, os.length - us.length)).fill(1), ...us];
      if (!shapesEqual(os, g.domain) || !shapesEqual(padded, keep)) {
        return `${c.type} broadcasts ${formatShape(us)} to ${formatShape(os)} across rows: it would read values of other rows`;
      }
    }
    return undefined;
  };

  /**
   * An update kernel writes its variables in place, element i of the new value over element i
   * of the old: each of its ops must read and write at the element being computed (its tensors
   * of the update's shape, or single values), never re-index (transpose, slice...) or broadcast
   * along an axis. Why `op` breaks that in an update over `domain`; undefined when it does not.
   */
  const notInPlace = (op: Operation, domain: Shape): string | undefined => {
    if (UPDATES.has(op.type)) return undefined;
    if (op.def.kind !== 'elementwise' && op.def.kind !== 'broadcast') return `${op.type} re-indexes its input: an update kernel computes each element in place`;
    const odd = [...op.inputs.filter((_, i) => !isShapeOnly(op, i)), ...op.outputs].find((t) => !shapesEqual(t.shape, domain) && sizeOf(t.shape.map((d) => d ?? 1)) !== 1);
    return odd ? `${op.type} reads or writes ${formatShape(odd.shape)}, not the update's ${formatShape(domain)} or one value: an update kernel computes each element in place` : undefined;
  };

  /** Why op `c` (class `cls`) cannot join group `g` through input `t`; undefined when it can. */
  const joinRefusal = (g: Group, c: Operation, cls: OpClass, t: Tensor): string | undefined => {
    const out = c.outputs[0];
    if (g.kind === 'opaque') return `${g.anchor?.type ?? 'producer'} is opaque: computed by its own kernel`;
    if (g.kind === 'random') return 'random ops run as their own kernel (never duplicated or merged)';
    if (cls === 'opaque') return `${c.type} is opaque: computed by its own kernel`;
    if (cls === 'random') return 'random ops run as their own kernel (never duplicated or merged)';
    if (cls === 'matmul' || cls === 'conv' || cls === 'pool') {
      return `${c.type} reads its operands from memory (BLAS/windowed kernel): producers are not fused before it`;
    }
    switch (g.kind) {
      case 'loop':
        if (cls === 'loop') {
          if (shapesEqual(out!.shape, g.domain)) return undefined;
          const bigger = sizeOf(out!.shape.map((d) => d ?? 1)) > sizeOf(g.domain.map((d) => d ?? 1));
          if (!bigger) return `output ${formatShape(out!.shape)} differs from the kernel's iteration space ${formatShape(g.domain)}`;
          if (!usedOnlyBy(g, new Set([c]))) {
            return `producer kernel ${formatShape(g.domain)} has other consumers: fusing into the larger space ${formatShape(out!.shape)} would recompute it`;
          }
          return undefined;
        }
        if (cls === 'reduction') {
          if (c.inputs[0] !== t) return `${c.type} reads this producer as a secondary input`;
          if (g.ops.some((o) => classify(o) === 'reduction')) return 'kernel already holds a reduction';
          return shapesEqual(t.shape, g.domain) ? undefined : `reduction input ${formatShape(t.shape)} differs from the loop space ${formatShape(g.domain)}`;
        }
        if (cls === 'update') {
          if (c.inputs[1] !== t) return 'the variable itself is not computed here';
          if (!shapesEqual(t.shape, g.domain)) return `update of ${formatShape(t.shape)} differs from the loop space ${formatShape(g.domain)}`;
          return g.ops.map((o) => notInPlace(o, g.domain)).find((r) => r);
        }
        return `${c.type} cannot join a loop kernel`;
      case 'reduction': {
        if (cls === 'loop') {
          const rel = rowRelation(g, out!.shape);
          if (rel === undefined) return `output ${formatShape(out!.shape)} is neither the reduction's input ${formatShape(g.domain)} nor its reduced shape`;
          if (rel === 'full' && !trailing(g.axes, g.domain.length)) return 'the reduction is not over trailing axes, so a row cannot be revisited in a second pass';
          return otherRowRead(g, c);
        }
        if (cls === 'reduction') {
          const axes = reductionAxes(c);
          if (!shapesEqual(c.inputs[0]!.shape, g.domain) || !axes || !g.axes || axes.join() !== g.axes.join()) {
            return `${c.type} reduces ${formatShape(c.inputs[0]!.shape)} over axes [${axes ?? '?'}], the kernel ${formatShape(g.domain)} over [${g.axes ?? '?'}]`;
          }
          if (!trailing(axes, g.domain.length)) return 'the reductions are not over trailing axes';
          if (g.reductions >= MAX_REDUCTIONS_PER_KERNEL) return `kernel already makes ${MAX_REDUCTIONS_PER_KERNEL} passes per row`;
          return undefined;
        }
        return `updates fuse with elementwise arithmetic only, not with the reduction computing their value`;
      }
      case 'matmul':
      case 'conv':
      case 'pool': {
        if (cls !== 'loop') return `${c.type} after ${g.kind} is its own kernel`;
        if (c.def.kind === 'injective') return `${c.type} re-indexes the ${g.kind} output: an epilogue must be elementwise`;
        if (!shapesEqual(out!.shape, g.domain)) return `output ${formatShape(out!.shape)} differs from the ${g.kind} output ${formatShape(g.domain)}`;
        return undefined;
      }
      case 'update':
        if (cls === 'loop' && shapesEqual(out!.shape, g.domain)) return notInPlace(c, g.domain);
        if (cls === 'update' && shapesEqual(c.inputs[1]!.shape, g.domain)) return undefined;
        return `${c.type} ${formatShape(out?.shape ?? [])} does not fit the update loop ${formatShape(g.domain)}`;
    }
  };

  const apply = (g: Group, c: Operation, cls: OpClass): void => {
    g.ops.push(c);
    groupOf.set(c, g);
    if (g.kind === 'loop' && cls === 'loop' && !shapesEqual(c.outputs[0]!.shape, g.domain)) g.domain = c.outputs[0]!.shape;
    if (g.kind === 'loop' && cls === 'reduction') {
      g.kind = 'reduction';
      g.anchor = c;
      g.axes = reductionAxes(c);
      g.reductions = 1;
    } else if (cls === 'reduction') g.reductions++;
    if (cls === 'update') g.kind = 'update';
  };

  const newGroup = (c: Operation, cls: OpClass): Group => {
    const kind: KernelKind = cls === 'source' ? 'opaque' : cls;
    const domain = cls === 'reduction' || cls === 'update' ? c.inputs[cls === 'update' ? 1 : 0]!.shape : c.outputs[0]?.shape ?? [];
    const g: Group = { ops: [c], kind, domain, reductions: cls === 'reduction' ? 1 : 0 };
    if (cls !== 'loop' && cls !== 'update') g.anchor = c;
    if (cls === 'reduction') g.axes = reductionAxes(c);
    groupOf.set(c, g);
    return g;
  };

  const sources: Operation[] = [];
  for (const c of ops) {
    const cls = classify(c);
    if (cls === 'source') {
      if (c.type !== 'NoOp') sources.push(c);
      continue;
    }
    let joined: Group | undefined;
    const producers: [Tensor, Group][] = [];
    c.inputs.forEach((t, i) => {
      const g = groupOf.get(t.op);
      if (g && !isShapeOnly(c, i) && !producers.some(([, h]) => h === g)) producers.push([t, g]);
    });
    for (const [t, g] of producers) {
      const reason = joinRefusal(g, c, cls, t);
      if (reason) {
        refuse(t.op, c, reason);
        continue;
      }
      if (createsCycle(new Set([...g.ops, c]))) {
        refuse(t.op, c, 'fusing would create a cycle: another kernel on a path between them');
        continue;
      }
      apply(g, c, cls);
      joined = g;
      break;
    }
    if (!joined) {
      newGroup(c, cls);
      continue;
    }
    // Pull other loop producers of the same space into the kernel (e.g. both operands of an add).
    for (const [t, h] of producers) {
      if (h === joined) continue;
      if (refusals.some((r) => r.consumer === c && r.producer === t.op)) continue;
      if (h.kind !== 'loop' || joined.kind === 'matmul' || joined.kind === 'conv' || joined.kind === 'pool') {
        refuse(t.op, c, `${c.name} joined the kernel of ${joined.ops[0]!.name}; a ${h.kind} kernel is not merged into it`);
        continue;
      }
      const notFlat = joined.kind === 'update' ? h.ops.map((o) => notInPlace(o, joined.domain)).find((r) => r) : undefined;
      if (notFlat) {
        refuse(t.op, c, notFlat);
        continue;
      }
      if (!shapesEqual(h.domain, joined.domain)) {
        refuse(t.op, c, `producer space ${formatShape(h.domain)} differs from the kernel's ${formatShape(joined.domain)}`);
        continue;
      }
      if (createsCycle(new Set([...joined.ops, ...h.ops]))) {
        refuse(t.op, c, 'fusing would create a cycle: another kernel on a path between them');
        continue;
      }
      for (const o of h.ops) groupOf.set(o, joined);
      joined.ops.push(...h.ops);
      h.ops = [];
    }
  }

  // Collect groups and order them: data and control dependencies, and every reader of a
  // variable before the kernel that updates it.
  const groups = [...new Set(groupOf.values())].filter((g) => g.ops.length > 0);
  for (const g of groups) g.ops.sort((a, b) => a.id - b.id);
  const writer = new Map<Operation, Group>();
  for (const g of groups) for (const o of g.ops) if (UPDATES.has(o.type)) writer.set(o.inputs[0]!.op, g);
  const deps = new Map<Group, Set<Group>>(groups.map((g) => [g, new Set<Group>()]));
  for (const g of groups) {
    for (const o of g.ops) {
      const preds = [...o.inputs.filter((_, i) => !isShapeOnly(o, i)).map((t) => t.op), ...o.controlInputs];
      for (const p of preds) {
        const pg = groupOf.get(p);
        if (pg && pg !== g) deps.get(g)!.add(pg);
        // A control input on a source-like op (NoOp): depend on what it depends on.
        if (!pg) for (const q of controlClosure(p)) if (groupOf.get(q) && groupOf.get(q) !== g) deps.get(g)!.add(groupOf.get(q)!);
        const w = p.type === 'Variable' ? writer.get(p) : undefined;
        if (w && w !== g) deps.get(w)!.add(g);
      }
    }
  }
  const ordered: Group[] = [];
  const done = new Set<Group>();
  const pending = [...groups].sort((a, b) => a.ops[0]!.id - b.ops[0]!.id);
  while (pending.length) {
    const i = pending.findIndex((g) => [...deps.get(g)!].every((d) => done.has(d)));
    // A cycle through a variable (a kernel reads what an earlier update wrote) keeps creation order.
    const g = pending.splice(i < 0 ? 0 : i, 1)[0]!;
    ordered.push(g);
    done.add(g);
  }

  const kernels: Kernel[] = ordered.map((g, id) => {
    const members = new Set(g.ops);
    const inputs: Tensor[] = [];
    for (const o of g.ops) {
      o.inputs.forEach((t, i) => {
        if (!isShapeOnly(o, i) && !members.has(t.op) && !inputs.includes(t)) inputs.push(t);
      });
    }
    const outputs = g.ops.flatMap((o) => o.outputs).filter((t) => fetched.has(t) || (dataConsumers.get(t) ?? []).some((c) => !members.has(c)));
    const anchor = g.anchor && members.has(g.anchor) ? g.anchor : undefined;
    const anchored = anchor && g.kind !== 'update';
    return {
      id,
      name: `k${id}_${(anchor ?? g.ops[0]!).name}`,
      kind: g.kind,
      ops: g.ops,
      ...(anchor ? { anchor } : {}),
      epilogue: anchored ? g.ops.filter((o) => o.id > anchor.id) : [],
      prologue: anchored && g.kind === 'reduction' ? g.ops.filter((o) => o.id < anchor.id) : [],
      domain: g.domain,
      inputs,
      outputs,
      writes: g.ops.filter((o) => UPDATES.has(o.type)).map((o) => o.inputs[0]!.op),
    };
  });
  return { program, kernels, refusals, sources };
}

/** The ops a control-only op (NoOp) waits for, through nested NoOps. */
function controlClosure(op: Operation): Operation[] {
  const out: Operation[] = [];
  const stack = [...op.controlInputs];
  const seen = new Set<Operation>();
  while (stack.length) {
    const o = stack.pop()!;
    if (seen.has(o)) continue;
    seen.add(o);
    out.push(o);
    if (o.type === 'NoOp') stack.push(...o.controlInputs);
  }
  return out;
}
