import { describe, expect, it } from 'vitest';
import { runMnistCnn } from '../../examples/mnist_cnn.js';

describe('examples/mnist_cnn', () => {
  it('trains the Conv2D-pooling-Dense stack end to end (a tiny run on the interpreter)', () => {
    const r = runMnistCnn({ mnist: true, epochs: 2, trainSize: 96, testSize: 64, batchSize: 32, verbose: 0, backend: 'interpreter' });
    const loss = r.history.history.loss!;
    expect(loss).toHaveLength(2);
    expect(loss[1]!).toBeLessThan(loss[0]!);
    expect(r.testAccuracy).toBeGreaterThan(0.15); // chance is 0.1; the full native run on Fashion-MNIST reaches ~0.88
  });
});
