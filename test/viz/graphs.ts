/**
 * Training graphs drawn by the viz tests, built with plain graph ops (no Keras layer), so the
 * pictures are of the same forward / gradient / optimizer structure a model compiles:
 * an MLP (dense-relu-dense, softmax cross-entropy, SGD with momentum) and a small CNN
 * (conv-relu-maxpool, dense, softmax cross-entropy, Adam).
 */
import * as kiln from '../../src/index.js';

type Tensor = kiln.Tensor;

export interface TrainingGraph {
  graph: kiln.Graph;
  loss: Tensor;
  train: kiln.Operation;
}

function dense(g: kiln.Graph, h: Tensor, units: number, name: string, relu: boolean): Tensor {
  return g.nameScope(name, () => {
    const w = kiln.variable('glorotUniform', { shape: [h.shape[1] as number, units], name: 'kernel' });
    const b = kiln.variable('zeros', { shape: [units], name: 'bias' });
    const z = kiln.add(kiln.matmul(h, w), b);
    return relu ? kiln.relu(z) : z;
  });
}

export function mlpTrainingGraph(): TrainingGraph {
  const g = new kiln.Graph();
  g.seed = 1;
  return g.asDefault(() => {
    const x = kiln.placeholder('float32', [null, 8], 'x');
    const labels = kiln.placeholder('float32', [null, 4], 'labels');
    const logits = dense(g, dense(g, x, 16, 'dense', true), 4, 'dense_1', false);
    const loss = kiln.mean(kiln.softmaxCrossEntropyWithLogits(labels, logits), undefined, false, 'loss');
    const train = new kiln.SGD({ lr: 0.1, momentum: 0.9 }).minimize(loss);
    return { graph: g, loss, train };
  });
}

export function cnnTrainingGraph(): TrainingGraph {
  const g = new kiln.Graph();
  g.seed = 2;
  return g.asDefault(() => {
    const x = kiln.placeholder('float32', [null, 8, 8, 1], 'images');
    const labels = kiln.placeholder('float32', [null, 3], 'labels');
    const h = g.nameScope('conv2d', () => {
      const k = kiln.variable('glorotUniform', { shape: [3, 3, 1, 4], name: 'kernel' });
      const b = kiln.variable('zeros', { shape: [4], name: 'bias' });
      return kiln.relu(kiln.add(kiln.conv2d(x, k, { padding: 'same' }), b));
    });
    const p = kiln.maxPool2d(h, { poolSize: 2 });
    const flat = kiln.reshape(p, [-1, 4 * 4 * 4], 'flatten');
    const logits = dense(g, flat, 3, 'dense', false);
    const loss = kiln.mean(kiln.softmaxCrossEntropyWithLogits(labels, logits), undefined, false, 'loss');
    const train = new kiln.Adam({ lr: 0.01 }).minimize(loss);
    return { graph: g, loss, train };
  });
}
