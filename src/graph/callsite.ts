import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

// The kiln package root: this file is <root>/src/graph/callsite.ts (or dist/src/graph/...).
const here = path.dirname(fileURLToPath(import.meta.url));
const kilnSrcDirs = [path.resolve(here, '..'), path.resolve(here, '..', '..', 'codegen')];

function isInternal(file: string): boolean {
  if (file.startsWith('node:') || file.includes('/node_modules/')) return true;
  return kilnSrcDirs.some((d) => file.startsWith(d + path.sep));
}

/**
 * The `file:line` of the first stack frame outside kiln's own sources: where the user
 * created a node. Paths are relative to the working directory when under it.
 */
export function userCallSite(): string {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = saved;
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    let file = m[1]!;
    if (file.startsWith('file://')) file = fileURLToPath(file);
    if (isInternal(file)) continue;
    const rel = path.relative(process.cwd(), file);
    const shown = rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
    return `${shown}:${m[2]}`;
  }
  return '<unknown>';
}
