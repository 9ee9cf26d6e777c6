/**
 * The `kiln` command line.
 *
 *   kiln viz <module.js> [--out graph.svg|graph.dot] [--optimize] [--batch N] [--export NAME] [--rankdir LR]
 *   kiln plot <history.json> [--out plot.svg|plot.html] [--title TEXT]
 *   kiln profile <module.js> [--runs N] [--warmup N] [--batch N] [--export NAME] [--sort time|order] [--json]
 *
 * A module for `viz` exports (as default, or under the name given with --export) a function,
 * possibly async, that builds and returns what to draw: a Tensor, an Operation, an array of
 * them, `{ fetches, targets }`, a Graph, or a Keras-style model (anything with a `graph`
 * property: its graph as built so far). An exported value that is not a function is drawn as is.
 * Without --out the DOT or SVG text goes to standard output.
 *
 * `profile` takes the same modules and times each kernel of the compiled executable for what the
 * module returns (a whole graph: its ops that nothing consumes). Feeds come from a `feeds` field
 * of the returned object when present (placeholder name -> values), else are made up: uniform
 * values in [-1, 1) for float32, zeros for int32 and bool, unknown dims set to --batch.
 *
 * The history file of `plot` is `History.history` as JSON (`{"loss": [...], "val_loss": [...]}`),
 * or an object with such a `history` field.
 */
import { readFileSync, writeSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { graphDot, graphSvg, type GraphTarget, type GraphVizOptions } from '../viz/graph.js';
import { historyHtml, historySvg, type HistoryLike } from '../viz/plot.js';
import { toProgram } from '../viz/graph.js';
import { writeFileAtomic } from '../viz/atomic.js';
import { Session } from '../session/session.js';
import { formatProfile } from '../session/profile.js';
import type { FeedDict } from '../session/feeds.js';
import { requiredOps } from '../interpreter/interpreter.js';
import { NDArray } from '../graph/ndarray.js';

/** Where the CLI writes; tests pass their own. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIO: CliIO = {
  stdout: (t) => void writeSync(1, t),
  stderr: (t) => void writeSync(2, t),
};

export const USAGE = `usage:
  kiln viz <module.js> [--out FILE.svg|FILE.dot] [--format svg|dot] [--optimize] [--batch N] [--export NAME] [--rankdir TB|LR]
      draws the graph the module builds; with --optimize, the program after the passes with each
      fused kernel a cluster (unknown batch dims set to --batch, default 32)
  kiln plot <history.json> [--out FILE.svg|FILE.html] [--title TEXT]
      plots loss and metrics per epoch, training and validation
  kiln profile <module.js> [--runs N] [--warmup N] [--batch N] [--export NAME] [--sort time|order] [--json]
      compiles what the module builds and times each kernel over N runs (default 10): time,
      share and GFLOP/s per kernel (unknown batch dims set to --batch, default 32)
  kiln help
`;

/** A usage error: exit status 2 and the usage text. */
class UsageError extends Error {}

function formatOf(out: string | undefined, given: string | undefined, allowed: readonly string[], fallback: string): string {
  const fromExt = out ? extname(out).slice(1).toLowerCase().replace(/^gv$/, 'dot').replace(/^htm$/, 'html') : undefined;
  const format = given ?? (fromExt && allowed.includes(fromExt) ? fromExt : fallback);
  if (!allowed.includes(format)) throw new UsageError(`unknown format '${format}'; expected ${allowed.join(' or ')}`);
  return format;
}

/** Loads the module and gets what it builds (see the file comment for the convention). */
async function loadTarget(file: string, exportName: string | undefined, feedsOut?: { feeds?: FeedDict }): Promise<GraphTarget> {
  const path = resolve(file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?tsx?$/.test(path)) {
      throw new Error(`cannot load '${file}': node does not run TypeScript; build it first (npm run build) and pass the .js file under dist/`);
    }
    throw e;
  }
  const name = exportName ?? ('default' in mod ? 'default' : undefined);
  if (name === undefined || !(name in mod)) {
    const names = Object.keys(mod).join(', ') || '(none)';
    throw new UsageError(`'${file}' has no ${name ? `export '${name}'` : 'default export'}; its exports are ${names} (choose one with --export)`);
  }
  const exported = mod[name];
  let value = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (feedsOut && value && typeof value === 'object' && 'feeds' in value) feedsOut.feeds = (value as { feeds: FeedDict }).feeds;
  // A Keras-style model: draw its graph.
  if (value && typeof value === 'object' && !('ops' in value) && 'graph' in value && !('fetches' in value) && !('op' in value)) {
    value = (value as { graph: unknown }).graph;
  }
  return value as GraphTarget;
}

