/**
 * The Keras-style API from plain JavaScript: Session's arguments, user callables running with the
 * model's graph as the default, and numeric arguments validated up front.
 */
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const { Dense } = kiln.layers;
const x = [[0, 1], [1, 0], [1, 1], [0, 0]];
const y = [[1], [1], [0], [0]];

function model(): kiln.Sequential {
  return new kiln.Sequential([new Dense(1, { inputDim: 2 })], { seed: 1, backend: 'interpreter' });
}

describe('Session arguments', () => {
  it('new Session(options) uses the default graph (TF1 tf.Session())', () => {
    const g = kiln.resetDefaultGraph();
    const c = kiln.mul(kiln.constant([1, 2]), 3);
    const sess = new kiln.Session({ backend: 'interpreter' });
    expect(sess.graph).toBe(g);
    expect(sess.backend).toBe('interpreter');
    expect(Array.from(sess.run(c).data)).toEqual([3, 6]);
  });

  it('a first argument that is neither a Graph nor options is an error', () => {
    expect(() => new kiln.Session('interpreter' as never)).toThrow(
      `Session: the first argument must be a Graph (or the options, for the default graph), got a string ("interpreter")`,
    );
    expect(() => new kiln.Session({} as never, { backend: 'interpreter' })).toThrow('Session: the first argument must be a Graph (or the options, for the default graph), got an object');
  });
});

describe('user callables run with the model graph as the default', () => {
  it('a custom loss may make constants', () => {
    const m = model();
    const halfMse = (yTrue: kiln.Tensor, yPred: kiln.Tensor) => kiln.mul(kiln.mean(kiln.square(kiln.sub(yPred, yTrue)), -1), kiln.constant(0.5));
    m.compile({ loss: halfMse, optimizer: new kiln.SGD({ lr: 0.1 }) });
    const h = m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(h.history.loss).toHaveLength(2);
    expect(Number.isFinite(h.history.loss![1]!)).toBe(true);
  });

  it('a custom metric and a custom layer may make constants', () => {
    class Scale extends kiln.layers.Layer {
      readonly className = 'Scale';
      protected call(t: kiln.Tensor): kiln.Tensor {
        return kiln.mul(t, kiln.constant(2));
      }
    }
    const m = new kiln.Sequential([new Dense(1, { inputDim: 2 }), new Scale()], { seed: 1, backend: 'interpreter' });
    const offset = function offset(yTrue: kiln.Tensor, yPred: kiln.Tensor) {
      return kiln.add(kiln.mean(kiln.sub(yPred, yTrue), -1), kiln.constant(1));
    };
    m.compile({ loss: 'mse', optimizer: 'sgd', metrics: [offset] });
    expect(m.evaluate(x, y)).toHaveLength(2);
  });

  it('a loss that returns no Tensor is named', () => {
    const m = model();
    m.compile({ loss: function half() { return 0.5 as never; }, optimizer: 'sgd' });
    expect(() => m.fit(x, y, { verbose: 0 })).toThrow('half: loss function must return a Tensor, got number');
  });

  it('a layer whose call returns no Tensor is named', () => {
    class Broken extends kiln.layers.Layer {
      readonly className = 'Broken';
      protected call(): kiln.Tensor {
        return 3 as never;
      }
    }
    const m = new kiln.Sequential([new Dense(1, { inputDim: 2 }), new Broken()], { backend: 'interpreter' });
    expect(() => m.build()).toThrow("Broken 'broken' call() must return a Tensor or { output: Tensor }, got a number (3)");
  });
});

describe('numeric arguments are validated', () => {
  it('setLearningRate as the optimizers', () => {
    const m = model();
    m.compile({ loss: 'mse', optimizer: new kiln.SGD({ lr: 0.1 }) });
    expect(() => m.setLearningRate(-1)).toThrow('setLearningRate: learningRate must be a positive number, got -1');
    expect(() => m.setLearningRate(NaN)).toThrow('setLearningRate: learningRate must be a positive number, got NaN');
    expect(() => m.setLearningRate('0.1' as never)).toThrow('setLearningRate: learningRate must be a positive number, got "0.1"');
    m.setLearningRate(0.5);
    expect(m.getLearningRate()).toBe(0.5);
  });

  it('fit: epochs, batchSize, verbose, validationSplit, initialEpoch', () => {
    const m = model();
    m.compile({ loss: 'mse', optimizer: 'sgd' });
    expect(() => m.fit(x, y, { epochs: NaN })).toThrow('fit: epochs must be a non-negative integer, got a number (NaN)');
    expect(() => m.fit(x, y, { epochs: 1.5 })).toThrow('fit: epochs must be a non-negative integer, got a number (1.5)');
    expect(() => m.fit(x, y, { batchSize: 0 })).toThrow('fit: batchSize must be a positive integer, got 0');
    expect(() => m.fit(x, y, { verbose: 5 as never })).toThrow('fit: verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch), got a number (5)');
    expect(() => m.fit(x, y, { validationSplit: 1 })).toThrow('fit: validationSplit must be a number in [0, 1), got a number (1)');
    expect(() => m.fit(x, y, { validationSplit: -0.1 })).toThrow('fit: validationSplit must be a number in [0, 1), got a number (-0.1)');
    expect(() => m.fit(x, y, { initialEpoch: -1 })).toThrow('fit: initialEpoch must be a non-negative integer, got a number (-1)');
    expect(m.fit(x, y, { epochs: 0, verbose: 0, validationSplit: 0 }).epoch).toEqual([]);
  });

  it('compile: one metric may be a string', () => {
    const m = model();
    m.compile({ loss: 'mse', optimizer: 'sgd', metrics: 'mae' });
    expect(m.metricsNames).toEqual(['loss', 'mae']);
    expect(m.evaluate(x, y)).toHaveLength(2);
    expect(() => m.compile({ loss: 'mse', metrics: 'mea' })).toThrow("unknown metric 'mea'");
  });

  it('mnist sizes are checked one by one', () => {
    expect(() => kiln.datasets.mnist({ trainSize: -5 })).toThrow('mnist: trainSize must be an integer in [0, 10000], got a number (-5)');
    expect(() => kiln.datasets.mnist({ trainSize: 10, testSize: 2.5 })).toThrow('mnist: testSize must be an integer in [0, 10000], got a number (2.5)');
    expect(() => kiln.datasets.mnist({ trainSize: 9000, testSize: 2000 })).toThrow('mnist: trainSize 9000 + testSize 2000 = 11000 exceeds the 10000 embedded digits');
    expect(() => kiln.datasets.mnist({ layout: 'nhwc' as never })).toThrow(`mnist: layout must be 'flat' or 'image', got a string ("nhwc")`);
  });

  it('Sequential takes an array of layers', () => {
    expect(() => new kiln.Sequential({ layers: [] } as never)).toThrow('Sequential: expected an array of layers as the first argument, got an object');
  });
});
