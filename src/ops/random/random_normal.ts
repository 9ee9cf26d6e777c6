/**
 * RandomNormal and TruncatedNormal: normal numbers drawn with Philox4x32-10 and Box-Muller
 * (TF's `tf.random.normal` and `tf.random.truncated_normal`).
 *
 * Element → counter mapping (the C++/CUDA emitters must reproduce it; see normalStream in
 * src/random/philox.ts):
 *   element i (row-major), attempt a = 0, 1, ...:
 *     w = philox4x32(counter = [i, runIndex, a, 0], key = attrs.seed)
 *     u1 = 1 - (w[0] >> 8) * 2^-24   (in (0, 1], so log is finite)
 *     u2 =     (w[1] >> 8) * 2^-24
 *     r = sqrt(-2 ln u1);  z0 = r cos(2π u2);  z1 = r sin(2π u2)
 *   RandomNormal:    z = z0.
 *   TruncatedNormal: z = z0 if |z0| <= 2, else z1 if |z1| <= 2, else the next attempt (as TF,
 *                    values beyond 2 standard deviations are redrawn; after 64 attempts, a
 *                    probability of about 1e-172, z1 is clamped to ±2).
 *   value = mean + stddev * z.
 * Compute z in double so the truncation test decides as the reference interpreter does.
 * (Words 2 and 3 of each block are unused: one block per element keeps the mapping trivial to
 * parallelize, and the redraw loop needs a per-element counter anyway.)
 */
import { apply, getDefaultGraph, type Graph, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { NDArray } from '../../graph/ndarray.js';
import { sizeOf } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { normalStream } from '../../random/philox.js';
import { checkSeed, opKey, randomOutputShape, shapeArg, type RandomAttrs, type SeedOptions } from './common.js';
import { checkOptions } from '../../graph/options.js';

export interface RandomNormalAttrs extends RandomAttrs {
  /** The output shape; `null` when input 0 (`like`) gives it at run time. */
  shape: readonly number[] | null;
  mean: number;
  stddev: number;
}

for (const [name, apiName, truncate] of [
  ['RandomNormal', 'randomNormal', false],
  ['TruncatedNormal', 'truncatedNormal', true],
] as const) {
  registerOp<RandomNormalAttrs>({
    name,
    apiName,
    kind: 'random',
    shapeOnlyInputs: [0],
    infer: (inputs, attrs) => {
      const shape = randomOutputShape(inputs, attrs.shape);
      checkSeed(attrs.seed);
      if (!Number.isFinite(attrs.mean)) throw new InferenceError(`mean must be a finite number, got ${attrs.mean}`, 'argument');
      if (!(Number.isFinite(attrs.stddev) && attrs.stddev >= 0)) {
        throw new InferenceError(`stddev must be a finite number >= 0, got ${attrs.stddev}`, 'argument');
      }
      return [{ shape, dtype: 'float32' }];
    },
    evaluate: (inputs, attrs, ctx) => {
      const shape = inputs.length === 1 ? inputs[0]!.shape : attrs.shape!;
      const z = normalStream(sizeOf(shape), attrs.seed, ctx.runIndex, 0, truncate);
      for (let i = 0; i < z.length; i++) z[i] = attrs.mean + attrs.stddev * z[i]!;
      return [new NDArray(z, [...shape], 'float32')];
    },
  });
}

export interface RandomNormalOptions extends SeedOptions {
  /** Default 0. */
  mean?: number;
  /** Default 1; must be >= 0. */
  stddev?: number;
  name?: string;
  graph?: Graph;
}

/** The keys of RandomNormalOptions; `graph` last (the `...Like` forms take the graph of `like`). */
const NORMAL_KEYS = ['seed', 'mean', 'stddev', 'name', 'graph'];

function normalAttrs(shape: readonly number[] | null, o: RandomNormalOptions, graph: Graph): RandomNormalAttrs {
  return { shape, mean: o.mean ?? 0, stddev: o.stddev ?? 1, seed: opKey(o.seed, graph) };
}

/**
 * A float32 tensor of normal random numbers N(mean, stddev²), new each run (TF's
 * `tf.random.normal`). Not differentiable (no inputs). Seeds as `randomUniform`.
 * @param shape fully known output shape (for a run-time shape use `randomNormalLike`)
 * @example const eps = kiln.randomNormal([4, 8], { stddev: 0.1, seed: 1 });
 * @throws InvalidArgumentError for a bad shape, stddev < 0, a non-finite mean or a non-integer seed
 */
export function randomNormal(shape: readonly number[], options: RandomNormalOptions = {}): Tensor {
  checkOptions('randomNormal', options, NORMAL_KEYS);
  const graph = options.graph ?? getDefaultGraph();
  return apply('RandomNormal', [], normalAttrs(shapeArg(shape), options, graph), options.name, graph);
}

/** Like `randomNormal`, with the run-time shape of `like` (its value is not read). */
export function randomNormalLike(like: Tensor, options: Omit<RandomNormalOptions, 'graph'> = {}): Tensor {
  checkOptions('randomNormalLike', options, NORMAL_KEYS.slice(0, -1));
  return apply('RandomNormal', [like], normalAttrs(null, options, like.graph), options.name);
}

/**
 * A float32 tensor of normal numbers N(mean, stddev²) with every value beyond 2 stddev redrawn
 * (TF's `tf.random.truncated_normal`): values lie in [mean - 2 stddev, mean + 2 stddev] and
 * their standard deviation is about 0.88 stddev. Not differentiable. Seeds as `randomUniform`.
 * @example const w0 = kiln.truncatedNormal([784, 32], { stddev: 0.05, seed: 3 });
 * @throws InvalidArgumentError for a bad shape, stddev < 0, a non-finite mean or a non-integer seed
 */
export function truncatedNormal(shape: readonly number[], options: RandomNormalOptions = {}): Tensor {
  checkOptions('truncatedNormal', options, NORMAL_KEYS);
  const graph = options.graph ?? getDefaultGraph();
  return apply('TruncatedNormal', [], normalAttrs(shapeArg(shape), options, graph), options.name, graph);
}

/** Like `truncatedNormal`, with the run-time shape of `like` (its value is not read). */
export function truncatedNormalLike(like: Tensor, options: Omit<RandomNormalOptions, 'graph'> = {}): Tensor {
  checkOptions('truncatedNormalLike', options, NORMAL_KEYS.slice(0, -1));
  return apply('TruncatedNormal', [like], normalAttrs(null, options, like.graph), options.name);
}
