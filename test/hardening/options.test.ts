/**
 * Misspelled option names from plain JavaScript: every public entry point that takes an options
 * object rejects an unknown key and suggests the known one it was probably meant to be.
 */
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkOptions, suggestKey } from '../../src/graph/options.js';

const { Dense, Conv2D, MaxPooling2D, AveragePooling2D, Dropout, Flatten, Activation, BatchNormalization } = kiln.layers;
const { EarlyStopping, TensorBoard, TrainingPlot } = kiln.callbacks;
const bad = (o: Record<string, unknown>) => o as never;

describe('checkOptions', () => {
  it('suggests by case/underscore, then by edit distance', () => {
    expect(suggestKey('batch_size', ['epochs', 'batchSize'])).toBe('batchSize');
    expect(suggestKey('epoch', ['epochs', 'batchSize'])).toBe('epochs');
    expect(suggestKey('optimiser', ['loss', 'optimizer', 'metrics'])).toBe('optimizer');
    expect(suggestKey('zzz', ['loss', 'optimizer'])).toBeUndefined();
  });

  it('the message names where, the key, the suggestion and the known keys', () => {
    expect(() => checkOptions('fit', { epoch: 1 }, ['epochs', 'batchSize'])).toThrow(
      new kiln.InvalidArgumentError("fit: unknown option 'epoch' (did you mean 'epochs'?); known: epochs, batchSize"),
    );
    expect(() => checkOptions('fit', { qqq: 1 }, ['epochs'])).toThrow("fit: unknown option 'qqq'; known: epochs");
    expect(() => checkOptions('fit', 5, ['epochs'])).toThrow('fit: expected an options object, got number 5');
    expect(() => checkOptions('fit', undefined, ['epochs'])).not.toThrow();
  });
});

