/**
 * The Keras layer runs unchanged on the native backend: the same model trained on both
 * backends follows the same trajectory (float32 vs the float64 oracle), including dropout
 * masks, BatchNormalization's moving statistics and a partial last batch.
 */
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../helpers.js';

function train(backend: kiln.Backend) {
  const { Dense, BatchNormalization, Dropout } = kiln.layers;
  const m = new kiln.Sequential(
    [new Dense(8, { activation: 'relu', inputDim: 3 }), new BatchNormalization(), new Dropout(0.25, { seed: 5 }), new Dense(3, { activation: 'softmax' })],
    { name: 'm', seed: 11, backend },
  );
  m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: new kiln.SGD({ lr: 0.1, momentum: 0.9, nesterov: true }), metrics: ['accuracy'] });
  const n = 10;
  const x = new Float32Array(n * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 3; j++) x[i * 3 + j] = Math.sin(i * 1.3 + j * 0.7);
    y[i] = i % 3;
  }
  const X = new kiln.NDArray(x, [n, 3], 'float32');
  const Y = new kiln.NDArray(y, [n], 'int32');
  const h = m.fit(X, Y, { epochs: 3, batchSize: 4, verbose: 0, seed: 2, validationData: [X, Y] });
  return { h, weights: m.getWeights(), predict: m.predict(X), session: m.session };
}

describe('Sequential on the native backend', () => {
  it('fit / evaluate / predict match the interpreter', () => {
    const a = train('interpreter');
    const b = train('native');
    expect(b.session.backend).toBe('native');
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) expectClose(b.h.history[k]!, a.h.history[k]!, 1e-4);
    b.weights.forEach((w, i) => expectClose(w.data, a.weights[i]!.data, 1e-4));
    expectClose(b.predict.data, a.predict.data, 1e-4);
  });
});
