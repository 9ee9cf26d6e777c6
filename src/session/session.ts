/**
 * Session (TF1): runs fetches of a graph with feeds, keeping variable values across runs.
 * Variables are initialized on first use in each session (no initializer op to run), from
 * their initial value or initializer; `initialize()` resets them explicitly.
 */
import { getDefaultGraph, Graph, Operation, Tensor } from '../graph/graph.js';
import { checkOptions, describeValue } from '../graph/options.js';
import type { NDArray, ArrayLike } from '../graph/ndarray.js';
import { array } from '../graph/ndarray.js';
import { formatShape, shapesEqual } from '../graph/shape.js';
import { DTypeError, InvalidArgumentError, ShapeError } from '../graph/errors.js';
import { checkAllFed, normalizeFeeds, type FeedDict } from './feeds.js';
import { NativeBackend } from './native_backend.js';
import { InterpreterBackend } from './interpreter_backend.js';
import type { SessionBackend } from './backend.js';
import type { ProfileOptions, ProfileReport } from './profile.js';

/** What `run` can fetch: a tensor, an op (for its effect), or arrays and records of those. */
export type Fetch = Tensor | Operation | readonly Fetch[] | { readonly [key: string]: Fetch };

/** The result of a fetch, mirroring its structure: an NDArray per tensor, `undefined` per op. */
export type FetchResult<F> = F extends Tensor
  ? NDArray
  : F extends Operation
    ? undefined
    : F extends readonly unknown[]
      ? { -readonly [K in keyof F]: FetchResult<F[K]> }
      : F extends object
        ? { -readonly [K in keyof F]: FetchResult<F[K]> }
        : never;

export type Backend = 'interpreter' | 'native';

export interface SessionOptions {
  /**
   * `'native'` (default: compiled C++, one executable per fetches/targets/feed shapes, run as one
   * native call) or `'interpreter'` (the float64 reference evaluator; results rounded to float32).
   */
  backend?: Backend;
  /**
   * Stop a run at the first NaN or infinity and throw a NumericError naming the op that made it,
   * its name and where it was created; the failed run changes no variable. Native: compiled in
   * (each kernel's float32 outputs and written variables are tested), interpreter: every op.
   * Off (default) costs nothing.
   */
  checkNumerics?: boolean;
  /**
   * Native backend: write what the compiler did for each executable (DOT before/after each pass,
   * explain.txt, module.cpp, memory_plan.json, schedule.txt) into a folder under this one;
   * `false` turns it off; default: the KILN_DUMP environment variable.
   */
  dump?: string | false;
}

export class Session {
  readonly graph: Graph;
  readonly backend: Backend;
  /** The native backend's executables and state (undefined for the interpreter), for tools and tests. */
  readonly native: NativeBackend | undefined;
  private readonly impl: SessionBackend;
  /** Shared with the backend, which reads it at every run. */
  private readonly flags: { checkNumerics: boolean };
  private runCount = 0;
  private closed = false;
  /** The last fetches and fed placeholders that passed checkAllFed (see checkFed). */
  private lastFedCheck: { tensors: Tensor[]; targets: Operation[]; fed: Operation[] } | undefined;

  /**
   * A session on `graph` (default: the default graph, as TF1's `tf.Session()`). The options may
   * come first when the graph is the default one: `new Session({ backend: 'interpreter' })`.
   * @throws InvalidArgumentError when `graph` is not a Graph, or for an unknown option or backend
   */
  constructor(graph?: Graph | SessionOptions, options?: SessionOptions);
  constructor(graphOrOptions: Graph | SessionOptions = getDefaultGraph(), sessionOptions?: SessionOptions) {
    let graph: Graph;
    let options: SessionOptions;
    if (graphOrOptions instanceof Graph) {
      [graph, options] = [graphOrOptions, sessionOptions ?? {}];
    } else if (sessionOptions === undefined && typeof graphOrOptions === 'object' && graphOrOptions !== null && !Array.isArray(graphOrOptions)) {
      [graph, options] = [getDefaultGraph(), graphOrOptions];
    } else {
      throw new InvalidArgumentError(`Session: the first argument must be a Graph (or the options, for the default graph), got ${describeValue(graphOrOptions)}`);
    }
    checkOptions('Session', options, ['backend', 'checkNumerics', 'dump']);
    this.graph = graph;
    this.backend = options.backend ?? 'native';
    this.flags = { checkNumerics: options.checkNumerics === true };
    if (this.backend === 'native') {
      this.native = new NativeBackend(graph, options.dump !== undefined ? { dump: options.dump } : {}, this.flags);
      this.impl = this.native;
    } else if (this.backend === 'interpreter') {
      this.native = undefined;
      this.impl = new InterpreterBackend(this.flags);
    } else {
      throw new InvalidArgumentError(`Session: unknown backend '${String(this.backend)}'; use 'native' or 'interpreter'`);
    }
  }

