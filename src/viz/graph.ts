/**
 * Graph pictures: DOT and SVG of a graph, of some fetches, or of the fused program an executable
 * would run after the passes (each kernel a cluster labelled with its kernel name). The drawing
 * itself is `passes/dot.ts`; this file turns what a user has in hand into a program, runs the
 * passes when asked, and hands the DOT to Graphviz.
 *
 *   graph / tensors / ops ──► Program ──(optimize: true)──► FusedProgram ──► toDot ──► Graphviz ──► SVG
 */
import type { Graph, Operation, Tensor } from '../graph/graph.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { toDot, type DotOptions } from '../passes/dot.js';
import { explain as explainFused } from '../passes/explain.js';
import type { FusedProgram } from '../passes/fuse.js';
import { optimize, type PassName } from '../passes/pass_manager.js';
import { liveOps, makeProgram, type Program } from '../passes/program.js';
import type { FeedShapes } from '../passes/specialize.js';
import { renderDot } from './graphviz.js';
import { writeFileAtomic } from './atomic.js';

/** What can be drawn: a whole graph, fetches (tensors and ops), a program, or a fused program. */
export type GraphTarget =
  | Graph
  | Tensor
  | Operation
  | readonly (Tensor | Operation)[]
  | Program
  | FusedProgram
  | { readonly fetches: readonly Tensor[]; readonly targets?: readonly Operation[] };

export interface GraphVizOptions extends DotOptions {
  /** Draw the program after the passes, each fused kernel a cluster (default false: the graph as built). */
  optimize?: boolean;
  /** With `optimize`: concrete shapes for placeholders, by name (as a session specializes per feed shape). */
  feedShapes?: FeedShapes;
  /** With `optimize`: a batch size for every placeholder dim left unknown (ignored for those in `feedShapes`). */
  batchSize?: number;
  /** With `optimize`: passes to skip ('fuse' skipped draws the optimized graph without clusters). */
  disable?: readonly PassName[];
  /** The DOT graph's name (default 'kiln'). */
  title?: string;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
// Duck-typed on purpose: a model file loaded by the CLI may hold objects of another copy of kiln.
const isTensor = (x: unknown): x is Tensor => isObject(x) && isObject(x['op']) && typeof x['index'] === 'number' && Array.isArray(x['shape']);
const isOperation = (x: unknown): x is Operation =>
  isObject(x) && typeof x['type'] === 'string' && Array.isArray(x['outputs']) && Array.isArray(x['inputs']) && isObject(x['graph']);
const isGraph = (x: unknown): x is Graph => isObject(x) && Array.isArray(x['ops']) && typeof x['addOp'] === 'function';
const isFused = (x: unknown): x is FusedProgram => isObject(x) && Array.isArray(x['kernels']) && isObject(x['program']);

/** The ops of `graph` that nothing consumes: their outputs become fetches, output-less ones targets. */
function wholeGraph(graph: Graph): Program {
  const consumed = new Set<Operation>();
  for (const op of graph.ops) {
    for (const t of op.inputs) consumed.add(t.op);
    for (const c of op.controlInputs) consumed.add(c);
  }
  const sinks = graph.ops.filter((o) => !consumed.has(o));
  if (!sinks.length) throw new InvalidArgumentError('viz: the graph is empty');
  return { graph, fetches: sinks.flatMap((o) => o.outputs), targets: sinks.filter((o) => o.outputs.length === 0) };
}

/**
 * The program (or fused program) that `target` stands for.
 * @throws InvalidArgumentError for something that is not a graph, tensor, op, program or fused program
 */
export function toProgram(target: GraphTarget): Program | FusedProgram {
  if (isFused(target)) return target;
  if (isGraph(target)) return wholeGraph(target);
  if (isTensor(target)) return makeProgram([target]);
  if (isOperation(target)) return makeProgram([], [target]);
  if (Array.isArray(target)) {
    const list = target as readonly unknown[];
    const bad = list.find((x) => !isTensor(x) && !isOperation(x));
    if (bad !== undefined) throw new InvalidArgumentError(`viz: expected tensors and ops, got ${String(bad)}`);
    return makeProgram(list.filter(isTensor), list.filter(isOperation));
  }
  if (isObject(target) && Array.isArray(target['fetches'])) {
    const t = target as { fetches: readonly Tensor[]; targets?: readonly Operation[]; graph?: Graph };
    return t.graph && Array.isArray(t.targets) ? (t as Program) : makeProgram(t.fetches, t.targets ?? []);
  }
  throw new InvalidArgumentError(
    `viz: cannot draw ${String(target)}; expected a Graph, a Tensor, an Operation, an array of them, a Program or a FusedProgram`,
  );
}

/** Feed shapes with every unknown placeholder dim set to `batchSize`, on top of `given`. */
function batchFeedShapes(program: Program, batchSize: number, given: FeedShapes | undefined): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>(
    given instanceof Map ? given : Object.entries((given ?? {}) as Record<string, readonly number[]>),
  );
  for (const op of liveOps(program)) {
    if (op.type !== 'Placeholder' || shapes.has(op.name)) continue;
    const shape = op.outputs[0]!.shape;
    if (shape.some((d) => d === null)) shapes.set(op.name, shape.map((d) => d ?? batchSize));
  }
  return shapes;
}

