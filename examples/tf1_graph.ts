/**
 * The founding example's MLP written TF1 style: placeholders, variables with Keras's default
 * initializers, `softmaxCrossEntropyWithLogits`, an optimizer's `minimize` (which calls
 * `gradients`) and `Session.run` per batch — the graph the Keras API builds, by hand.
 *
 *   784 -> 32 (relu) -> 10, SGD(lr 0.01, decay 1e-6, momentum 0.9, nesterov), batch 32.
 *
 * Run (after `npm install`): `node dist/examples/tf1_graph.js [--epochs N] [--train-size N]
 * [--test-size N] [--backend native|interpreter] [--fashion]`.
 */
import { pathToFileURL } from 'node:url';
import * as kiln from '../src/index.js';
import { parseExampleArgs, type ExampleOptions } from './example_args.js';

export interface Tf1Result {
  /** Mean training loss per epoch. */
  losses: number[];
  testAccuracy: number;
}

/** Builds the graph, trains it with one `Session.run` per batch, and measures test accuracy. */
export function runTf1Mlp(options: ExampleOptions = {}): Tf1Result {
  const epochs = options.epochs ?? 10;
  const batch = options.batchSize ?? 32;
  const data = options.fashion
    ? kiln.datasets.fashionMnist(options.dataDir, { oneHot: true, ...(options.trainSize ? { trainSize: options.trainSize } : {}), ...(options.testSize ? { testSize: options.testSize } : {}) })
    : kiln.datasets.mnist({ oneHot: true, trainSize: options.trainSize ?? 8000, testSize: options.testSize ?? 2000 });

  const graph = new kiln.Graph();
  graph.seed = options.seed ?? 1234;
  return graph.asDefault(() => {
    const x = kiln.placeholder('float32', [null, 784], 'x');
    const y = kiln.placeholder('float32', [null, 10], 'y');
    const dense = (input: kiln.Tensor, units: number, name: string): kiln.Tensor =>
      graph.nameScope(name, () => {
        const kernel = kiln.variable('glorotUniform', { shape: [input.shape[1] as number, units], name: 'kernel' });
        const bias = kiln.variable('zeros', { shape: [units], name: 'bias' });
        return kiln.add(kiln.matmul(input, kernel), bias);
      });
    const hidden = kiln.relu(dense(x, 32, 'dense'));
    const logits = dense(hidden, 10, 'dense_1');
    const loss = kiln.mean(kiln.softmaxCrossEntropyWithLogits(y, logits), undefined, false, 'loss');
    const train = new kiln.SGD({ lr: 0.01, decay: 1e-6, momentum: 0.9, nesterov: true }).minimize(loss);
    const correct = kiln.equal(kiln.argmax(logits, 1), kiln.argmax(y, 1));
    const accuracy = kiln.mean(kiln.cast(correct, 'float32'));

    const sess = new kiln.Session(graph, options.backend ? { backend: options.backend } : {});
    const n = data.train.x.shape[0]!;
    const xs = data.train.x.data as Float32Array;
    const ys = data.train.y.data as Float32Array;
    const losses: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      let total = 0;
      // Full batches only, in order: each batch is a view of the data (no copy).
      const steps = Math.floor(n / batch);
      for (let s = 0; s < steps; s++) {
        const feeds = {
          x: new kiln.NDArray(xs.subarray(s * batch * 784, (s + 1) * batch * 784), [batch, 784], 'float32'),
          y: new kiln.NDArray(ys.subarray(s * batch * 10, (s + 1) * batch * 10), [batch, 10], 'float32'),
        };
        total += sess.run([loss, train], feeds)[0].item();
      }
      losses.push(total / steps);
      if ((options.verbose ?? 1) > 0) console.log(`epoch ${epoch + 1}/${epochs}  loss ${losses[epoch]!.toFixed(4)}`);
    }
    const testAccuracy = sess.run(accuracy, { x: data.test.x, y: data.test.y }).item();
    return { losses, testAccuracy };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = parseExampleArgs('tf1_graph', process.argv.slice(2));
  const r = runTf1Mlp(options);
  console.log(`test accuracy: ${r.testAccuracy.toFixed(4)}`);
}
