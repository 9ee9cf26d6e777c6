/**
 * `kiln.datasets.fashionMnist(dir)`: Fashion-MNIST (Xiao, Rasul & Vollgraf, 2017; 60,000 train
 * and 10,000 test 28x28 images of 10 clothing classes, MIT) from its four standard IDX files.
 * The default folder is where Debian's `dataset-fashion-mnist` package puts them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NDArray } from '../graph/ndarray.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { checkOptions, describeValue } from '../graph/options.js';
import { readIdx } from './idx.js';
import { toCategorical } from './utils.js';
import { checkLayout, checkSize, type DataSet, type Split } from './mnist.js';

/** Debian's `dataset-fashion-mnist` installs the files here. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The class names, by label. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface FashionMnistOptions {
  /** One-hot float32 labels `[N, 10]` instead of int32 `[N]`; default false. */
  oneHot?: boolean;
  /** `'flat'` (default) gives `[N, 784]`; `'image'` gives `[N, 28, 28, 1]`. */
  layout?: 'flat' | 'image';
  /** Keep only the first `trainSize` / `testSize` examples (default all). */
  trainSize?: number;
  testSize?: number;
}

/** The path of one of the four files, gzipped or raw. */
function findFile(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new InvalidArgumentError(
    `fashionMnist: '${join(dir, base)}.gz' not found. Install the data set with ` +
      `'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu; files go to ${FASHION_MNIST_DIR}), ` +
      `or download the four IDX files from https://github.com/zalandoresearch/fashion-mnist and pass their folder.`,
  );
}

function loadSplit(dir: string, prefix: 'train' | 't10k', limit: number | undefined, options: FashionMnistOptions): Split {
  const images = readIdx(findFile(dir, `${prefix}-images-idx3-ubyte`));
  const labels = readIdx(findFile(dir, `${prefix}-labels-idx1-ubyte`));
  if (images.type !== 'uint8' || images.shape.length !== 3 || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new InvalidArgumentError(
      `fashionMnist: ${prefix} files have unexpected shapes: images [${images.shape.join(',')}] ${images.type}, labels [${labels.shape.join(',')}]`,
    );
  }
  const [total, h, w] = images.shape as [number, number, number];
  const n = Math.min(limit ?? total, total);
  const pixels = h * w;
  const x = new Float32Array(n * pixels);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
  const y = Int32Array.from(labels.data.subarray(0, n));
  return {
    x: new NDArray(x, options.layout === 'image' ? [n, h, w, 1] : [n, pixels], 'float32'),
    y: options.oneHot ? toCategorical(y, 10) : new NDArray(y, [n], 'int32'),
  };
}

/**
 * Fashion-MNIST's train and test splits, pixels scaled to [0, 1].
 * @param dir folder with `train-images-idx3-ubyte(.gz)`, `train-labels-idx1-ubyte(.gz)`,
 *   `t10k-images-idx3-ubyte(.gz)`, `t10k-labels-idx1-ubyte(.gz)`; default `FASHION_MNIST_DIR`
 * @example const { train, test } = kiln.datasets.fashionMnist(); // train.x [60000,784]
 * @throws InvalidArgumentError saying how to get the files when one is missing
 */
export function fashionMnist(dir: string = FASHION_MNIST_DIR, options: FashionMnistOptions = {}): DataSet {
  if (typeof dir !== 'string') throw new InvalidArgumentError(`fashionMnist: dir must be a folder path, got ${describeValue(dir)} (fashionMnist(dir, options); pass undefined for the default folder)`);
  checkOptions('fashionMnist', options, ['oneHot', 'layout', 'trainSize', 'testSize']);
  checkLayout('fashionMnist', options.layout);
  if (options.trainSize !== undefined) checkSize('fashionMnist', 'trainSize', options.trainSize, Number.MAX_SAFE_INTEGER);
  if (options.testSize !== undefined) checkSize('fashionMnist', 'testSize', options.testSize, Number.MAX_SAFE_INTEGER);
  return { train: loadSplit(dir, 'train', options.trainSize, options), test: loadSplit(dir, 't10k', options.testSize, options) };
}