/** Runs the passes when asked: what an executable of `target` would run. */
function prepare(target: GraphTarget, options: GraphVizOptions): Program | FusedProgram {
  const p = toProgram(target);
  if (!options.optimize || isFused(p)) return p;
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
    throw new InvalidArgumentError(`viz: batchSize must be a positive integer, got ${options.batchSize}`);
  }
  const feedShapes = options.batchSize !== undefined ? batchFeedShapes(p, options.batchSize, options.feedShapes) : options.feedShapes;
  const result = optimize(p, { ...(feedShapes ? { feedShapes } : {}), ...(options.disable ? { disable: options.disable } : {}) });
  return result.fused ?? result.program;
}

/**
 * DOT text of `target`: nodes labelled with user name, op type, dtype and shape, coloured by
 * role (forward, gradient, optimizer); with `optimize: true`, each fused kernel a cluster.
 * Tooltips (call sites) and a legend are on unless turned off.
 * @example const dot = kiln.viz.graphDot(loss, { optimize: true, batchSize: 32 });
 */
export function graphDot(target: GraphTarget, options: GraphVizOptions = {}): string {
  return toDot(prepare(target, options), options.title ?? 'kiln', {
    rankdir: options.rankdir ?? 'TB',
    tooltips: options.tooltips ?? true,
    legend: options.legend ?? true,
  });
}

/**
 * SVG picture of `target` (see `graphDot`), laid out by Graphviz (WASM, offline).
 * @example await fs.promises.writeFile('mlp.svg', await kiln.viz.graphSvg([loss, train], { optimize: true }));
 */
export async function graphSvg(target: GraphTarget, options: GraphVizOptions = {}): Promise<string> {
  return renderDot(graphDot(target, options));
}

/**
 * Writes a picture of `target` to `path` (atomically): SVG for `.svg`, DOT text for `.dot`/`.gv`.
 * @throws InvalidArgumentError for another file extension
 */
export async function writeGraph(path: string, target: GraphTarget, options: GraphVizOptions = {}): Promise<void> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.dot') || lower.endsWith('.gv')) writeFileAtomic(path, graphDot(target, options));
  else if (lower.endsWith('.svg')) writeFileAtomic(path, await graphSvg(target, options));
  else throw new InvalidArgumentError(`writeGraph: '${path}': expected a .svg, .dot or .gv file`);
}

/**
 * The optimized program as text: each fused kernel with its ops and shapes, and the reasons
 * candidates were not fused (the pass pipeline's `explain`, from anything `graphDot` takes).
 * @param options.batchSize a size for every unknown placeholder dim (or `feedShapes` by name)
 * @example console.log(kiln.explain([loss, train], { batchSize: 32 }));
 * @throws InvalidArgumentError when fusion is disabled or shapes stay unknown
 */
export function explain(target: GraphTarget, options: Omit<GraphVizOptions, 'optimize'> = {}): string {
  const p = prepare(target, { ...options, optimize: true });
  if (!isFused(p)) throw new InvalidArgumentError("explain: the 'fuse' pass is disabled; there are no kernels to explain");
  return explainFused(p);
}
