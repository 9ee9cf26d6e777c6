import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData } from '../helpers.js';
import { errorOf, forward, forwardInt, gradAt } from './unary_helpers.js';

const shapes = [[5], [2, 3], [2, 1, 3]];

describe('abs', () => {
  it('computes |x| for float32', () => {
    expectClose(forward(kiln.abs, [-1.5, 0, 2, -Infinity, NaN]), [1.5, 0, 2, Infinity, NaN]);
  });

  it('computes |x| for int32 (|-2^31| wraps to -2^31 as in C)', () => {
    expect(forwardInt(kiln.abs, [-7, 0, 5, -2147483648])).toEqual({ dtype: 'int32', data: [7, 0, 5, -2147483648] });
  });

  it("has gradient dy·sign(x), so abs'(0) = 0", () => {
    expectClose(gradAt(kiln.abs, [-2, 0, 3]), [-1, 0, 1]);
    expectClose(gradAt(kiln.abs, [-2, 0, 3], [5, 5, 5]), [-5, 0, 5]);
    for (const [i, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.abs(x), [f64(randomData(n, 50 + i, -2, 2), shape)]);
    }
  });

  it('rejects bool', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const b = kiln.placeholder('bool', [2], 'b');
      const err = errorOf(() => kiln.abs(b, 'magnitude'));
      expect(err).toBeInstanceOf(kiln.DTypeError);
      expect(err.message).toMatch(/^abs 'magnitude': expected float32 or int32, got bool \(created at test\/ops\/abs_sign\.test\.ts:\d+\)$/);
    });
  });
});

describe('neg (int32)', () => {
  it('negates int32, wrapping -(-2^31) to -2^31', () => {
    expect(forwardInt(kiln.neg, [3, 0, -4, -2147483648])).toEqual({ dtype: 'int32', data: [-3, 0, 4, -2147483648] });
  });
});

describe('sign', () => {
  it('gives -1, 0, 1 and keeps NaN', () => {
    expectClose(forward(kiln.sign, [-3, -1e-30, 0, 0.5, Infinity, -Infinity, NaN]), [-1, -1, 0, 1, 1, -1, NaN]);
  });

  it('works on int32', () => {
    expect(forwardInt(kiln.sign, [-9, 0, 4, -2147483648])).toEqual({ dtype: 'int32', data: [-1, 0, 1, -1] });
  });

  it('has a zero gradient everywhere (TF), also with unknown dims', () => {
    expect(gradAt(kiln.sign, [-2, 0, 3])).toEqual([0, 0, 0]);
    expect(gradAt((x) => kiln.mul(kiln.sign(x), x), [-2, 0, 3])).toEqual([-1, 0, 1]);
    checkGradient((x) => kiln.sign(x), [f64(randomData(6, 60, -1, 1), [2, 3])]);
  });
});
