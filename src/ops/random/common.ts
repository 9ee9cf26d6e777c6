/**
 * What the random ops share: the Philox key attr (resolved once, when the op is created, so
 * every backend and every session draws from the same stream) and the output shape, either a
 * static attr or the run-time shape of a `like` tensor (a shape-only input).
 *
 * Counter layout of every random op (see src/random/philox.ts): `[c0, runIndex, c2, stream]`
 * with key = `attrs.seed`. `runIndex` is the run's index within its session, so each run draws
 * new numbers and two sessions of one graph draw the same ones. `stream` is 0 for all ops today;
 * it is reserved for an op that needs several independent draws per element.
 */
import { getDefaultGraph, type Graph } from '../../graph/graph.js';
import { InferenceError } from '../../graph/errors.js';
import { formatShape, type Shape } from '../../graph/shape.js';
import type { TensorSpec } from '../../graph/op_def.js';
import { resolveSeed, type SeedPair } from '../../random/philox.js';

/** Attributes every random op carries. */
export interface RandomAttrs {
  [k: string]: unknown;
  /** The Philox key `[k0, k1]` (TF1's `seed`/`seed2` after combining op and graph seeds). */
  seed: SeedPair;
}

/** The seed option of the random ops' user functions. */
export interface SeedOptions {
  /**
   * Op-level seed (an integer; taken modulo 2^32). Combined with `graph.seed` as TF1 does;
   * with neither, a random key is drawn once, when the op is created.
   */
  seed?: number;
}

/**
 * The Philox key for an op about to be created in `graph`. An invalid seed is kept as given so
 * that `checkSeed` (run by `infer`) reports it with the node name and call site.
 */
export function opKey(seed: number | undefined, graph: Graph = getDefaultGraph()): SeedPair {
  if (seed !== undefined && !Number.isInteger(seed)) return [seed, 0];
  if (graph.seed !== undefined && !Number.isInteger(graph.seed)) return [seed ?? 0, graph.seed];
  return resolveSeed(seed, graph.seed, graph.ops.length);
}

const isUint32 = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

/** Throws an argument InferenceError unless `seed` is a pair of uint32 words. */
export function checkSeed(seed: unknown): SeedPair {
  if (!Array.isArray(seed) || seed.length !== 2 || !seed.every(isUint32)) {
    const shown = Array.isArray(seed) ? seed.map(String).join(', ') : String(seed);
    throw new InferenceError(`seed must be an integer (with an integer graph seed), got ${shown}`, 'argument');
  }
  return seed as unknown as SeedPair;
}

/** Throws an argument InferenceError unless `shape` is a list of non-negative integers. */
export function checkStaticShape(shape: unknown): readonly number[] {
  if (!Array.isArray(shape) || shape.some((d) => !(Number.isInteger(d) && d >= 0))) {
    const shown = Array.isArray(shape) ? formatShape(shape as Shape) : String(shape);
    throw new InferenceError(`shape must be a list of non-negative integers (fully known), got ${shown}`, 'argument');
  }
  return shape as number[];
}

/**
 * The output shape of a random op: the run-time shape of input 0 (`like`, shape only) when
 * present, else the static `shape` attr.
 */
export function randomOutputShape(inputs: readonly TensorSpec[], shape: unknown): Shape {
  if (inputs.length > 1) throw new InferenceError(`expected at most one (shape-only) input, got ${inputs.length}`, 'argument');
  if (inputs.length === 1) return inputs[0]!.shape;
  return checkStaticShape(shape);
}

/** A user-facing shape argument, copied (so later mutation of the caller's array is harmless). */
export function shapeArg(shape: readonly number[]): readonly number[] {
  return Array.isArray(shape) ? [...shape] : (shape as readonly number[]);
}
