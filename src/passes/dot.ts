/**
 * Graphviz DOT export of a program (one node per op) or of a fused program (each kernel a
 * `subgraph cluster_<n>`). Names are user strings: every label and id is a quoted, escaped DOT
 * string, so a name like `a"b\n{x}` cannot break the file.
 */
import type { Operation } from '../graph/graph.js';
import { formatShape } from '../graph/shape.js';
import type { FusedProgram } from './fuse.js';
import { liveOps, type Program } from './program.js';

/** A DOT double-quoted string: backslashes, quotes and line breaks escaped. */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n')}"`;
}

const ROLE_COLORS: Record<string, string> = { forward: 'white', gradient: 'lightyellow', optimizer: 'lightblue' };

function nodeLine(op: Operation, indent: string): string {
  const shapes = op.outputs.map((t) => `${t.dtype}${formatShape(t.shape)}`).join(', ');
  const label = `${op.name}\n${op.type}${shapes ? ' ' + shapes : ''}`;
  const shape = op.type === 'Placeholder' || op.type === 'Variable' || op.type === 'Const' ? 'ellipse' : 'box';
  return `${indent}${dotString(op.name)} [label=${dotString(label)}, shape=${shape}, style=filled, fillcolor=${ROLE_COLORS[op.role] ?? 'white'}];`;
}

/** DOT text for a program's graph, or for a fused program with its kernels as clusters. */
export function toDot(p: Program | FusedProgram, title = 'kiln'): string {
  const fused = 'kernels' in p ? p : undefined;
  const program = fused ? fused.program : (p as Program);
  const ops = liveOps(program);
  const lines = [`digraph ${dotString(title)} {`, '  rankdir=TB;', '  node [fontname="monospace", fontsize=10];'];
  const inKernel = new Set<Operation>();
  if (fused) {
    for (const k of fused.kernels) {
      lines.push(`  subgraph cluster_${k.id} {`);
      lines.push(`    label=${dotString(`${k.name} (${k.kind})`)};`);
      lines.push('    style=rounded; color=blue;');
      for (const op of k.ops) {
        lines.push(nodeLine(op, '    '));
        inKernel.add(op);
      }
      lines.push('  }');
    }
  }
  for (const op of ops) if (!inKernel.has(op)) lines.push(nodeLine(op, '  '));
  for (const op of ops) {
    for (const t of op.inputs) lines.push(`  ${dotString(t.op.name)} -> ${dotString(op.name)} [label=${dotString(formatShape(t.shape))}];`);
    for (const c of op.controlInputs) lines.push(`  ${dotString(c.name)} -> ${dotString(op.name)} [style=dashed];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
