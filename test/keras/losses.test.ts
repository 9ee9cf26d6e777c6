import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { evalF64, expectClose } from '../helpers.js';
import { requiredOps } from '../../src/interpreter/interpreter.js';

const { losses, metrics } = kiln;

/** Per-example loss values of `loss` on constants. */
function perExample(loss: kiln.losses.Loss, yTrue: kiln.NDArray, yPred: kiln.NDArray, fromLogits = false): number[] {
  const g = new kiln.Graph();
  return g.asDefault(() => {
    const y = kiln.constant(yTrue);
    const p = kiln.constant(yPred);
    return Array.from(evalF64(fromLogits ? loss.fromLogits!.call(y, p) : loss.call(y, p))[0]!.data);
  });
}

describe('losses vs hand-computed values', () => {
  it('meanSquaredError and meanAbsoluteError: mean over the last axis', () => {
    const y = kiln.array([[1, 2], [0, 0]]);
    const p = kiln.array([[2, 4], [1, -1]]);
    expectClose(perExample(losses.getLoss('mse'), y, p), [(1 + 4) / 2, (1 + 1) / 2]);
    expectClose(perExample(losses.getLoss('meanAbsoluteError'), y, p), [(1 + 2) / 2, 1]);
  });

  it('categoricalCrossentropy normalizes and clips the probabilities', () => {
    const y = kiln.array([[0, 1, 0], [1, 0, 0]]);
    const p = kiln.array([[0.2, 0.7, 0.1], [0.4, 1.4, 0.2]]); // row 2 sums to 2
    expectClose(perExample(losses.categoricalCrossentropy, y, p), [-Math.log(0.7), -Math.log(0.2)]);
    // A zero probability is clipped to 1e-7, not -log(0) = Infinity.
    expectClose(perExample(losses.categoricalCrossentropy, kiln.array([[1, 0]]), kiln.array([[0, 1]])), [-Math.log(1e-7)], 1e-6);
  });

  it('sparseCategoricalCrossentropy with labels [N] and [N, 1]', () => {
    const p = kiln.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]]);
    const want = [-Math.log(0.7), -Math.log(0.5)];
    expectClose(perExample(losses.sparseCategoricalCrossentropy, kiln.array(new Int32Array([1, 0])), p), want);
    expectClose(perExample(losses.sparseCategoricalCrossentropy, kiln.array(new Int32Array([1, 0]), [2, 1]), p), want);
  });

  it('binaryCrossentropy', () => {
    const got = perExample(losses.binaryCrossentropy, kiln.array([[1], [0]]), kiln.array([[0.8], [0.3]]));
    expectClose(got, [-Math.log(0.8), -Math.log(0.7)]);
  });

  it('hinge and squaredHinge, with -1/1 labels and with 0/1 labels (mapped to -1/1 as Keras)', () => {
    const p = kiln.array([[0.3, 0.4]]);
    for (const y of [kiln.array([[1, -1]]), kiln.array([[1, 0]])]) {
      expectClose(perExample(losses.hinge, y, p), [(0.7 + 1.4) / 2]);
      expectClose(perExample(losses.squaredHinge, y, p), [(0.49 + 1.96) / 2]);
    }
  });

  it('from-logits forms equal the probability forms, and stay finite for large logits', () => {
    const z = kiln.array([[1, -2, 0.5], [3, 0, -1]]);
    const softmax = (row: number[]) => row.map((v) => Math.exp(v) / row.reduce((s, u) => s + Math.exp(u), 0));
    const probs = kiln.array([softmax([1, -2, 0.5]), softmax([3, 0, -1])]);
    const y = kiln.array([[0, 0, 1], [1, 0, 0]]);
    expectClose(perExample(losses.categoricalCrossentropy, y, z, true), perExample(losses.categoricalCrossentropy, y, probs), 1e-6);
    const labels = kiln.array(new Int32Array([2, 0]));
    expectClose(perExample(losses.sparseCategoricalCrossentropy, labels, z, true), perExample(losses.sparseCategoricalCrossentropy, labels, probs), 1e-6);
    const bz = kiln.array([[2], [-1]]);
    const bp = kiln.array([[1 / (1 + Math.exp(-2))], [1 / (1 + Math.exp(1))]]);
    const by = kiln.array([[1], [1]]);
    expectClose(perExample(losses.binaryCrossentropy, by, bz, true), perExample(losses.binaryCrossentropy, by, bp), 1e-6);
    // logits of 1e4: the fused forms give the exact loss (1e4 + log terms), no overflow.
    expectClose(perExample(losses.binaryCrossentropy, kiln.array([[0]]), kiln.array([[1e4]]), true), [1e4]);
    expectClose(perExample(losses.categoricalCrossentropy, kiln.array([[1, 0]]), kiln.array([[0, 1e4]]), true), [1e4]);
  });

  it('getLoss resolves Keras names and rejects unknown ones', () => {
    expect(losses.getLoss('categorical_crossentropy')).toBe(losses.categoricalCrossentropy);
    expect(losses.getLoss('mae')).toBe(losses.meanAbsoluteError);
    expect(() => losses.getLoss('crossEntropy')).toThrow(/unknown loss 'crossEntropy'; known: meanSquaredError/);
  });
});

