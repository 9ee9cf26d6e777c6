import { Operation, Tensor, type Graph } from '../graph/graph.js';
import { array, NDArray, type ArrayLike } from '../graph/ndarray.js';
import { formatShape } from '../graph/shape.js';
import { DTypeError, InvalidArgumentError, ShapeError } from '../graph/errors.js';
import { requiredOps } from '../interpreter/interpreter.js';
import { describeValue } from '../graph/describe.js';

/**
 * Feeds for `Session.run`: a Map or a list of pairs keyed by placeholder tensors (or names),
 * or a record keyed by placeholder names (`'x'` or `'x:0'`).
 */
export type FeedDict =
  | ReadonlyMap<Tensor | string, ArrayLike>
  | readonly (readonly [Tensor | string, ArrayLike])[]
  | { readonly [name: string]: ArrayLike };

function resolvePlaceholder(graph: Graph, key: Tensor | string): Operation {
  if (key instanceof Tensor) {
    if (key.graph !== graph) throw new InvalidArgumentError(`feed: ${key} belongs to another graph`);
    if (key.op.type !== 'Placeholder') throw new InvalidArgumentError(`feed: only placeholders can be fed, got ${key}`);
    return key.op;
  }
  const name = key.endsWith(':0') ? key.slice(0, -2) : key;
  const op = graph.getOperation(name);
  if (!op) throw new InvalidArgumentError(`feed: no placeholder named '${key}' in the graph`);
  if (op.type !== 'Placeholder') throw new InvalidArgumentError(`feed: '${key}' is a ${op.type}, not a placeholder`);
  return op;
}

/** Converts one feed value for placeholder `op`, checking dtype and shape. */
export function checkFeed(op: Operation, value: ArrayLike): NDArray {
  const spec = op.outputs[0]!;
  let arr: NDArray;
  if (value instanceof NDArray) {
    if (value.dtype !== spec.dtype) {
      throw new DTypeError(`placeholder '${op.name}': fed ${value.dtype}, expected ${spec.dtype}`);
    }
    arr = value;
  } else if (ArrayBuffer.isView(value)) {
    const got = value instanceof Int32Array ? 'int32' : value instanceof Uint8Array ? 'bool' : 'float32';
    if (got !== spec.dtype) throw new DTypeError(`placeholder '${op.name}': fed a ${value.constructor.name} (${got}), expected ${spec.dtype}`);
    // A flat typed array fills the placeholder's shape when only the batch dim is unknown.
    const known = spec.shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    const unknown = spec.shape.filter((d) => d === null).length;
    if (unknown > 1) throw new InvalidArgumentError(`placeholder '${op.name}': feed an NDArray (data + shape), its shape ${formatShape(spec.shape)} has several unknown dims`);
    if (known === 0 || value.length % known !== 0) {
      throw new ShapeError(`placeholder '${op.name}': ${value.length} values do not fill shape ${formatShape(spec.shape)}`);
    }
    const shape = spec.shape.map((d) => d ?? value.length / known);
    // A typed array of the placeholder's storage type is used as is (no copy): the native
    // backend passes it to compiled code by pointer.
    const same = (value instanceof Float32Array && spec.dtype === 'float32') || (value instanceof Int32Array && spec.dtype === 'int32') || (value instanceof Uint8Array && spec.dtype === 'bool');
    arr = same ? new NDArray(value as Float32Array | Int32Array | Uint8Array, shape, spec.dtype) : array(value, shape, spec.dtype);
  } else {
    const expected = `expected ${spec.dtype} ${formatShape(spec.shape)} (created at ${op.callSite})`;
    if (typeof value !== 'number' && typeof value !== 'boolean' && !Array.isArray(value)) {
      // Else array() would read undefined or {} as a scalar and report a shape mismatch.
      throw new InvalidArgumentError(`placeholder '${op.name}': fed ${describeValue(value)}, ${expected}`);
    }
    try {
      arr = array(value, undefined, spec.dtype);
    } catch (e) {
      if (!(e instanceof InvalidArgumentError)) throw e;
      throw new InvalidArgumentError(`placeholder '${op.name}': ${e.message.replace(/^array: /, '')} (the placeholder is ${spec.dtype} ${formatShape(spec.shape)}, created at ${op.callSite})`);
    }
  }
  const ok = arr.shape.length === spec.shape.length && spec.shape.every((d, i) => d === null || d === arr.shape[i]);
  if (!ok) {
    throw new ShapeError(`placeholder '${op.name}': fed shape ${formatShape(arr.shape)}, expected ${formatShape(spec.shape)}`);
  }
  return arr;
}

/** Resolves and checks feeds against `graph`. */
export function normalizeFeeds(graph: Graph, feeds: FeedDict | undefined): Map<Operation, NDArray> {
  const out = new Map<Operation, NDArray>();
  if (!feeds) return out;
  const entries: [Tensor | string, ArrayLike][] =
    feeds instanceof Map
      ? [...feeds.entries()]
      : Array.isArray(feeds)
        ? (feeds as [Tensor | string, ArrayLike][])
        : Object.entries(feeds as Record<string, ArrayLike>);
  for (const [key, value] of entries) {
    const op = resolvePlaceholder(graph, key);
    if (out.has(op)) throw new InvalidArgumentError(`feed: placeholder '${op.name}' is fed twice`);
    out.set(op, checkFeed(op, value));
  }
  return out;
}

/** Throws naming the first placeholder that the run needs but was not fed. */
export function checkAllFed(fetches: readonly Tensor[], targets: readonly Operation[], feeds: ReadonlyMap<Operation, NDArray>): void {
  for (const op of requiredOps(fetches, targets, new Set(feeds.keys()))) {
    if (op.type === 'Placeholder' && !feeds.has(op)) {
      const t = op.outputs[0]!;
      throw new InvalidArgumentError(
        `placeholder '${op.name}' needs a feed: expected ${t.dtype} ${formatShape(t.shape)} (created at ${op.callSite})`,
      );
    }
  }
}
