import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData } from '../helpers.js';
import { errorOf, forward, gradAt } from './unary_helpers.js';

const shapes = [[5], [2, 3], [2, 1, 3]];

describe('sigmoid', () => {
  it('computes 1/(1+e^-x)', () => {
    expectClose(forward(kiln.sigmoid, [0, 1, -1, 2, -2]), [0.5, 0.7310585786300049, 0.2689414213699951, 0.8807970779778823, 0.11920292202211755], 1e-15);
  });

  it('is stable for large |x|: exactly 0 and 1, no NaN; NaN stays NaN', () => {
    expect(forward(kiln.sigmoid, [-1000, 1000, -Infinity, Infinity])).toEqual([0, 1, 0, 1]);
    expectClose(forward(kiln.sigmoid, [-40, NaN]), [4.248354255291589e-18, NaN], 1e-14);
    expect(gradAt(kiln.sigmoid, [-1000, 1000])).toEqual([0, 0]);
  });

  it('has gradient dy·y·(1−y), reusing the output', () => {
    expectClose(gradAt(kiln.sigmoid, [0, 2]), [0.25, 0.8807970779778823 * 0.11920292202211755]);
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [3], 'x');
      kiln.gradients(kiln.sigmoid(x), [x]);
      expect(g.ops.filter((o) => o.type === 'Sigmoid')).toHaveLength(1);
    });
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.sigmoid(x), [f64(randomData(n, 70 + i, -4, 4), shape)]);
    }
  });

  it('has a second derivative (the gradient is built from differentiable ops)', () => {
    checkGradient((x) => kiln.gradients(kiln.sigmoid(x), [x])[0]!, [f64(randomData(6, 75, -3, 3), [2, 3])]);
  });

  it('rejects int32 naming the node and call site', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const i = kiln.placeholder('int32', [2, null], 'labels');
      const err = errorOf(() => kiln.sigmoid(i, 'gate'));
      expect(err).toBeInstanceOf(kiln.DTypeError);
      expect(err.message).toMatch(/^sigmoid 'gate': expected float32, got int32 \(created at test\/ops\/sigmoid_tanh\.test\.ts:\d+\)$/);
    });
  });
});

describe('tanh', () => {
  it('computes tanh, saturating to ±1', () => {
    expectClose(forward(kiln.tanh, [0, 1, -2, 1000, -Infinity, NaN]), [0, 0.7615941559557649, -0.9640275800758169, 1, -1, NaN], 1e-15);
  });

  it('has gradient dy·(1−y²)', () => {
    expectClose(gradAt(kiln.tanh, [0, 1, 1000]), [1, 1 - 0.7615941559557649 ** 2, 0]);
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.tanh(x), [f64(randomData(n, 80 + i, -3, 3), shape)]);
    }
    checkGradient((x) => kiln.gradients(kiln.tanh(x), [x])[0]!, [f64(randomData(4, 85, -2, 2), [4])]);
  });
});