describe('metrics', () => {
  it("'accuracy' resolves from label and prediction shapes, as Keras", () => {
    expect(metrics.resolveAccuracy([null], [null, 10])).toBe('sparseCategoricalAccuracy');
    expect(metrics.resolveAccuracy([null, 1], [null, 10])).toBe('sparseCategoricalAccuracy');
    expect(metrics.resolveAccuracy([null, 10], [null, 10])).toBe('categoricalAccuracy');
    expect(metrics.resolveAccuracy([null, 1], [null, 1])).toBe('binaryAccuracy');
    expect(metrics.resolveAccuracy([null], [null, 1])).toBe('binaryAccuracy');
    const m = metrics.getMetric('acc', [null], [null, 3]);
    expect([m.name, m.kind]).toEqual(['acc', 'sparseCategoricalAccuracy']);
  });

  it('accuracy values on small batches', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const p = kiln.constant([[0.2, 0.8], [0.4, 0.6], [0.9, 0.1]]);
      const cat = metrics.categoricalAccuracy().call(kiln.constant([[0, 1], [1, 0], [1, 0]]), { yPred: p });
      const sparse = metrics.sparseCategoricalAccuracy().call(kiln.constant(new Int32Array([1, 0, 0])), { yPred: p });
      const sparseCol = metrics.sparseCategoricalAccuracy().call(kiln.constant(kiln.array(new Int32Array([1, 1, 0]), [3, 1])), { yPred: p });
      const bin = metrics.binaryAccuracy().call(kiln.constant([[1], [0], [0]]), { yPred: kiln.constant([[0.6], [0.7], [0.2]]) });
      const [a, b, c, d] = evalF64([cat, sparse, sparseCol, bin]);
      expectClose(a!.data, [1, 0, 1]);
      expectClose(b!.data, [1, 0, 1]);
      expectClose(c!.data, [1, 1, 1]);
      expectClose(d!.data, [1, 0, 1]);
    });
  });
});

describe('from-logits substitution in a compiled model', () => {
  const x = kiln.array([[1, 0], [0, 1], [1, 1], [0, 0]]);

  it('softmax + categorical cross-entropy trains on SoftmaxCrossEntropyWithLogits, without a Softmax in the step', () => {
    const m = new kiln.Sequential([new kiln.layers.Dense(2, { activation: 'softmax', inputDim: 2 })], { name: 'm', seed: 2, backend: 'interpreter' });
    m.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
    const y = kiln.array([[1, 0], [0, 1], [1, 0], [0, 1]]);
    const before = m.evaluate(x, y)[0]!;
    // The reported loss equals the probability form on predict's output.
    const p = m.predict(x);
    const want = [0, 1, 2, 3].reduce((s, i) => s - Math.log(p.data[i * 2 + (i % 2)]!), 0) / 4;
    expectClose([before], [want], 1e-5);
    const types = m.graph.ops.map((o) => o.type);
    expect(types).toContain('SoftmaxCrossEntropyWithLogits');
    m.fit(x, y, { epochs: 1, verbose: 0 });
    // The training step's ops (all the step needs) include no activation: the loss reads the logits.
    const stepOps = requiredOps([], [m.graph.getOperation('train_step')!]);
    expect(stepOps.map((o) => o.name)).not.toContain('dense/Softmax');
    expect(stepOps.some((o) => o.type === 'SoftmaxCrossEntropyWithLogits')).toBe(true);
    const xent = m.graph.ops.find((o) => o.type === 'SoftmaxCrossEntropyWithLogits')!;
    expect(xent.inputs[1]!.op.name).toBe('dense/BiasAdd');
  });

  it('sigmoid + binary cross-entropy uses softplus(z) - y·z on the logits', () => {
    const m = new kiln.Sequential([new kiln.layers.Dense(1, { activation: 'sigmoid', inputDim: 2 })], { name: 'm', seed: 2, backend: 'interpreter' });
    m.compile({ loss: 'binaryCrossentropy', optimizer: 'sgd', metrics: ['accuracy'] });
    const y = kiln.array([0, 1, 1, 0]); // [N] labels against a [N, 1] output
    const [loss, acc] = m.evaluate(x, y);
    const p = m.predict(x).data;
    const want = -[0, 1, 2, 3].reduce((s, i) => s + (y.data[i] ? Math.log(p[i]!) : Math.log(1 - p[i]!)), 0) / 4;
    expectClose([loss!], [want], 1e-5);
    const accWant = [0, 1, 2, 3].filter((i) => (p[i]! > 0.5 ? 1 : 0) === y.data[i]).length / 4;
    expect(acc).toBeCloseTo(accWant, 6);
    expect(m.graph.ops.some((o) => o.type === 'Softplus')).toBe(true);
  });
});
