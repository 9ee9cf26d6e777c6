import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { evalF64, expectClose } from '../helpers.js';

const { Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dropout, Activation, BatchNormalization } = kiln.layers;

/** Applies `layer` to a placeholder of `shape` in a fresh graph; returns the output's float64 values. */
function applyLayer(layer: kiln.layers.Layer, input: kiln.NDArray, training: boolean, name = 'layer'): { out: kiln.NDArray; shape: kiln.Shape } {
  const g = new kiln.Graph();
  g.seed = 3;
  layer.name = name;
  const x = kiln.placeholder('float32', [null, ...input.shape.slice(1)], 'x', g);
  const { output } = g.nameScope(name, () => layer.apply(x, training));
  return { out: evalF64(output, new Map([[x, input]]))[0]!, shape: output.shape };
}

function model(layers: kiln.layers.Layer[]): kiln.Sequential {
  return new kiln.Sequential(layers, { name: 'm', seed: 1, backend: 'interpreter' });
}

describe('layers: output shapes and values vs hand computation', () => {
  it('Dense: relu(x·kernel + bias), names dense/MatMul and dense/kernel', () => {
    const m = model([new Dense(3, { activation: 'relu', inputDim: 2 })]);
    m.setWeights([kiln.array([[1, 0, -1], [0.5, 1, 2]]), kiln.array([0.1, 0.2, 0.3])]);
    const y = m.predict(kiln.array([[1, 2], [1, -2]]));
    expect(y.shape).toEqual([2, 3]);
    // [1+1+0.1, 0+2+0.2, -1+4+0.3] and relu([1-1+0.1, -2+0.2, -1-4+0.3])
    expectClose(y.data, [2.1, 2.2, 3.3, 0.1, 0, 0], 1e-6);
    expect(m.weights.map((w) => w.op.name)).toEqual(['dense/kernel', 'dense/bias']);
    expect(m.graph.getOperation('dense/MatMul')?.type).toBe('MatMul');
    expect(m.graph.getOperation('dense/BiasAdd')?.type).toBe('Add');
  });

  it('names layers dense, dense_1, ... per model', () => {
    const a = model([new Dense(2, { inputDim: 2 }), new Dense(2), new Flatten(), new Dense(1, { name: 'out' })]);
    expect(a.layers.map((l) => l.name)).toEqual(['dense', 'dense_1', 'flatten', 'out']);
    const b = model([new Conv2D(1, 1, { inputShape: [2, 2, 1] }), new MaxPooling2D(), new BatchNormalization()]);
    expect(b.layers.map((l) => l.name)).toEqual(['conv2d', 'max_pooling2d', 'batch_normalization']);
  });

  it('Conv2D valid and same (HWIO kernel, bias)', () => {
    const x = kiln.array([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const valid = model([new Conv2D(1, 2, { inputShape: [3, 3, 1] })]);
    valid.setWeights([kiln.array([1, 0, 0, 1], [2, 2, 1, 1]), kiln.array([1])]);
    const y = valid.predict(x);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expectClose(y.data, [7, 9, 13, 15]); // 1+5+1, 2+6+1, 4+8+1, 5+9+1
    const same = model([new Conv2D(4, 3, { padding: 'same', strides: 2, inputShape: [3, 3, 1] })]);
    expect(same.predict(x).shape).toEqual([1, 2, 2, 4]);
  });

  it('MaxPooling2D and AveragePooling2D (poolSize 2, strides default poolSize)', () => {
    const x = kiln.array(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    expectClose(applyLayer(new MaxPooling2D({ poolSize: 2 }), x, false).out.data, [5, 7, 13, 15]);
    expectClose(applyLayer(new AveragePooling2D(), x, false).out.data, [2.5, 4.5, 10.5, 12.5]);
    expect(applyLayer(new MaxPooling2D({ poolSize: 3, strides: 1 }), x, false).shape).toEqual([null, 2, 2, 1]);
  });

  it('Flatten and Activation', () => {
    const x = kiln.array([[[[1], [-2]], [[3], [-4]]]]);
    const f = applyLayer(new Flatten(), x, false);
    expect(f.shape).toEqual([null, 4]);
    expectClose(f.out.data, [1, -2, 3, -4]);
    expectClose(applyLayer(new Activation('relu'), x, false).out.data, [1, 0, 3, 0]);
    const s = applyLayer(new Activation('softmax'), kiln.array([[0, Math.log(3)]]), false).out.data;
    expectClose(s, [0.25, 0.75]);
  });

  it('activations by name', () => {
    const x = kiln.array([[-1, 0, 2]]);
    const act = (a: kiln.layers.ActivationName) => Array.from(applyLayer(new Activation(a), x, false).out.data);
    expectClose(act('linear'), [-1, 0, 2]);
    expectClose(act('tanh'), [Math.tanh(-1), 0, Math.tanh(2)]);
    expectClose(act('sigmoid'), [1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-2))]);
    expectClose(act('elu'), [Math.expm1(-1), 0, 2]);
    expectClose(act('leakyRelu'), [-0.2, 0, 2]);
    expectClose(act('softplus'), [Math.log1p(Math.exp(-1)), Math.log(2), Math.log1p(Math.exp(2))]);
    expect(() => new Activation('swish' as kiln.layers.ActivationName)).toThrow(/unknown activation 'swish'; known: relu/);
  });

  it('Dropout: active only in training, scaled by 1 / (1 - rate)', () => {
    const x = kiln.array(new Float32Array(1000).fill(1), [1, 1000]);
    const train = Array.from(applyLayer(new Dropout(0.5, { seed: 5 }), x, true).out.data);
    expect(train.every((v) => v === 0 || Math.abs(v - 2) < 1e-12)).toBe(true);
    const kept = train.filter((v) => v !== 0).length;
    expect(kept).toBeGreaterThan(400);
    expect(kept).toBeLessThan(600);
    expect(Array.from(applyLayer(new Dropout(0.5), x, false).out.data).every((v) => v === 1)).toBe(true);
    // In a model, predict (inference path) leaves the input unchanged.
    const m = model([new Dropout(0.9, { inputShape: [4] })]);
    expectClose(m.predict(kiln.array([[1, 2, 3, 4]])).data, [1, 2, 3, 4]);
  });

  it('input shape errors name the layer, expected vs got', () => {
    const m = model([new Dense(3, { inputDim: 4 })]);
    expect(() => m.predict(kiln.array(new Float32Array(10), [2, 5]))).toThrow(
      "predict: layer 'dense' (Dense) of model 'm' expects input of shape [?,4], got x of shape [2,5]",
    );
    const conv = model([new Conv2D(2, 3, { inputShape: [8, 8, 1] }), new Dense(3)]);
    expect(() => conv.build()).toThrow("Dense 'dense' expects input of rank 2 ([batch, features]; add a Flatten layer before it for images), got shape [?,6,6,2]");
    const flatConv = model([new Conv2D(2, 3, { inputShape: [8, 8] })]);
    expect(() => flatConv.build()).toThrow("Conv2D 'conv2d' expects input of rank 4 (NHWC [batch, height, width, channels]), got shape [?,8,8]");
  });
});

describe('BatchNormalization', () => {
  const x = kiln.array([[1, 2], [3, 6]]); // per-channel mean [2, 4], biased variance [1, 4]

  it('training normalizes with batch statistics (biased variance)', () => {
    const { out } = applyLayer(new BatchNormalization(), x, true);
    const a = 1 / Math.sqrt(1 + 1e-3);
    const b = 2 / Math.sqrt(4 + 1e-3);
    expectClose(out.data, [-a, -b, a, b], 1e-9);
  });

  it('one training step updates the moving statistics; inference uses them', () => {
    const m = model([new BatchNormalization({ inputShape: [2] }), new Dense(1)]);
    m.compile({ loss: 'mse', optimizer: 'sgd' });
    m.fit(x, kiln.array([[0], [1]]), { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
    const [gamma, beta, movingMean, movingVar] = m.getWeights();
    expectClose(movingMean!.data, [0.01 * 2, 0.01 * 4], 1e-6); // 0.99·0 + 0.01·mean
    expectClose(movingVar!.data, [0.99 + 0.01 * 1, 0.99 + 0.01 * 4], 1e-6); // 0.99·1 + 0.01·var
    expect(m.summary(null)).toContain('Non-trainable params: 4');
    // Inference: gamma·(x − moving_mean)/sqrt(moving_var + eps) + beta feeds the Dense layer.
    const bn = new kiln.Sequential([new BatchNormalization({ inputShape: [2] })], { name: 'bn', backend: 'interpreter' });
    bn.setWeights([gamma!, beta!, movingMean!, movingVar!]);
    const want = [0, 1].flatMap((r) =>
      [0, 1].map((c) => gamma!.data[c]! * ((x.data[r * 2 + c]! - movingMean!.data[c]!) / Math.sqrt(movingVar!.data[c]! + 1e-3)) + beta!.data[c]!),
    );
    expectClose(bn.predict(x).data, want, 1e-5);
  });
});
