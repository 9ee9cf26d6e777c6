import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../helpers.js';

const { Dense } = kiln.layers;

/** A linearly separable 2-D problem: label 1 when x0 + x1 > 0, with a margin. */
function separable(n: number): { x: kiln.NDArray; y: kiln.NDArray } {
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.sin(i * 1.7) * 2;
    let b = Math.cos(i * 2.3) * 2;
    if (Math.abs(a + b) < 0.5) b += a + b >= 0 ? 0.5 : -0.5;
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a + b > 0 ? 1 : 0;
  }
  return { x: new kiln.NDArray(x, [n, 2], 'float32'), y: new kiln.NDArray(y, [n], 'int32') };
}

function classifier(name = 'm'): kiln.Sequential {
  const m = new kiln.Sequential([new Dense(8, { activation: 'relu', inputDim: 2 }), new Dense(2, { activation: 'softmax' })], { name, seed: 7, backend: 'interpreter' });
  m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: new kiln.Adam({ learningRate: 0.05 }), metrics: ['accuracy'] });
  return m;
}

describe('Sequential.fit / evaluate / predict', () => {
  it('fits a tiny separable problem to 100% accuracy; History has per-epoch loss, metrics and val_*', () => {
    const { x, y } = separable(40);
    const m = new kiln.Sequential([new Dense(1, { activation: 'sigmoid', inputDim: 2 })], { name: 'logreg', seed: 1, backend: 'interpreter' });
    m.compile({ loss: 'binaryCrossentropy', optimizer: new kiln.Adam({ learningRate: 0.1 }), metrics: ['accuracy'] });
    const h = m.fit(x, kiln.array(Float32Array.from(y.data), [40, 1]), { epochs: 25, batchSize: 8, verbose: 0, validationData: [x, kiln.array(Float32Array.from(y.data), [40, 1])], seed: 3 });
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(h.epoch).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(h.history.loss![24]!).toBeLessThan(h.history.loss![0]! / 2);
    expect(h.history.val_accuracy![24]).toBe(1);
    expect(m.evaluate(x, Float32Array.from(y.data))[1]).toBe(1);
  });

  it('sparse labels of shape [N] and [N, 1] give the same loss and accuracy', () => {
    const { x, y } = separable(12);
    const m = classifier();
    const a = m.evaluate(x, y);
    const b = m.evaluate(x, kiln.array(y.data, [12, 1]));
    expectClose(b, a, 1e-6);
    expect(m.metricsNames).toEqual(['loss', 'accuracy']);
  });

  it('epoch and evaluation means are weighted by batch size (partial last batch)', () => {
    const { x, y } = separable(10);
    const m = classifier();
    const batches: { loss: number; size: number }[] = [];
    const h = m.fit(x, y, {
      epochs: 1,
      batchSize: 4, // batches of 4, 4, 2
      verbose: 0,
      callbacks: [{ onBatchEnd: (_b, logs) => void batches.push({ loss: logs!['loss']!, size: logs!['size']! }) }],
    });
    expect(batches.map((b) => b.size)).toEqual([4, 4, 2]);
    const weighted = batches.reduce((s, b) => s + b.loss * b.size, 0) / 10;
    const unweighted = batches.reduce((s, b) => s + b.loss, 0) / 3;
    expectClose([h.history.loss![0]!], [weighted], 1e-6);
    expect(Math.abs(weighted - unweighted)).toBeGreaterThan(1e-6);
    // Evaluation in batches of 3 (3, 3, 3, 1) equals one full batch.
    expectClose(m.evaluate(x, y, { batchSize: 3 }), m.evaluate(x, y, { batchSize: 10 }), 1e-6);
  });

  it('validationSplit holds out the last fraction; shuffling with a seed is reproducible', () => {
    const { x, y } = separable(20);
    const h1 = classifier('a').fit(x, y, { epochs: 2, batchSize: 5, validationSplit: 0.25, verbose: 0, seed: 9 });
    const h2 = classifier('b').fit(x, y, { epochs: 2, batchSize: 5, validationSplit: 0.25, verbose: 0, seed: 9 });
    expect(h1.history).toEqual(h2.history);
    const m = classifier('c');
    const h3 = m.fit(x, y, { epochs: 1, batchSize: 5, validationSplit: 0.25, verbose: 0, shuffle: false });
    // The validation numbers are those of evaluate on the last 5 examples after training.
    const last = m.evaluate(kiln.array(x.data.slice(30), [5, 2]), kiln.array(y.data.slice(15)));
    expectClose([h3.history.val_loss![0]!, h3.history.val_accuracy![0]!], last, 1e-6);
  });

  it('predict returns the inference output for every example', () => {
    const { x } = separable(7);
    const p = classifier().predict(x, { batchSize: 3 });
    expect(p.shape).toEqual([7, 2]);
    for (let i = 0; i < 7; i++) expect(p.data[2 * i]! + p.data[2 * i + 1]!).toBeCloseTo(1, 5);
  });

  it('clear errors before training: not compiled, bad input shape, label count, label shape', () => {
    const { x, y } = separable(6);
    const raw = new kiln.Sequential([new Dense(2, { inputDim: 2 })], { name: 'raw', backend: 'interpreter' });
    expect(() => raw.fit(x, y)).toThrow('fit: compile the model first');
    const m = classifier();
    expect(() => m.fit(kiln.array(new Float32Array(18), [6, 3]), y, { verbose: 0 })).toThrow(
      "fit: layer 'dense' (Dense) of model 'm' expects input of shape [?,2], got x of shape [6,3]",
    );
    expect(() => m.fit(x, kiln.array(new Int32Array(5)), { verbose: 0 })).toThrow('fit: x has 6 examples but y has 5; they must match');
    expect(() => m.fit(x, kiln.array(new Int32Array(12), [6, 2]), { verbose: 0 })).toThrow(
      "sparseCategoricalCrossentropy: expects integer class labels of shape [N] or [N,1] for output [?,2] of layer 'dense_1', got y of shape [?,2] (for one-hot labels use categoricalCrossentropy)",
    );
    const cat = classifier('cat');
    cat.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    expect(() => cat.fit(x, Float32Array.from(y.data), { verbose: 0 })).toThrow(/labels must match output \[\?,2\] of layer 'dense_1', got y of shape \[\?\]/);
    expect(() => m.compile({ loss: 'mse', optimizer: 'nadam' })).toThrow("unknown optimizer 'nadam'; known: sgd, adam, rmsprop, adagrad");
    expect(() => m.compile({ loss: 'mse', metrics: ['f1'] })).toThrow(/unknown metric 'f1'/);
  });

  it('optimizers by name resolve to the kiln classes', () => {
    for (const [name, cls] of [['sgd', kiln.SGD], ['adam', kiln.Adam], ['rmsprop', kiln.RMSprop], ['adagrad', kiln.Adagrad]] as const) {
      const m = classifier();
      m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: name });
      expect(m.optimizer).toBeInstanceOf(cls);
    }
  });
});

