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

const LEGEND_NODE = 'kiln:legend';

/** Extra drawing options (all off by default, so the plain output stays as it was). */
export interface DotOptions {
  /** Layout direction (default 'TB'). */
  rankdir?: 'TB' | 'LR';
  /** Tooltips: each node's role and call site, each kernel's op count and domain (SVG `<title>`s). */
  tooltips?: boolean;
  /** A small legend of the role colours (a plain node, not a cluster). */
  legend?: boolean;
}

function nodeLine(op: Operation, indent: string, options: DotOptions): string {
  const shapes = op.outputs.map((t) => `${t.dtype}${formatShape(t.shape)}`).join(', ');
  const label = `${op.name}\n${op.type}${shapes ? ' ' + shapes : ''}`;
  const shape = op.type === 'Placeholder' || op.type === 'Variable' || op.type === 'Const' ? 'ellipse' : 'box';
  const tooltip = options.tooltips ? `, tooltip=${dotString(`${op.type} '${op.name}' (${op.role}) created at ${op.callSite}`)}` : '';
  return `${indent}${dotString(op.name)} [label=${dotString(label)}, shape=${shape}, style=filled, fillcolor=${ROLE_COLORS[op.role] ?? 'white'}${tooltip}];`;
}

/** DOT text for a program's graph, or for a fused program with its kernels as clusters. */
export function toDot(p: Program | FusedProgram, title = 'kiln', options: DotOptions = {}): string {
  const fused = 'kernels' in p ? p : undefined;
  const program = fused ? fused.program : (p as Program);
  const ops = liveOps(program);
  const lines = [`digraph ${dotString(title)} {`, `  rankdir=${options.rankdir ?? 'TB'};`, '  node [fontname="monospace", fontsize=10];'];
  const inKernel = new Set<Operation>();
  if (fused) {
    for (const k of fused.kernels) {
      lines.push(`  subgraph cluster_${k.id} {`);
      lines.push(`    label=${dotString(`${k.name} (${k.kind})`)};`);
      if (options.tooltips) lines.push(`    tooltip=${dotString(`${k.name}: ${k.kind} kernel, ${k.ops.length} ops, domain ${formatShape(k.domain)}`)};`);
      lines.push('    style=rounded; color=blue;');
      for (const op of k.ops) {
        lines.push(nodeLine(op, '    ', options));
        inKernel.add(op);
      }
      lines.push('  }');
    }
  }
  for (const op of ops) if (!inKernel.has(op)) lines.push(nodeLine(op, '  ', options));
  if (options.legend && !ops.some((o) => o.name === LEGEND_NODE)) {
    const cells = Object.entries(ROLE_COLORS).map(([role, color]) => `<td bgcolor="${color}">${role}</td>`).join('');
    const kernel = fused ? '<td border="1" color="blue">kernel</td>' : '';
    // An HTML-like label of fixed words: no user string goes into it.
    lines.push(`  ${dotString(LEGEND_NODE)} [shape=plaintext, label=<<table border="0" cellborder="1" cellspacing="2"><tr>${cells}${kernel}</tr></table>>];`);
  }
  for (const op of ops) {
    for (const t of op.inputs) lines.push(`  ${dotString(t.op.name)} -> ${dotString(op.name)} [label=${dotString(formatShape(t.shape))}];`);
    for (const c of op.controlInputs) lines.push(`  ${dotString(c.name)} -> ${dotString(op.name)} [style=dashed];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
