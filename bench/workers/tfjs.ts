/**
 * The TensorFlow.js peers: tfjs-core + tfjs-layers 4.22 with the `wasm` or `cpu` backend, the
 * same Keras-style model (Dense/Conv2D with Glorot-uniform kernels and zero biases),
 * `tf.train.momentum(0.01, 0.9, useNesterov = true)` (the same update as Keras's and PyTorch's
 * Nesterov SGD) and `trainOnBatch` on shuffled batches gathered from tensors held by the backend.
 *
 * Threads: both backends run on one thread in Node. The cpu backend is plain JS; the wasm
 * backend's threaded build is disabled under Node (`WASM_HAS_MULTITHREAD_SUPPORT` is false when
 * `IS_NODE`, tensorflow/tfjs#3830; forcing it fails to start), so the result says threads = 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { loadFashionMnist, mulberry32, permutation } from '../data.js';
import { MissingFramework, peakRssMb, type TaskFigures, type TaskSpec } from '../protocol.js';
import type { ModelSpec } from '../workloads.js';
import { OPTIMIZER } from '../workloads.js';
import { epochFigures, medianLatencyMs, timeEpoch, workerMain } from './common.js';

async function initBackend(framework: TaskSpec['framework']): Promise<void> {
  const backend = framework === 'tfjs-wasm' ? 'wasm' : 'cpu';
  // Production mode, as a user after speed would run (it also silences tfjs's warnings, e.g.
  // the cpu backend's "install tfjs-node" banner).
  tf.enableProdMode();
  if (!(await tf.setBackend(backend))) throw new MissingFramework(`tfjs backend '${backend}' failed to initialize`);
  await tf.ready();
}

/** The model as tfjs-layers builds it; logits out (no softmax), as every framework here. */
export function buildTfjsModel(model: ModelSpec, seed: number): tfl.Sequential {
  const m = tfl.sequential();
  let first = true;
  let k = 0;
  const input = () => (first ? { inputShape: model.inputShape } : {});
  const kernelInitializer = () => tfl.initializers.glorotUniform({ seed: seed + k++ });
  for (const layer of model.layers) {
    if (layer.type === 'dense') {
      m.add(tfl.layers.dense({ ...input(), units: layer.units, activation: layer.activation ?? 'linear', kernelInitializer: kernelInitializer(), biasInitializer: 'zeros' }));
    } else if (layer.type === 'conv2d') {
      m.add(
        tfl.layers.conv2d({ ...input(), filters: layer.filters, kernelSize: layer.kernelSize, activation: layer.activation ?? 'linear', padding: 'valid', kernelInitializer: kernelInitializer(), biasInitializer: 'zeros' }),
      );
    } else if (layer.type === 'maxPool2d') {
      m.add(tfl.layers.maxPooling2d({ ...input(), poolSize: layer.poolSize }));
    } else {
      m.add(tfl.layers.flatten(input()));
    }
    first = false;
  }
  return m;
}

export async function runTfjs(spec: TaskSpec): Promise<TaskFigures> {
  await initBackend(spec.framework);
  const model = buildTfjsModel(spec.model, spec.seed);
  const threads = 1;
  const note = spec.framework === 'tfjs-wasm' ? 'wasm is single-threaded under Node (tfjs#3830)' : 'cpu backend is single-threaded JS';
  const sampleShape = spec.model.inputShape;

  if (spec.kind === 'latency') {
    const one = tf.zeros([1, ...sampleShape]);
    const latency_ms = await medianLatencyMs(() => {
      const y = model.predict(one) as tf.Tensor;
      y.dataSync();
      y.dispose();
    }, spec.latencyCalls);
    return { threads, latency_ms, peak_rss_mb: peakRssMb(), note };
  }
  if (spec.kind !== 'train') throw new Error(`tfjs: no '${spec.kind}' task (tfjs has no compile step)`);

  const { train, test } = loadFashionMnist(spec.dataDir);
  const xs = tf.tensor(train.x, [train.n, ...sampleShape]);
  const ys = tf.tensor1d(train.y, 'int32');
  model.compile({
    optimizer: tf.train.momentum(OPTIMIZER.learningRate, OPTIMIZER.momentum, OPTIMIZER.nesterov),
    loss: (yTrue: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, logits),
  });
  const batch = spec.model.batch;
  const stepsPerEpoch = Math.floor(train.n / batch);
  const perm = permutation(train.n, mulberry32(spec.seed));
  const step = async (i: number) => {
    const [xb, yb] = tf.tidy(() => {
      const idx = tf.tensor1d(perm.subarray(i * batch, (i + 1) * batch), 'int32');
      return [tf.gather(xs, idx), tf.oneHot(tf.gather(ys, idx), 10)];
    });
    await model.trainOnBatch(xb, yb);
    tf.dispose([xb, yb]);
  };
  // One untimed warm-up step (lazy kernel and optimizer-slot set-up), as for every framework.
  try {
    await step(stepsPerEpoch - 1);
  } catch (e) {
    // e.g. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel: it cannot train the CNN.
    const msg = (e as Error).message;
    if (/not registered for backend/.test(msg)) throw new Error(`${spec.framework} cannot train this model: ${msg}`);
    throw e;
  }
  const timing = await timeEpoch(spec, stepsPerEpoch, step);
  const figures = epochFigures(timing, stepsPerEpoch, batch);

  let correct = 0;
  const evalBatch = 1000;
  for (let s = 0; s < test.n; s += evalBatch) {
    const n = Math.min(evalBatch, test.n - s);
    const pred = tf.tidy(() => tf.argMax(model.predict(tf.tensor(test.x.subarray(s * 784, (s + n) * 784), [n, ...sampleShape])) as tf.Tensor, -1));
    const p = pred.dataSync();
    pred.dispose();
    for (let i = 0; i < n; i++) if (p[i] === test.y[s + i]) correct++;
  }
  return { threads, ...figures, test_acc: correct / test.n, peak_rss_mb: peakRssMb(), note: [figures.note, note].filter(Boolean).join('; ') };
}

workerMain(import.meta.url, runTfjs);
