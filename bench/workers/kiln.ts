/**
 * kiln's rows: the workload's model built with the TF1 graph API (placeholders, variables with
 * Glorot-uniform kernels and zero biases, matmul/conv2d/maxPool2d, sparse softmax cross-entropy
 * on logits, `new kiln.SGD({ lr, momentum, nesterov }).minimize(loss)`), one `Session.run` of the
 * training op per shuffled batch — the same executable `Sequential.fit` drives.
 *
 * `--kiln-backend native` (default) times the compiled executables; where the native backend is
 * not available the row says so (missing). `interpreter` is the float64 reference evaluator, far
 * too slow for an epoch: it runs at most INTERPRETER_MAX_STEPS steps, scales, and measures
 * accuracy on the first INTERPRETER_TEST_SIZE test images.
 */
import * as kiln from '../../src/index.js';
import { loadFashionMnist, mulberry32, permutation } from '../data.js';
import { MissingFramework, peakRssMb, type TaskFigures, type TaskSpec } from '../protocol.js';
import { layerShapes, OPTIMIZER, type ModelSpec } from '../workloads.js';
import { epochFigures, medianLatencyMs, timeEpoch, workerMain } from './common.js';

/** A few steps show the interpreter's speed; an epoch would take hours. */
const INTERPRETER_MAX_STEPS = 20;
const INTERPRETER_TEST_SIZE = 1000;

export interface KilnModel {
  graph: kiln.Graph;
  x: kiln.Tensor;
  y: kiln.Tensor;
  logits: kiln.Tensor;
  loss: kiln.Tensor;
  train: kiln.Operation;
  predict: kiln.Tensor;
}

/** Builds the workload's model, loss, Nesterov-SGD training op and prediction in a new graph. */
export function buildKilnModel(model: ModelSpec, seed: number): KilnModel {
  const graph = new kiln.Graph();
  graph.seed = seed;
  return graph.asDefault(() => {
    const x = kiln.placeholder('float32', [null, ...model.inputShape], 'x');
    const y = kiln.placeholder('int32', [null], 'y');
    const shapes = layerShapes(model);
    let h = x;
    let inShape = model.inputShape;
    model.layers.forEach((layer, i) => {
      const scope = `${layer.type}_${i}`;
      h = graph.nameScope(scope, () => {
        switch (layer.type) {
          case 'dense': {
            const kernel = kiln.variable(kiln.initializers.glorotUniform(), { shape: [inShape[0]!, layer.units], name: 'kernel' });
            const bias = kiln.variable(kiln.initializers.zeros(), { shape: [layer.units], name: 'bias' });
            const z = kiln.add(kiln.matmul(h, kernel), bias);
            return layer.activation === 'relu' ? kiln.relu(z) : z;
          }
          case 'conv2d': {
            const k = layer.kernelSize;
            const kernel = kiln.variable(kiln.initializers.glorotUniform(), { shape: [k, k, inShape[2]!, layer.filters], name: 'kernel' });
            const bias = kiln.variable(kiln.initializers.zeros(), { shape: [layer.filters], name: 'bias' });
            const z = kiln.add(kiln.conv2d(h, kernel, { padding: 'valid' }), bias);
            return layer.activation === 'relu' ? kiln.relu(z) : z;
          }
          case 'maxPool2d':
            return kiln.maxPool2d(h, { poolSize: layer.poolSize });
          case 'flatten':
            return kiln.reshape(h, [-1, shapes[i]![0]!]);
        }
      });
      inShape = shapes[i]!;
    });
    const logits = h;
    const loss = kiln.mean(kiln.sparseSoftmaxCrossEntropyWithLogits(y, logits));
    const train = new kiln.SGD({ lr: OPTIMIZER.learningRate, momentum: OPTIMIZER.momentum, nesterov: OPTIMIZER.nesterov }).minimize(loss);
    return { graph, x, y, logits, loss, train, predict: kiln.argmax(logits, -1) };
  });
}

function openSession(graph: kiln.Graph, backend: TaskSpec['kilnBackend']): kiln.Session {
  try {
    return new kiln.Session(graph, { backend });
  } catch (e) {
    throw new MissingFramework(`kiln backend '${backend}' is not available: ${(e as Error).message}`);
  }
}