  /**
   * Computes `fetches` given `feeds`, running every update they depend on.
   * @example const [loss] = sess.run([lossT], { x: xs, y: ys });
   * @throws InvalidArgumentError for a missing feed, a fetch from another graph, a closed session;
   *   ShapeError/DTypeError for a feed of the wrong shape or dtype. A failed run changes no variable.
   */
  run<const F extends Fetch>(fetches: F, feeds?: FeedDict): FetchResult<F> {
    if (this.closed) throw new InvalidArgumentError('Session.run: the session is closed');
    const tensors: Tensor[] = [];
    const targets: Operation[] = [];
    this.collect(fetches, tensors, targets);
    const feedMap = normalizeFeeds(this.graph, feeds);
    this.checkFed(tensors, targets, feedMap);
    const values = this.impl.run(tensors, targets, feedMap, this.runCount);
    this.runCount++;
    let i = 0;
    const build = (f: Fetch): unknown => {
      if (f instanceof Tensor) return values[i++]!;
      if (f instanceof Operation) return undefined;
      if (Array.isArray(f)) return f.map(build);
      return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, build(v as Fetch)]));
    };
    return build(fetches) as FetchResult<F>;
  }

  /**
   * Whether runs stop at the first NaN/Inf (SessionOptions.checkNumerics). It may be switched
   * between runs (Keras `fit` does for its own runs); the native backend keeps one executable
   * per setting.
   */
  get checkNumerics(): boolean {
    return this.flags.checkNumerics;
  }

  set checkNumerics(on: boolean) {
    this.flags.checkNumerics = on === true;
  }

  /**
   * Times each kernel of the compiled executable for `fetches` and `feeds` over `options.runs`
   * runs (native backend). Variables the runs update are put back afterwards.
   * @example console.log(kiln.formatProfile(sess.profile([loss, train], feeds, { runs: 20 })));
   * @throws InvalidArgumentError on the interpreter backend, or as `run` does
   */
  profile(fetches: Fetch, feeds?: FeedDict, options: ProfileOptions = {}): ProfileReport {
    if (this.closed) throw new InvalidArgumentError('Session.profile: the session is closed');
    checkOptions('Session.profile', options, ['runs', 'warmup']);
    if (!this.native) throw new InvalidArgumentError(`Session.profile: needs the 'native' backend; this session uses '${this.backend}'`);
    const tensors: Tensor[] = [];
    const targets: Operation[] = [];
    this.collect(fetches, tensors, targets);
    if (!tensors.length && !targets.length) throw new InvalidArgumentError('Session.profile: nothing to fetch');
    const feedMap = normalizeFeeds(this.graph, feeds);
    checkAllFed(tensors, targets, feedMap);
    return this.native.profile(tensors, targets, feedMap, this.runCount, options);
  }

  /** The current value of a variable (initializing it if needed). */
  getValue(variable: Tensor): NDArray {
    return this.impl.getValue(this.variableOp(variable, 'getValue'));
  }

  /**
   * Sets a variable's value.
   * @throws ShapeError/DTypeError when the value does not match the variable
   */
  setValue(variable: Tensor, value: ArrayLike): void {
    const op = this.variableOp(variable, 'setValue');
    const t = op.outputs[0]!;
    const arr = array(value, undefined, t.dtype);
    if (arr.dtype !== t.dtype) throw new DTypeError(`setValue '${op.name}': got ${arr.dtype}, expected ${t.dtype}`);
    if (!shapesEqual(arr.shape, t.shape)) {
      throw new ShapeError(`setValue '${op.name}': got shape ${formatShape(arr.shape)}, expected ${formatShape(t.shape)}`);
    }
    this.impl.setValue(op, arr);
  }

  /** (Re)initializes every variable of the graph to its initial value (TF1's global initializer). */
  initialize(): void {
    this.impl.reset();
  }

  /** Releases the session (and its compiled executables); later runs throw. */
  close(): void {
    this.closed = true;
    this.impl.close();
  }

  private variableOp(variable: Tensor, what: string): Operation {
    if (!(variable instanceof Tensor) || variable.graph !== this.graph || variable.op.type !== 'Variable') {
      throw new InvalidArgumentError(`${what}: expected a variable of this session's graph, got ${String(variable)}`);
    }
    return variable.op;
  }

  /**
   * checkAllFed, skipped when the fetches, targets and fed placeholders are those of the last
   * run that passed it: its answer depends on nothing else (ops never change), and the graph
   * walk it does costs more than the native call of a small model (about 9 us of mlp_seed's
   * 55 us training step).
   */
  private checkFed(tensors: Tensor[], targets: Operation[], feeds: ReadonlyMap<Operation, NDArray>): void {
    const last = this.lastFedCheck;
    if (last && sameItems(last.tensors, tensors) && sameItems(last.targets, targets) && last.fed.length === feeds.size) {
      let i = 0;
      let same = true;
      for (const op of feeds.keys()) if (op !== last.fed[i++]) same = false;
      if (same) return;
    }
    checkAllFed(tensors, targets, feeds);
    this.lastFedCheck = { tensors, targets, fed: [...feeds.keys()] };
  }

  private collect(f: Fetch, tensors: Tensor[], targets: Operation[]): void {
    if (f instanceof Tensor) {
      if (f.graph !== this.graph) throw new InvalidArgumentError(`Session.run: fetch ${f} belongs to another graph`);
      tensors.push(f);
    } else if (f instanceof Operation) {
      if (f.graph !== this.graph) throw new InvalidArgumentError(`Session.run: fetch ${f} belongs to another graph`);
      targets.push(f);
    } else if (Array.isArray(f)) {
      for (const x of f) this.collect(x, tensors, targets);
    } else if (f !== null && typeof f === 'object') {
      for (const x of Object.values(f)) this.collect(x as Fetch, tensors, targets);
    } else {
      throw new InvalidArgumentError(`Session.run: cannot fetch ${String(f)}; expected a Tensor, an Operation, an array or a record`);
    }
  }
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
