import { describe, expect, it } from 'vitest';
import { parseArgs, runMnistMlp } from '../../examples/mnist_mlp.js';

describe('examples/mnist_mlp (the founding Keras example)', () => {
  it('a shortened run learns (1 epoch on 1,000 digits)', () => {
    const r = runMnistMlp({ epochs: 1, trainSize: 1000, testSize: 500, verbose: 0, backend: 'interpreter' });
    expect(r.history.history.loss).toHaveLength(1);
    expect(r.testAccuracy).toBeGreaterThan(0.6); // chance is 0.1; the full default run reaches ~0.93
  });

  it('parses flags and KILN_* environment variables', () => {
    expect(parseArgs(['--epochs', '2', '--train-size=100', '--fashion', '--verbose', '2'], {})).toEqual({ epochs: 2, trainSize: 100, fashion: true, verbose: 2 });
    expect(parseArgs([], { KILN_EPOCHS: '3', KILN_BACKEND: 'native' })).toEqual({ epochs: 3, backend: 'native' });
    expect(() => parseArgs(['--epoch', '2'], {})).toThrow(/unknown flag --epoch/);
    expect(() => parseArgs(['--epochs', 'x'], {})).toThrow("mnist_mlp: --epochs must be a non-negative integer, got 'x'");
  });
});
