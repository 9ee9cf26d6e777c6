import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData } from '../helpers.js';
import { errorOf, forward, forwardInt, gradAt } from './unary_helpers.js';

const shapes = [[5], [2, 3], [2, 1, 3]];

describe('square', () => {
  it('computes x² for float32', () => {
    expectClose(forward(kiln.square, [-3, 0.5, 0, -Infinity, NaN]), [9, 0.25, 0, Infinity, NaN]);
  });

  it('computes x² for int32, wrapping modulo 2^32 as in C', () => {
    // 46341² = 2147488281 wraps to -2147479015; (2^31 - 1)² = 2^62 - 2^32 + 1 ≡ 1, a product
    // float64 cannot hold exactly.
    expect(forwardInt(kiln.square, [-3, 0, 65536, 46341, 2147483647])).toEqual({
      dtype: 'int32',
      data: [9, 0, 0, -2147479015, 1],
    });
  });

  it('has gradient 2·x·dy', () => {
    expectClose(gradAt(kiln.square, [-3, 0, 0.5]), [-6, 0, 1]);
    expectClose(gradAt(kiln.square, [2], [0.25]), [1]);
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.square(x), [f64(randomData(n, 30 + i, -2, 2), shape)]);
    }
  });

  it('rejects bool', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const b = kiln.placeholder('bool', [2], 'b');
      const err = errorOf(() => kiln.square(b, 'sq'));
      expect(err).toBeInstanceOf(kiln.DTypeError);
      expect(err.message).toMatch(/^square 'sq': expected float32 or int32, got bool \(created at test\/ops\/square_reciprocal\.test\.ts:\d+\)$/);
    });
  });
});

describe('reciprocal', () => {
  it('computes 1/x with IEEE results at ±0 and ±Inf', () => {
    const out = forward(kiln.reciprocal, [2, -4, 0, -0, Infinity, NaN]);
    expectClose(out, [0.5, -0.25, Infinity, -Infinity, 0, NaN]);
  });

  it('has gradient -dy / x² (written -dy·y²)', () => {
    expectClose(gradAt(kiln.reciprocal, [2, -4, 0.5]), [-0.25, -0.0625, -4]);
    expect(gradAt(kiln.reciprocal, [0])).toEqual([-Infinity]);
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = randomData(n, 40 + i, 0.5, 2).map((v, j) => (j % 2 ? -v : v)); // away from 0, both signs
      checkGradient((x) => kiln.reciprocal(x), [f64(data, shape)]);
    }
  });

  it('rejects int32', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const i = kiln.placeholder('int32', [2], 'i');
      expect(() => kiln.reciprocal(i)).toThrowError(/^reciprocal 'Reciprocal': expected float32, got int32 \(created at test\/ops\/square_reciprocal\.test\.ts:\d+\)$/);
    });
  });
});
