import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData } from '../helpers.js';
import { errorOf, forward, gradAt } from './unary_helpers.js';

const xs = [-3, -1, -0.5, 0, 0.5, 1, 3];
const shapes = [[5], [2, 3], [2, 1, 3]];

describe('gelu (exact, default)', () => {
  it('computes x·Φ(x) = 0.5·x·(1 + erf(x/√2))', () => {
    // 0.5·x·erfc(-x/√2) from glibc's erfc
    expectClose(
      forward((x) => kiln.gelu(x), xs),
      [-0.004049694094890287, -0.15865525393145707, -0.15426876936299344, 0, 0.34573123063700656, 0.8413447460685429, 2.99595030590511],
      1e-14,
    );
  });

  it('keeps relative accuracy for x ≪ 0 (no 1 + erf cancellation)', () => {
    const [g] = forward((x) => kiln.gelu(x), [-10]);
    expect(Math.abs(g! / -7.619853024160593e-23 - 1)).toBeLessThanOrEqual(1e-13);
  });

  it('has gradient dy·(Φ(x) + x·φ(x))', () => {
    const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    // 1e-7: the gradient's constants (1/√2, 1/√(2π)) are float32 graph constants
    expectClose(gradAt((x) => kiln.gelu(x), [0, 1], [1, 2]), [0.5, 2 * (0.8413447460685429 + phi(1))], 1e-7);
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.gelu(x), [f64(randomData(n, 150 + i, -4, 4), shape)]);
    }
    checkGradient((x) => kiln.gradients(kiln.gelu(x), [x])[0]!, [f64(randomData(5, 155, -3, 3), [5])]);
  });
});

describe('gelu (approximate: true, tanh form)', () => {
  it('computes 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))', () => {
    expectClose(
      forward((x) => kiln.gelu(x, { approximate: true }), xs),
      [-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0, 0.34571400982514394, 0.8411919906082768, 2.996362607918227],
      1e-14,
    );
  });

  it('is tiny and negative for x ≪ 0, not 0 from cancellation', () => {
    const [g] = forward((x) => kiln.gelu(x, { approximate: true }), [-10]);
    const u = Math.sqrt(2 / Math.PI) * (-10 - 0.044715 * 1000);
    expect(Math.abs(g! / (-10 * Math.exp(2 * u)) - 1)).toBeLessThanOrEqual(1e-12); // 1 + tanh(u) ≈ 2e^{2u}
  });

  it('has the derivative of the tanh form', () => {
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.gelu(x, { approximate: true }), [f64(randomData(n, 160 + i, -4, 4), shape)]);
    }
    expectClose(gradAt((x) => kiln.gelu(x, { approximate: true }), [0]), [0.5], 1e-15);
  });

  it('names a node through options.name and rejects a non-boolean approximate', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 4], 'x');
      expect(kiln.gelu(x, { name: 'act' }).op.name).toBe('act');
      const err = errorOf(() => kiln.gelu(x, { approximate: 'tanh' as unknown as boolean, name: 'act' }));
      expect(err).toBeInstanceOf(kiln.InvalidArgumentError);
      expect(err.message).toMatch(/^gelu 'act_1': approximate must be a boolean, got tanh \(created at test\/ops\/gelu\.test\.ts:\d+\)$/);
    });
  });
});
