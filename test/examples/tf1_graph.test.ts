import { describe, expect, it } from 'vitest';
import { runTf1Mlp } from '../../examples/tf1_graph.js';

describe('examples/tf1_graph (the MLP with placeholders, minimize and Session.run)', () => {
  it('learns MNIST digits on the native backend', () => {
    const r = runTf1Mlp({ epochs: 3, trainSize: 3000, testSize: 1000, verbose: 0 });
    expect(r.losses[2]!).toBeLessThan(r.losses[0]!);
    expect(r.testAccuracy).toBeGreaterThan(0.85);
  });

  it('matches between backends for the first epoch', () => {
    const a = runTf1Mlp({ epochs: 1, trainSize: 320, testSize: 100, verbose: 0, backend: 'native' });
    const b = runTf1Mlp({ epochs: 1, trainSize: 320, testSize: 100, verbose: 0, backend: 'interpreter' });
    expect(Math.abs(a.losses[0]! - b.losses[0]!)).toBeLessThan(1e-4);
    expect(a.testAccuracy).toBeCloseTo(b.testAccuracy, 2);
  });
});
