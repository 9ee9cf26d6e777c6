/**
 * The pass manager: runs the pipeline (one literal list, below) over a program, optionally
 * with passes disabled, verifying the graph after every pass, recording per-pass statistics,
 * and handing the program before and after each pass to a dump callback (for DOT or text).
 * Fusion runs last and turns the optimized program into kernels.
 */
import { constantFold } from './constant_fold.js';
import { cse } from './cse.js';
import { fuse, type FusedProgram } from './fuse.js';
import { nodeCount, type PassResult, type Program } from './program.js';
import { prune } from './prune.js';
import { simplify } from './simplify.js';
import { specialize, type FeedShapes } from './specialize.js';
import { verifyProgram } from './verify.js';
import { InvalidArgumentError } from '../graph/errors.js';

export interface Pass {
  readonly name: string;
  run(program: Program): PassResult;
}

/**
 * The pipeline. specialize first (static shapes let folding evaluate shape-only inputs and the
 * `like` ops take their static forms); prune early so later passes see only live ops; simplify
 * before folding, so a scalar broadcast only to feed a broadcasting op is dropped rather than
 * folded into a large constant; then fold, merge and simplify again, since each exposes work
 * for the others (a folded constant of ones makes `x * 1` simplifiable; a simplified chain
 * exposes equal subexpressions).
 */
export function pipeline(feedShapes?: FeedShapes): Pass[] {
  return [
    { name: 'specialize', run: feedShapes ? specialize(feedShapes) : (program) => ({ program, changes: 0 }) },
    { name: 'prune', run: prune },
    { name: 'simplify', run: simplify },
    { name: 'constantFold', run: constantFold },
    { name: 'cse', run: cse },
    { name: 'simplify', run: simplify },
    { name: 'constantFold', run: constantFold },
    { name: 'cse', run: cse },
    { name: 'simplify', run: simplify },
    { name: 'prune', run: prune },
  ];
}

/** The names a caller may disable (fusion included). */
export const PASS_NAMES = ['specialize', 'prune', 'constantFold', 'cse', 'simplify', 'fuse'] as const;
export type PassName = (typeof PASS_NAMES)[number];

export interface OptimizeOptions {
  /** Concrete shapes for placeholders with unknown dims, by placeholder name (enables specialize). */
  feedShapes?: FeedShapes;
  /** Passes to skip, by name (every occurrence of that name in the pipeline). */
  disable?: readonly PassName[];
  /** Run the graph verifier after every pass (default true; cheap, and names the pass that broke the graph). */
  verify?: boolean;
  /** Called with the program before and after each pass (e.g. to write `toDot` or `toText`). */
  dump?: (pass: string, stage: 'before' | 'after', program: Program) => void;
}

export interface PassStats {
  pass: string;
  nodesBefore: number;
  nodesAfter: number;
  changes: number;
  /** Fusion only: kernels formed. */
  kernels?: number;
  ms: number;
}

export interface OptimizeResult {
  /** The optimized program: `fetches[i]`/`targets[i]` stand for those of the input. */
  program: Program;
  /** Kernels of the optimized program (absent when 'fuse' is disabled). */
  fused?: FusedProgram;
  stats: PassStats[];
}

/**
 * Runs the pipeline over `program`.
 * @throws VerifyError naming the pass after which the graph is malformed; InvalidArgumentError
 *   for an unknown pass name
 */
export function optimize(program: Program, options: OptimizeOptions = {}): OptimizeResult {
  const disabled = new Set<string>(options.disable ?? []);
  for (const name of disabled) {
    if (!(PASS_NAMES as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`optimize: unknown pass '${name}'; passes are ${PASS_NAMES.join(', ')}`);
    }
  }
  const verify = options.verify ?? true;
  if (verify) verifyProgram(program, 'input');
  const stats: PassStats[] = [];
  let current = program;
  for (const pass of pipeline(options.feedShapes)) {
    if (disabled.has(pass.name)) continue;
    options.dump?.(pass.name, 'before', current);
    const t0 = performance.now();
    const before = nodeCount(current);
    const { program: next, changes } = pass.run(current);
    stats.push({ pass: pass.name, nodesBefore: before, nodesAfter: nodeCount(next), changes, ms: performance.now() - t0 });
    if (verify) verifyProgram(next, pass.name);
    options.dump?.(pass.name, 'after', next);
    current = next;
  }
  let fused: FusedProgram | undefined;
  if (!disabled.has('fuse')) {
    const t0 = performance.now();
    fused = fuse(current);
    const n = nodeCount(current);
    stats.push({ pass: 'fuse', nodesBefore: n, nodesAfter: n, changes: 0, kernels: fused.kernels.length, ms: performance.now() - t0 });
  }
  return { program: current, ...(fused ? { fused } : {}), stats };
}