describe('summary and weights', () => {
  it("summary prints Keras's table", () => {
    const m = new kiln.Sequential([new Dense(32, { activation: 'relu', inputDim: 784 }), new Dense(10, { activation: 'softmax' })], { name: 'sequential', backend: 'interpreter' });
    const lines: string[] = [];
    const text = m.summary((s) => lines.push(s));
    expect(lines).toEqual([text]);
    expect(text).toBe(
      [
        'Model: "sequential"',
        '_________________________________________________________________',
        'Layer (type)                 Output Shape              Param #',
        '=================================================================',
        'dense (Dense)                (None, 32)                25120',
        '_________________________________________________________________',
        'dense_1 (Dense)              (None, 10)                330',
        '=================================================================',
        'Total params: 25,450',
        'Trainable params: 25,450',
        'Non-trainable params: 0',
        '_________________________________________________________________',
      ].join('\n'),
    );
    const cnn = new kiln.Sequential(
      [
        new kiln.layers.Conv2D(4, 3, { activation: 'relu', inputShape: [8, 8, 1] }),
        new kiln.layers.MaxPooling2D(),
        new kiln.layers.BatchNormalization(),
        new kiln.layers.Flatten(),
        new kiln.layers.Dropout(0.5),
        new Dense(10, { activation: 'softmax' }),
      ],
      { name: 'cnn', backend: 'interpreter' },
    );
    const t = cnn.summary(null).split('\n');
    expect(t[4]).toBe('conv2d (Conv2D)              (None, 6, 6, 4)           40');
    expect(t[6]).toBe('max_pooling2d (MaxPooling2D) (None, 3, 3, 4)           0');
    expect(t[8]).toBe('batch_normalization (BatchNo (None, 3, 3, 4)           16');
    expect(t[10]).toBe('flatten (Flatten)            (None, 36)                0');
    expect(t.slice(-4, -1)).toEqual(['Total params: 426', 'Trainable params: 418', 'Non-trainable params: 8']);
  });

  it('getWeights / setWeights roundtrip, with clear errors', () => {
    const { x, y } = separable(8);
    const m = classifier();
    const w0 = m.getWeights();
    expect(w0.map((w) => w.shape)).toEqual([[2, 8], [8], [8, 2], [2]]);
    const p0 = Array.from(m.predict(x).data);
    m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(Array.from(m.predict(x).data)).not.toEqual(p0);
    m.setWeights(w0);
    expectClose(m.predict(x).data, p0, 1e-7);
    m.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(w0[i]!.data)));
    expect(() => m.setWeights(w0.slice(1))).toThrow("setWeights: model 'm' has 4 weights (dense/kernel, dense/bias, dense_1/kernel, dense_1/bias), got 3 arrays");
    expect(() => m.setWeights([w0[1]!, w0[0]!, w0[2]!, w0[3]!])).toThrow("setValue 'dense/kernel': got shape [8], expected [2,8]");
  });
});