describe('entry points reject misspelled options', () => {
  it('Sequential, compile, fit, evaluate, predict', () => {
    expect(() => new kiln.Sequential([], bad({ seeds: 1 }))).toThrow("Sequential: unknown option 'seeds' (did you mean 'seed'?)");
    const m = new kiln.Sequential([new Dense(2, { inputDim: 2 })], { backend: 'interpreter' });
    expect(() => m.compile(bad({ loss: 'mse', optimiser: 'adam' }))).toThrow("compile: unknown option 'optimiser' (did you mean 'optimizer'?)");
    m.compile({ loss: 'mse', optimizer: 'sgd' });
    const x = [[1, 2]];
    expect(() => m.fit(x, x, bad({ epoch: 1, batch_size: 32 }))).toThrow("fit: unknown option 'epoch' (did you mean 'epochs'?); known: epochs, batchSize,");
    expect(() => m.fit(x, x, bad({ batch_size: 32 }))).toThrow("fit: unknown option 'batch_size' (did you mean 'batchSize'?)");
    expect(() => m.evaluate(x, x, bad({ batch_size: 1 }))).toThrow("evaluate: unknown option 'batch_size' (did you mean 'batchSize'?)");
    expect(() => m.predict(x, bad({ batchsize: 1 }))).toThrow("predict: unknown option 'batchsize' (did you mean 'batchSize'?)");
  });

  it('layer constructors', () => {
    expect(() => new Dense(8, bad({ activaton: 'relu', input_dim: 4 }))).toThrow("Dense: unknown option 'activaton' (did you mean 'activation'?)");
    expect(() => new Dense(8, bad({ input_dim: 4 }))).toThrow("Dense: unknown option 'input_dim' (did you mean 'inputDim'?)");
    expect(() => new Conv2D(4, 3, bad({ stride: 2 }))).toThrow("Conv2D: unknown option 'stride' (did you mean 'strides'?)");
    expect(() => new MaxPooling2D(bad({ pool_size: 2 }))).toThrow("MaxPooling2D: unknown option 'pool_size' (did you mean 'poolSize'?)");
    expect(() => new AveragePooling2D(bad({ pading: 'same' }))).toThrow("AveragePooling2D: unknown option 'pading' (did you mean 'padding'?)");
    expect(() => new Dropout(0.5, bad({ sed: 1 }))).toThrow("Dropout: unknown option 'sed' (did you mean 'seed'?)");
    expect(() => new Flatten(bad({ input_shape: [2, 2] }))).toThrow("Flatten: unknown option 'input_shape' (did you mean 'inputShape'?)");
    expect(() => new Activation('relu', bad({ nmae: 'a' }))).toThrow("Activation: unknown option 'nmae' (did you mean 'name'?)");
    expect(() => new BatchNormalization(bad({ momentm: 0.9 }))).toThrow("BatchNormalization: unknown option 'momentm' (did you mean 'momentum'?)");
  });

  it('optimizers', () => {
    expect(() => new kiln.SGD(bad({ momentm: 0.9 }))).toThrow("SGD: unknown option 'momentm' (did you mean 'momentum'?)");
    expect(() => new kiln.Adam(bad({ learning_rate: 0.1 }))).toThrow("Adam: unknown option 'learning_rate' (did you mean 'learningRate'?)");
    expect(() => new kiln.RMSprop(bad({ roh: 0.9 }))).toThrow("RMSprop: unknown option 'roh' (did you mean 'rho'?)");
    expect(() => new kiln.Adagrad(bad({ eps: 1e-7 }))).toThrow("Adagrad: unknown option 'eps'");
  });

  it('ops, gradients, variable, constant and Session', () => {
    const g = new kiln.Graph();
    const x = kiln.placeholder('float32', [1, 4, 4, 1], 'x', g);
    const f = kiln.constant(new Float32Array(9), { shape: [3, 3, 1, 1], graph: g });
    expect(() => kiln.conv2d(x, f, bad({ stride: 2, pading: 'same' }))).toThrow("conv2d: unknown option 'stride' (did you mean 'strides'?)");
    expect(() => kiln.conv2d(x, f, bad({ strides: 2, pading: 'same' }))).toThrow("conv2d: unknown option 'pading' (did you mean 'padding'?)");
    expect(() => kiln.maxPool2d(x, bad({ poolsize: 2 }))).toThrow("maxPool2d: unknown option 'poolsize' (did you mean 'poolSize'?)");
    expect(() => kiln.avgPool2d(x, bad({ poolSize: 2, stride: 1 }))).toThrow("avgPool2d: unknown option 'stride' (did you mean 'strides'?)");
    const m = kiln.placeholder('float32', [2, 2], 'm', g);
    expect(() => kiln.matmul(m, m, bad({ transpose_b: true }))).toThrow("matmul: unknown option 'transpose_b' (did you mean 'transposeB'?)");
    expect(() => kiln.dropout(m, 0.5, bad({ noise_shape: [1, 2] }))).toThrow("dropout: unknown option 'noise_shape' (did you mean 'noiseShape'?)");
    expect(() => kiln.randomUniform([2], bad({ maxVal: 2, graph: g }))).toThrow("randomUniform: unknown option 'maxVal' (did you mean 'maxval'?)");
    expect(() => kiln.randomNormal([2], bad({ std: 2, graph: g }))).toThrow("randomNormal: unknown option 'std'");
    expect(() => kiln.oneHot(kiln.placeholder('int32', [2], 'i', g), 3, bad({ on_value: 2 }))).toThrow("oneHot: unknown option 'on_value' (did you mean 'onValue'?)");
    expect(() => kiln.gelu(m, bad({ approx: true }))).toThrow("gelu: unknown option 'approx'");
    const w = kiln.variable([1, 2], { name: 'w', graph: g });
    const y = g.asDefault(() => kiln.sum(kiln.mul(w, 2)));
    expect(() => kiln.gradients(y, [w], undefined, bad({ unconnectedGradient: 'zero' }))).toThrow(
      "gradients: unknown option 'unconnectedGradient' (did you mean 'unconnectedGradients'?)",
    );
    expect(() => kiln.variable([1], bad({ trainabel: false, graph: g }))).toThrow("variable: unknown option 'trainabel' (did you mean 'trainable'?)");
    expect(() => kiln.constant([1], bad({ dtpye: 'int32', graph: g }))).toThrow("constant: unknown option 'dtpye' (did you mean 'dtype'?)");
    expect(() => new kiln.Session(g, bad({ backnd: 'interpreter' }))).toThrow("Session: unknown option 'backnd' (did you mean 'backend'?)");
  });

  it('datasets and callbacks', () => {
    expect(() => kiln.datasets.mnist(bad({ train_size: 10 }))).toThrow("mnist: unknown option 'train_size' (did you mean 'trainSize'?)");
    expect(() => kiln.datasets.fashionMnist(undefined, bad({ one_hot: true }))).toThrow("fashionMnist: unknown option 'one_hot' (did you mean 'oneHot'?)");
    expect(() => kiln.datasets.fashionMnist(bad({ oneHot: true }))).toThrow('fashionMnist: dir must be a folder path, got an object');
    expect(() => new EarlyStopping(bad({ patient: 2 }))).toThrow("EarlyStopping: unknown option 'patient' (did you mean 'patience'?)");
    expect(() => new TensorBoard('logs', bad({ update_freq: 'batch' }))).toThrow("TensorBoard: unknown option 'update_freq' (did you mean 'updateFreq'?)");
    expect(() => new TensorBoard(bad({ logDir: 'logs' }))).toThrow('TensorBoard: logDir must be a folder path, got an object');
    expect(() => new TrainingPlot('p.svg', bad({ refresh: 5 }))).toThrow("TrainingPlot: unknown option 'refresh'");
    expect(() => new kiln.callbacks.LearningRateScheduler(0.1 as never)).toThrow('LearningRateScheduler: schedule must be a function (epoch, lr) => newLr, got a number (0.1)');
  });
});
