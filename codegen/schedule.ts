/**
 * schedule: the fused program's kernels as one ordered list, the order the generated code runs.
 *
 * Constraints: data and control dependencies between kernels; and every kernel that reads a
 * variable runs before the kernel that updates it (all reads of a run see the values at its
 * start, as the interpreter). Among ready kernels, non-update kernels go first, so every kernel
 * that can fail at run time (a bad gather index, a bad label) runs before any state is written
 * and a failed run changes nothing. When the user's control dependencies force a read of a
 * variable after its update (a cycle through the variable), the reader gets a start-of-run
 * snapshot of the variable instead (`snapshots`).
 */
import type { Operation, Tensor } from '../src/graph/graph.js';
import type { FusedProgram, Kernel } from '../src/passes/fuse.js';

export interface Schedule {
  readonly fused: FusedProgram;
  /** Kernels in execution order. */
  readonly kernels: readonly Kernel[];
  /** Variables some kernel must read from a start-of-run copy (read after their update). */
  readonly snapshots: ReadonlySet<Operation>;
}

const UPDATES = new Set(['Assign', 'AssignAdd', 'AssignSub']);

/** Variables a kernel reads (through an input tensor that is a Variable's output). */
export function variablesRead(k: Kernel): Operation[] {
  return [...new Set(k.inputs.filter((t) => t.op.type === 'Variable').map((t) => t.op))];
}

export function schedule(fused: FusedProgram): Schedule {
  const kernels = fused.kernels;
  const kernelOf = new Map<Operation, Kernel>();
  for (const k of kernels) for (const o of k.ops) kernelOf.set(o, k);
  const deps = new Map<Kernel, Set<Kernel>>(kernels.map((k) => [k, new Set<Kernel>()]));
  const controlClosure = (op: Operation, out: Set<Kernel>, seen = new Set<Operation>()): void => {
    if (seen.has(op)) return;
    seen.add(op);
    const k = kernelOf.get(op);
    if (k) out.add(k);
    else for (const c of [...op.controlInputs, ...op.inputs.map((t) => t.op)]) controlClosure(c, out, seen);
  };
  for (const k of kernels) {
    const d = deps.get(k)!;
    for (const t of k.inputs) {
      const p = kernelOf.get(t.op);
      if (p && p !== k) d.add(p);
    }
    for (const o of k.ops) {
      for (const c of o.controlInputs) {
        const s = new Set<Kernel>();
        controlClosure(c, s);
        for (const p of s) if (p !== k) d.add(p);
      }
    }
  }
  const writerOf = new Map<Operation, Kernel>();
  for (const k of kernels) for (const v of k.writes) writerOf.set(v, k);
  const readers = new Map<Kernel, Kernel[]>(); // writer -> kernels reading its variables
  for (const k of kernels) {
    for (const v of variablesRead(k)) {
      const w = writerOf.get(v);
      if (w && w !== k) readers.set(w, [...(readers.get(w) ?? []), k]);
    }
  }
  const done = new Set<Kernel>();
  const order: Kernel[] = [];
  const pending = [...kernels];
  const isUpdate = (k: Kernel): boolean => k.ops.some((o) => UPDATES.has(o.type));
  while (pending.length) {
    const ready = pending.filter((k) => [...deps.get(k)!].every((d) => done.has(d)));
    if (ready.length === 0) throw new Error('schedule: the kernels have a dependency cycle');
    const soft = ready.filter((k) => (readers.get(k) ?? []).every((r) => done.has(r)));
    const pool = soft.length ? soft : ready;
    const pick = pool.find((k) => !isUpdate(k)) ?? pool[0]!;
    pending.splice(pending.indexOf(pick), 1);
    order.push(pick);
    done.add(pick);
  }
  const pos = new Map(order.map((k, i) => [k, i]));
  const snapshots = new Set<Operation>();
  for (const k of order) {
    for (const v of variablesRead(k)) {
      const w = writerOf.get(v);
      if (w && w !== k && pos.get(w)! < pos.get(k)!) snapshots.add(v);
    }
  }
  return { fused, kernels: order, snapshots };
}

/**
 * Checks the invariant the generated code relies on: every kernel reading a variable that is
 * updated runs before (or is) its update kernel, unless the variable is snapshotted.
 * @throws Error naming the kernels that break it
 */
export function assertReadsBeforeUpdates(s: Schedule): void {
  const pos = new Map(s.kernels.map((k, i) => [k, i]));
  for (const w of s.kernels) {
    for (const v of w.writes) {
      for (const r of s.kernels) {
        if (r === w || s.snapshots.has(v) || !variablesRead(r).includes(v)) continue;
        if (pos.get(r)! > pos.get(w)!) throw new Error(`schedule: ${r.name} reads variable '${v.name}' after ${w.name} updates it`);
      }
    }
  }
}

/** For each tensor an arena buffer may hold: the positions of its producing and last consuming kernel. */
export function lifetimes(s: Schedule): Map<Tensor, { first: number; last: number }> {
  const out = new Map<Tensor, { first: number; last: number }>();
  s.kernels.forEach((k, i) => {
    for (const t of k.outputs) out.set(t, { first: i, last: i });
  });
  s.kernels.forEach((k, i) => {
    for (const t of k.inputs) {
      const l = out.get(t);
      if (l) l.last = Math.max(l.last, i);
    }
  });
  return out;
}
