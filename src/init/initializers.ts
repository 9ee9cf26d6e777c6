/**
 * Weight initializers with Keras's definitions (keras/initializers): fan_in and fan_out of a
 * shape are, for rank 2 `[in, out]`: in and out; for a conv kernel `[h, w, in, out]` (HWIO):
 * h*w*in and h*w*out; for rank 1: both the size; for a scalar: 1.
 */
import type { DType } from '../graph/dtype.js';
import { NDArray, allocData } from '../graph/ndarray.js';
import { sizeOf } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { normalStream, uniformStream, type SeedPair } from '../random/philox.js';

/** Keras's fan computation (see the module note). */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

/** Produces a variable's initial value for a concrete shape. */
export interface Initializer {
  readonly name: string;
  /** An optional op-level seed; combined with the graph seed like a random op's. */
  readonly seed?: number;
  generate(shape: readonly number[], dtype: DType, key: SeedPair): NDArray;
}

function fill(shape: readonly number[], dtype: DType, f: (i: number) => number): NDArray {
  const data = allocData(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = f(i);
  return new NDArray(data, [...shape], dtype);
}

class Constant implements Initializer {
  readonly name = 'constant';
  constructor(readonly value: number) {}
  generate(shape: readonly number[], dtype: DType): NDArray {
    return fill(shape, dtype, () => this.value);
  }
}

/** Uniform on [minval, maxval). */
class RandomUniform implements Initializer {
  constructor(
    readonly name: string,
    readonly limit: (shape: readonly number[]) => [number, number],
    readonly seed?: number,
  ) {}
  generate(shape: readonly number[], dtype: DType, key: SeedPair): NDArray {
    const [lo, hi] = this.limit(shape);
    const u = uniformStream(sizeOf(shape), key, 0);
    return fill(shape, dtype, (i) => lo + (hi - lo) * u[i]!);
  }
}

/** Truncated normal (redrawn beyond 2 stddev) with the given stddev. */
class TruncatedNormal implements Initializer {
  constructor(
    readonly name: string,
    readonly stddev: (shape: readonly number[]) => number,
    readonly mean = 0,
    readonly seed?: number,
  ) {}
  generate(shape: readonly number[], dtype: DType, key: SeedPair): NDArray {
    const sd = this.stddev(shape);
    const z = normalStream(sizeOf(shape), key, 0, 0, true);
    return fill(shape, dtype, (i) => this.mean + sd * z[i]!);
  }
}

/** Normal (not truncated) with the given mean and stddev. */
class RandomNormal implements Initializer {
  readonly name = 'randomNormal';
  constructor(
    readonly mean: number,
    readonly stddev: number,
    readonly seed?: number,
  ) {}
  generate(shape: readonly number[], dtype: DType, key: SeedPair): NDArray {
    const z = normalStream(sizeOf(shape), key, 0, 0, false);
    return fill(shape, dtype, (i) => this.mean + this.stddev * z[i]!);
  }
}

// Keras's VarianceScaling divides the truncated normal's stddev by this constant, the stddev
// of a unit normal truncated to [-2, 2], so the drawn values have the intended variance.
const TRUNCATED_STDDEV_CORRECTION = 0.87962566103423978;

interface SeedOption {
  seed?: number;
}

/** All zeros. */
export const zeros = (): Initializer => new Constant(0);
/** All ones. */
export const ones = (): Initializer => new Constant(1);
/** Every element `value`. */
export const constantInitializer = (value: number): Initializer => new Constant(value);
/** Uniform on [minval, maxval), default [-0.05, 0.05) as Keras. */
export const randomUniform = (o: { minval?: number; maxval?: number } & SeedOption = {}): Initializer =>
  new RandomUniform('randomUniform', () => [o.minval ?? -0.05, o.maxval ?? 0.05], o.seed);
/** Normal(mean, stddev), default (0, 0.05) as Keras. */
export const randomNormal = (o: { mean?: number; stddev?: number } & SeedOption = {}): Initializer =>
  new RandomNormal(o.mean ?? 0, o.stddev ?? 0.05, o.seed);
/** Normal truncated at 2 stddev, default (0, 0.05) as Keras. */
export const truncatedNormal = (o: { mean?: number; stddev?: number } & SeedOption = {}): Initializer =>
  new TruncatedNormal('truncatedNormal', () => o.stddev ?? 0.05, o.mean ?? 0, o.seed);
/**
 * Glorot & Bengio (2010): U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), written as Keras's
 * VarianceScaling(1, 'fan_avg', 'uniform'): sqrt(3 / max(1, (fan_in + fan_out) / 2)).
 * Keras's default for Dense kernels.
 */
export const glorotUniform = (o: SeedOption = {}): Initializer =>
  new RandomUniform(
    'glorotUniform',
    (s) => {
      const { fanIn, fanOut } = computeFans(s);
      const l = Math.sqrt(3 / Math.max(1, (fanIn + fanOut) / 2));
      return [-l, l];
    },
    o.seed,
  );
/**
 * Glorot & Bengio (2010): normal with stddev sqrt(2 / (fan_in + fan_out)), drawn as Keras's
 * VarianceScaling(1, 'fan_avg', 'truncated_normal'): a truncated normal whose stddev parameter is
 * that target / 0.8796 (so values lie within 2 x target / 0.8796 and their stddev is the target).
 */
export const glorotNormal = (o: SeedOption = {}): Initializer =>
  new TruncatedNormal(
    'glorotNormal',
    (s) => {
      const { fanIn, fanOut } = computeFans(s);
      return Math.sqrt(1 / Math.max(1, (fanIn + fanOut) / 2)) / TRUNCATED_STDDEV_CORRECTION;
    },
    0,
    o.seed,
  );
/** He et al. (2015): stddev sqrt(2 / fan_in), truncated as `glorotNormal` (Keras VarianceScaling(2, 'fan_in')). */
export const heNormal = (o: SeedOption = {}): Initializer =>
  new TruncatedNormal('heNormal', (s) => Math.sqrt(2 / Math.max(1, computeFans(s).fanIn)) / TRUNCATED_STDDEV_CORRECTION, 0, o.seed);
/** He et al. (2015): U(-l, l) with l = sqrt(6 / fan_in). */
export const heUniform = (o: SeedOption = {}): Initializer =>
  new RandomUniform(
    'heUniform',
    (s) => {
      const l = Math.sqrt(6 / Math.max(1, computeFans(s).fanIn));
      return [-l, l];
    },
    o.seed,
  );

/** Looks up an initializer by Keras name (`'glorotUniform'`, `'zeros'`, ...). */
export function getInitializer(id: string | Initializer): Initializer {
  if (typeof id !== 'string') return id;
  const table: Record<string, () => Initializer> = {
    zeros,
    ones,
    glorotUniform,
    glorotNormal,
    heNormal,
    heUniform,
    randomUniform,
    randomNormal,
    truncatedNormal,
  };
  const f = table[id];
  if (!f) throw new InvalidArgumentError(`unknown initializer '${id}'; known: ${Object.keys(table).join(', ')}`);
  return f();
}
