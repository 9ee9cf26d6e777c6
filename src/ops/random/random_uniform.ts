/**
 * RandomUniform: uniform numbers drawn with Philox4x32-10 (TF's `tf.random.uniform`).
 *
 * Element → counter mapping (the C++/CUDA emitters must reproduce it bit for bit):
 *   element i (row-major) takes word `i % 4` of the block
 *     philox4x32(counter = [floor(i / 4), runIndex, 0, 0], key = attrs.seed)
 *   float32: u = (word >> 8) * 2^-24 (24 bits, exact in float32, u in [0, 1)),
 *            value = minval + (maxval - minval) * u      (in [minval, maxval) before rounding)
 *   int32:   value = minval + (word mod (maxval - minval))   (as TF; bias below range / 2^32)
 * `runIndex` is the run's index in its session: each run draws new numbers, and two sessions
 * of one graph draw the same ones.
 */
import { apply, getDefaultGraph, type Graph, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { NDArray } from '../../graph/ndarray.js';
import type { DType } from '../../graph/dtype.js';
import { sizeOf } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { philox4x32, uniformStream } from '../../random/philox.js';
import { zerosValue } from '../../interpreter/values.js';
import { checkSeed, opKey, randomOutputShape, shapeArg, type RandomAttrs, type SeedOptions } from './common.js';
import { checkOptions } from '../../graph/options.js';

export interface RandomUniformAttrs extends RandomAttrs {
  /** The output shape; `null` when input 0 (`like`) gives it at run time. */
  shape: readonly number[] | null;
  minval: number;
  /** `undefined` only for an int32 op created without one (an error). */
  maxval: number | undefined;
  dtype: DType;
}

registerOp<RandomUniformAttrs>({
  name: 'RandomUniform',
  apiName: 'randomUniform',
  kind: 'random',
  shapeOnlyInputs: [0],
  infer: (inputs, attrs) => {
    const shape = randomOutputShape(inputs, attrs.shape);
    checkSeed(attrs.seed);
    const { minval, maxval, dtype } = attrs;
    if (dtype !== 'float32' && dtype !== 'int32') {
      throw new InferenceError(`dtype must be float32 or int32, got ${String(dtype)}`, 'dtype');
    }
    if (dtype === 'int32' && maxval === undefined) throw new InferenceError('an int32 randomUniform needs an explicit maxval', 'argument');
    if (!Number.isFinite(minval) || !Number.isFinite(maxval)) {
      throw new InferenceError(`minval and maxval must be finite numbers, got minval ${minval}, maxval ${maxval}`, 'argument');
    }
    if (!(minval < maxval!)) throw new InferenceError(`needs minval < maxval, got minval ${minval}, maxval ${maxval}`, 'argument');
    if (dtype === 'int32') {
      const ok = Number.isInteger(minval) && Number.isInteger(maxval) && minval >= -(2 ** 31) && maxval! <= 2 ** 31 - 1;
      if (!ok) throw new InferenceError(`int32 minval and maxval must be int32 integers, got minval ${minval}, maxval ${maxval}`, 'argument');
    }
    return [{ shape, dtype }];
  },
  evaluate: (inputs, attrs, ctx) => {
    const shape = inputs.length === 1 ? inputs[0]!.shape : attrs.shape!;
    const lo = attrs.minval;
    const hi = attrs.maxval!;
    if (attrs.dtype === 'int32') return [uniformInt(shape, lo, hi, attrs.seed, ctx.runIndex)];
    const u = uniformStream(sizeOf(shape), attrs.seed, ctx.runIndex);
    const range = hi - lo;
    for (let i = 0; i < u.length; i++) u[i] = lo + range * u[i]!;
    return [new NDArray(u, [...shape], 'float32')];
  },
});

/** int32 draws: minval + (word mod range), word i%4 of block [i/4, runIndex, 0, 0]. */
function uniformInt(shape: readonly number[], lo: number, hi: number, key: readonly [number, number], runIndex: number): NDArray {
  const out = zerosValue('int32', shape);
  const data = out.data;
  const block = new Uint32Array(4);
  const range = hi - lo;
  for (let b = 0; b * 4 < data.length; b++) {
    philox4x32(b, runIndex, 0, 0, key[0], key[1], block);
    for (let w = 0; w < 4 && b * 4 + w < data.length; w++) data[b * 4 + w] = lo + (block[w]! % range);
  }
  return out;
}

export interface RandomUniformOptions extends SeedOptions {
  /** Lower bound (inclusive); default 0. */
  minval?: number;
  /** Upper bound (exclusive); default 1 for float32, required for int32. */
  maxval?: number;
  /** 'float32' (default) or 'int32'. */
  dtype?: DType;
  name?: string;
  graph?: Graph;
}

/** The keys of RandomUniformOptions; `graph` last (the `...Like` form takes the graph of `like`). */
const UNIFORM_KEYS = ['seed', 'minval', 'maxval', 'dtype', 'name', 'graph'];

function uniformAttrs(shape: readonly number[] | null, o: RandomUniformOptions, graph: Graph): RandomUniformAttrs {
  const dtype = o.dtype ?? 'float32';
  return {
    shape,
    minval: o.minval ?? 0,
    maxval: o.maxval ?? (dtype === 'int32' ? undefined : 1),
    dtype,
    seed: opKey(o.seed, graph),
  };
}

/**
 * A tensor of uniform random numbers in [minval, maxval), new each run (TF's
 * `tf.random.uniform`). Not differentiable (no inputs). Reproducible: with a `seed` (or a
 * graph seed) two sessions draw the same numbers; successive runs of a session differ.
 * @param shape fully known output shape (for a shape known only at run time use `randomUniformLike`)
 * @example const noise = kiln.randomUniform([2, 3], { minval: -1, maxval: 1, seed: 42 }); // float32 [2,3]
 * @throws InvalidArgumentError for a shape that is not a list of non-negative integers, minval >= maxval,
 *   a non-integer seed, or int32 bounds that are not integers; DTypeError for a dtype other than float32/int32
 */
export function randomUniform(shape: readonly number[], options: RandomUniformOptions = {}): Tensor {
  checkOptions('randomUniform', options, UNIFORM_KEYS);
  const graph = options.graph ?? getDefaultGraph();
  return apply('RandomUniform', [], uniformAttrs(shapeArg(shape), options, graph), options.name, graph);
}

/**
 * Like `randomUniform`, with the shape of `like` at run time (its value is not read), so
 * unknown dims (a batch of `null`) are allowed.
 * @example const u = kiln.randomUniformLike(x); // x: [?, 10] -> [?, 10]
 */
export function randomUniformLike(like: Tensor, options: Omit<RandomUniformOptions, 'graph'> = {}): Tensor {
  checkOptions('randomUniformLike', options, UNIFORM_KEYS.slice(0, -1));
  return apply('RandomUniform', [like], uniformAttrs(null, options, like.graph), options.name);
}
