import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData } from '../helpers.js';
import { errorOf, forward, gradAt } from './unary_helpers.js';

describe('softplus', () => {
  it('computes log(1 + e^x)', () => {
    expectClose(
      forward(kiln.softplus, [0, 1, -1, 2, 20, -30]),
      [Math.LN2, 1.3132616875182228, 0.31326168751822286, 2.1269280110429727, 20.000000002061153, 9.357622968839737e-14],
      1e-15,
    );
  });

  it('is stable: softplus(1000) = 1000 and softplus(-1000) = 0, no overflow', () => {
    expect(forward(kiln.softplus, [1000, -1000, Infinity, -Infinity])).toEqual([1000, 0, Infinity, 0]);
    expectClose(forward(kiln.softplus, [NaN]), [NaN]);
    expect(gradAt(kiln.softplus, [1000, -1000])).toEqual([1, 0]);
  });

  it('has gradient dy·sigmoid(x)', () => {
    expectClose(gradAt(kiln.softplus, [0, 2], [2, 1]), [1, 0.8807970779778823], 1e-15);
    for (const [i, shape] of [[5], [2, 3], [2, 1, 3]].entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.softplus(x), [f64(randomData(n, 120 + i, -5, 5), shape)]);
    }
    checkGradient((x) => kiln.gradients(kiln.softplus(x), [x])[0]!, [f64(randomData(4, 125, -3, 3), [4])]);
  });

  it('rejects int32 naming the node and call site', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const i = kiln.placeholder('int32', [3], 'i');
      const err = errorOf(() => kiln.softplus(i, 'sp'));
      expect(err).toBeInstanceOf(kiln.DTypeError);
      expect(err.message).toMatch(/^softplus 'sp': expected float32, got int32 \(created at test\/ops\/softplus\.test\.ts:\d+\)$/);
    });
  });
});