async function viz(args: string[], io: CliIO): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      format: { type: 'string' },
      optimize: { type: 'boolean', default: false },
      batch: { type: 'string' },
      export: { type: 'string' },
      rankdir: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('viz: expected one module file');
  const format = formatOf(values.out, values.format, ['svg', 'dot'], 'svg');
  const batch = values.batch === undefined ? 32 : Number(values.batch);
  if (!Number.isInteger(batch) || batch <= 0) throw new UsageError(`viz: --batch must be a positive integer, got '${values.batch}'`);
  if (values.rankdir !== undefined && values.rankdir !== 'TB' && values.rankdir !== 'LR') throw new UsageError(`viz: --rankdir must be TB or LR`);
  const target = await loadTarget(positionals[0]!, values.export);
  const options: GraphVizOptions = {
    optimize: values.optimize,
    ...(values.optimize ? { batchSize: batch } : {}),
    ...(values.rankdir ? { rankdir: values.rankdir as 'TB' | 'LR' } : {}),
  };
  const text = format === 'dot' ? graphDot(target, options) : await graphSvg(target, options);
  if (values.out) {
    writeFileAtomic(values.out, text);
    io.stderr(`wrote ${values.out}\n`);
  } else io.stdout(text);
}

function positiveInt(what: string, text: string | undefined, fallback: number, min = 1): number {
  const n = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${what} must be an integer >= ${min}, got '${text}'`);
  return n;
}

async function profile(args: string[], io: CliIO): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      runs: { type: 'string' },
      warmup: { type: 'string' },
      batch: { type: 'string' },
      export: { type: 'string' },
      sort: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('profile: expected one module file');
  const runs = positiveInt('profile: --runs', values.runs, 10);
  const warmup = positiveInt('profile: --warmup', values.warmup, 1, 0);
  const batch = positiveInt('profile: --batch', values.batch, 32);
  if (values.sort !== undefined && values.sort !== 'time' && values.sort !== 'order') throw new UsageError('profile: --sort must be time or order');
  const given: { feeds?: FeedDict } = {};
  const target = await loadTarget(positionals[0]!, values.export, given);
  const p = toProgram(target);
  const program = 'kernels' in p ? p.program : p;
  const session = new Session(program.graph);
  try {
    const report = session.profile([...program.fetches, ...program.targets], given.feeds ?? madeUpFeeds(program.fetches, program.targets, batch), { runs, warmup });
    io.stdout(values.json ? JSON.stringify(report, null, 2) + '\n' : formatProfile(report, { sort: (values.sort as 'time' | 'order' | undefined) ?? 'time' }) + '\n');
  } finally {
    session.close();
  }
}

/** Feeds for every placeholder the fetches need: uniform [-1, 1) floats (fixed LCG), zero ints. */
function madeUpFeeds(fetches: Parameters<typeof requiredOps>[0], targets: Parameters<typeof requiredOps>[1], batch: number): Map<string, NDArray> {
  const feeds = new Map<string, NDArray>();
  let seed = 12345;
  for (const op of requiredOps(fetches, targets)) {
    if (op.type !== 'Placeholder') continue;
    const t = op.outputs[0]!;
    const shape = t.shape.map((d) => d ?? batch);
    const n = shape.reduce((a, b) => a * b, 1);
    if (t.dtype === 'float32') {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        data[i] = (seed / 2 ** 32) * 2 - 1;
      }
      feeds.set(op.name, new NDArray(data, shape, 'float32'));
    } else feeds.set(op.name, new NDArray(t.dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n), shape, t.dtype));
  }
  return feeds;
}

function plot(args: string[], io: CliIO): void {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string', short: 'o' }, format: { type: 'string' }, title: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('plot: expected one history JSON file');
  const format = formatOf(values.out, values.format, ['svg', 'html'], 'svg');
  const file = positionals[0]!;
  let history: HistoryLike;
  try {
    history = JSON.parse(readFileSync(file, 'utf8')) as HistoryLike;
  } catch (e) {
    throw new Error(`plot: cannot read '${file}' as JSON: ${(e as Error).message}`);
  }
  const options = values.title ? { title: values.title } : {};
  const text = format === 'html' ? historyHtml(history, options) : historySvg(history, options);
  if (values.out) {
    writeFileAtomic(values.out, text);
    io.stderr(`wrote ${values.out}\n`);
  } else io.stdout(text);
}

/**
 * Runs the CLI on `argv` (without node and script); returns the exit status: 0 done,
 * 1 failed (message on stderr), 2 bad usage.
 */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'viz':
        await viz(rest, io);
        return 0;
      case 'plot':
        plot(rest, io);
        return 0;
      case 'profile':
        await profile(rest, io);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    // parseArgs reports unknown options as TypeErrors with an ERR_PARSE_ARGS_* code.
    const usage = e instanceof UsageError || String((e as { code?: string }).code ?? '').startsWith('ERR_PARSE_ARGS');
    io.stderr(`kiln: ${(e as Error).message}\n`);
    if (usage) io.stderr(USAGE);
    return usage ? 2 : 1;
  }
}
