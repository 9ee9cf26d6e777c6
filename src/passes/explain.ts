/**
 * Text views of programs: `toText` lists a graph's ops (one line each), `explain` lists the
 * kernels of a fused program with their ops, shapes, inputs, outputs and the refused fusions.
 */
import type { Operation, Tensor } from '../graph/graph.js';
import { formatShape } from '../graph/shape.js';
import type { FusedProgram } from './fuse.js';
import { liveOps, type Program } from './program.js';

function tensorText(t: Tensor): string {
  return `${t.name} ${t.dtype}${formatShape(t.shape)}`;
}

function opLine(op: Operation): string {
  const outs = op.outputs.map((t) => `${t.dtype}${formatShape(t.shape)}`).join(', ');
  const ins = op.inputs.map((t) => t.name).join(', ');
  const ctrl = op.controlInputs.length ? ` ^${op.controlInputs.map((c) => c.name).join(' ^')}` : '';
  return `${op.name} = ${op.type}(${ins}${ctrl})${outs ? ' -> ' + outs : ''}`;
}

/** One line per live op: `name = Type(inputs) -> dtype[shape]`, then the fetches and targets. */
export function toText(program: Program): string {
  const lines = liveOps(program).map(opLine);
  lines.push(`fetches: ${program.fetches.map((t) => t.name).join(', ') || '(none)'}`);
  if (program.targets.length) lines.push(`targets: ${program.targets.map((o) => o.name).join(', ')}`);
  return lines.join('\n');
}

/**
 * A readable account of a fused program: each kernel with its kind, anchor, fused ops and
 * their shapes, its inputs and outputs, then the fusions refused and why.
 */
export function explain(fused: FusedProgram): string {
  const { kernels, refusals, program } = fused;
  const opCount = liveOps(program).length;
  const lines: string[] = [`${kernels.length} kernels for ${opCount} ops (${fused.sources.length} sources)`];
  for (const k of kernels) {
    const anchor = k.anchor ? ` anchor ${k.anchor.type} '${k.anchor.name}'` : '';
    const epi = k.epilogue.length ? ` epilogue [${k.epilogue.map((o) => o.type).join(', ')}]` : '';
    lines.push(`kernel ${k.name} (${k.kind}, ${k.ops.length} ops, domain ${formatShape(k.domain)})${anchor}${epi}`);
    for (const op of k.ops) lines.push(`    ${opLine(op)}`);
    lines.push(`    in:  ${k.inputs.map(tensorText).join('; ') || '(none)'}`);
    lines.push(`    out: ${k.outputs.map(tensorText).join('; ') || '(none)'}`);
    if (k.writes.length) lines.push(`    writes: ${k.writes.map((v) => v.name).join(', ')}`);
  }
  if (refusals.length) {
    lines.push('refused fusions:');
    for (const r of refusals) lines.push(`    ${r.producer.name} -> ${r.consumer.name}: ${r.reason}`);
  }
  return lines.join('\n');
}