export async function runKiln(spec: TaskSpec): Promise<TaskFigures> {
  const m = buildKilnModel(spec.model, spec.seed);
  const sess = openSession(m.graph, spec.kilnBackend);
  const interp = spec.kilnBackend === 'interpreter';
  const notes: string[] = interp ? [`interpreter backend (float64 reference)`] : [];
  const width = spec.model.inputShape.reduce((a, d) => a * d, 1);

  if (spec.kind === 'latency') {
    const one = new Float32Array(width);
    const latency_ms = await medianLatencyMs(() => void sess.run(m.logits, { x: one }), interp ? Math.min(spec.latencyCalls, 20) : spec.latencyCalls, interp ? 2 : 10);
    return { threads: spec.threads, latency_ms, peak_rss_mb: peakRssMb(), ...(notes.length ? { note: notes.join('; ') } : {}) };
  }

  const { train, test } = loadFashionMnist(spec.dataDir);
  const batch = spec.model.batch;
  const stepsPerEpoch = Math.floor(train.n / batch);
  const perm = permutation(train.n, mulberry32(spec.seed));
  // Batches are gathered with kiln's own batch gather (as `fit` does: one native memcpy per row),
  // like torch's tensor indexing on its side.
  const trainX = new kiln.NDArray(train.x, [train.n, width], 'float32');
  const xb = new kiln.NDArray(new Float32Array(batch * width), [batch, width], 'float32');
  const yb = new Int32Array(batch);
  const step = (i: number) => {
    kiln.datasets.takeRows(trainX, perm, i * batch, (i + 1) * batch, xb);
    for (let r = 0; r < batch; r++) yb[r] = train.y[perm[i * batch + r]!]!;
    sess.run(m.train, { x: xb.data as Float32Array, y: yb });
  };

  if (spec.kind === 'compile') {
    // The first run builds the executable: fingerprint + passes + C++ generation + toolchain (a g++
    // compile when the cache is cold, a cache lookup when warm) + dlopen; a program-cache hit
    // skips the passes, the generation and the toolchain (codegen/program_cache.ts). Those phases
    // are timed by the build itself; the first run's other work (drawing the initial weights, the
    // step) is not counted.
    const t0 = performance.now();
    step(0);
    const t1 = performance.now();
    const ms = sess.native?.lastBuild?.ms;
    const compile_s = ms ? (ms.fingerprint + ms.passes + ms.codegen + ms.compile + ms.load) / 1000 : (t1 - t0) / 1000;
    if (ms) {
      const cache = sess.native!.lastBuild!.programCache;
      notes.push(
        `program cache ${cache}: fingerprint ${ms.fingerprint.toFixed(1)} ms, passes ${ms.passes.toFixed(0)} ms, codegen ${ms.codegen.toFixed(0)} ms, ` +
          `toolchain ${ms.compile.toFixed(0)} ms, dlopen ${ms.load.toFixed(1)} ms`,
      );
    }
    return { threads: spec.threads, compile_s, peak_rss_mb: peakRssMb(), ...(notes.length ? { note: notes.join('; ') } : {}) };
  }

  step(stepsPerEpoch - 1); // untimed warm-up: compiles the training executable
  const maxSteps = interp ? Math.min(spec.maxSteps ?? Infinity, INTERPRETER_MAX_STEPS) : spec.maxSteps;
  const timing = await timeEpoch({ maxSteps, timeLimitS: spec.timeLimitS }, stepsPerEpoch, step);
  const figures = epochFigures(timing, stepsPerEpoch, batch);

  const nTest = interp ? Math.min(test.n, INTERPRETER_TEST_SIZE) : test.n;
  if (nTest < test.n) notes.push(`accuracy on the first ${nTest} test images`);
  const evalBatch = Math.min(1000, nTest);
  let correct = 0;
  for (let s = 0; s + evalBatch <= nTest; s += evalBatch) {
    const pred = sess.run(m.predict, { x: test.x.subarray(s * width, (s + evalBatch) * width) });
    const p = pred.data;
    for (let i = 0; i < evalBatch; i++) if (p[i] === test.y[s + i]) correct++;
  }
  const evaluated = Math.floor(nTest / evalBatch) * evalBatch;
  const note = [figures.note, ...notes].filter(Boolean).join('; ');
  return { threads: spec.threads, ...figures, test_acc: correct / evaluated, peak_rss_mb: peakRssMb(), ...(note ? { note } : {}) };
}

workerMain(import.meta.url, runKiln);
