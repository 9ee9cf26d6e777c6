import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData } from '../helpers.js';
import { errorOf, forward, gradAt } from './unary_helpers.js';

describe('exp', () => {
  it('computes e^x, overflowing to +Inf and underflowing to 0', () => {
    expectClose(forward(kiln.exp, [0, 1, -1, 2, -800, 800, NaN]), [1, Math.E, 1 / Math.E, 7.38905609893065, 0, Infinity, NaN], 1e-15);
  });

  it('has gradient dy * exp(x), reusing the output', () => {
    expectClose(gradAt(kiln.exp, [0, 1, -2]), [1, Math.E, Math.exp(-2)], 1e-15);
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [3], 'x');
      const y = kiln.exp(x);
      const [dx] = kiln.gradients(y, [x]);
      expect(dx!.op.inputs.map((t) => t.op)).toContain(y.op); // dy * y, no second Exp
      expect(g.ops.filter((o) => o.type === 'Exp')).toHaveLength(1);
    });
    for (const shape of [[5], [2, 3], [2, 1, 3]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.exp(x), [f64(randomData(n, n, -2, 2), shape)]);
    }
  });

  it('rejects int32 with the op, node and call site', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const i = kiln.placeholder('int32', [2], 'i');
      const err = errorOf(() => kiln.exp(i, 'e'));
      expect(err).toBeInstanceOf(kiln.DTypeError);
      expect(err.message).toMatch(/^exp 'e': expected float32, got int32 \(created at test\/ops\/exp_log\.test\.ts:\d+\)$/);
    });
  });
});

describe('log', () => {
  it('computes ln x with IEEE results at 0, negatives, Inf and NaN', () => {
    expectClose(forward(kiln.log, [1, Math.E, 0.5, 0, -1, Infinity, NaN]), [0, 1, Math.log(0.5), -Infinity, NaN, Infinity, NaN], 1e-15);
  });

  it('has gradient dy / x (+Inf at 0)', () => {
    expectClose(gradAt(kiln.log, [1, 4, -0.5, 0]), [1, 0.25, -2, Infinity]);
    expectClose(gradAt(kiln.log, [2, 4], [3, -8]), [1.5, -2]);
    for (const shape of [[5], [2, 3], [3, 1, 2]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.log(x), [f64(randomData(n, n + 1, 0.3, 3), shape)]);
    }
  });

  it('rejects bool input', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const b = kiln.placeholder('bool', [2], 'b');
      expect(() => kiln.log(b)).toThrowError(/^log 'Log': expected float32, got bool \(created at test\/ops\/exp_log\.test\.ts:\d+\)$/);
    });
  });
});
