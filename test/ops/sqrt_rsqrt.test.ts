import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData } from '../helpers.js';
import { errorOf, forward, gradAt } from './unary_helpers.js';

const shapes = [[5], [2, 3], [2, 1, 3]];

describe('sqrt', () => {
  it('computes √x; NaN for negatives', () => {
    expectClose(forward(kiln.sqrt, [4, 0, 2, 0.25, -1, Infinity, NaN]), [2, 0, Math.SQRT2, 0.5, NaN, Infinity, NaN], 1e-15);
  });

  it("has gradient dy / (2√x), with sqrt'(0) = +Inf as TF", () => {
    expectClose(gradAt(kiln.sqrt, [4, 1, 0.25]), [0.25, 0.5, 1]);
    expect(gradAt(kiln.sqrt, [0])).toEqual([Infinity]);
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.sqrt(x), [f64(randomData(n, 10 + i, 0.2, 3), shape)]);
    }
  });

  it('rejects int32 naming the node and call site', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const i = kiln.placeholder('int32', [null], 'i');
      const err = errorOf(() => kiln.sqrt(i, 'root'));
      expect(err).toBeInstanceOf(kiln.DTypeError);
      expect(err.message).toMatch(/^sqrt 'root': expected float32, got int32 \(created at test\/ops\/sqrt_rsqrt\.test\.ts:\d+\)$/);
    });
  });
});

describe('rsqrt', () => {
  it('computes 1/√x; +Inf at 0, NaN for negatives', () => {
    expectClose(forward(kiln.rsqrt, [4, 0.25, 2, 0, -4, Infinity]), [0.5, 2, Math.SQRT1_2, Infinity, NaN, 0], 1e-15);
  });

  it('has gradient -0.5 dy x^-3/2', () => {
    expectClose(gradAt(kiln.rsqrt, [4, 1, 0.25]), [-0.0625, -0.5, -4]);
    expectClose(gradAt(kiln.rsqrt, [4], [2]), [-0.125]);
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.rsqrt(x), [f64(randomData(n, 20 + i, 0.3, 3), shape)]);
    }
  });
});
