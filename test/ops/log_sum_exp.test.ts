import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData, values } from '../helpers.js';

const lse = (xs: number[]) => Math.log(xs.reduce((a, v) => a + Math.exp(v), 0));

describe('logSumExp', () => {
  it('reduces all axes by default, or the given ones, with keepDims', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.constant([[1, 2, 3], [0, -1, 0.5]]);
      expectClose(values(kiln.logSumExp(x)), [lse([1, 2, 3, 0, -1, 0.5])]);
      expectClose(values(kiln.logSumExp(x, -1)), [lse([1, 2, 3]), lse([0, -1, 0.5])]);
      const k = kiln.logSumExp(x, 0, true);
      expect(k.shape).toEqual([1, 3]);
      expectClose(values(k), [lse([1, 0]), lse([2, -1]), lse([3, 0.5])]);
      expectClose(values(kiln.logSumExp(x, [0, 1])), [lse([1, 2, 3, 0, -1, 0.5])]);
    });
  });

  it('is exact for inputs of magnitude 1e4 and handles infinities as TF', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.constant([[1e4, 1e4, 1e4 - 1], [-1e4, -1e4, -1e4]]);
      expectClose(values(kiln.logSumExp(x, 1)), [1e4 + lse([0, 0, -1]), -1e4 + Math.log(3)], 1e-12);
      const inf = kiln.constant([[-Infinity, -Infinity], [Infinity, 0]]);
      expect(values(kiln.logSumExp(inf, 1))).toEqual([-Infinity, Infinity]);
    });
  });

  it('has a softmax-weighted gradient, also with an unknown batch', () => {
    checkGradient((a) => kiln.logSumExp(a), [f64(randomData(6, 1, -3, 3), [2, 3])]);
    checkGradient((a) => kiln.logSumExp(a, 1), [f64(randomData(12, 2, -3, 3), [3, 4])]);
    checkGradient((a) => kiln.logSumExp(a, [0, 2], true), [f64(randomData(24, 3, -3, 3), [2, 3, 4])]);
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const y = kiln.logSumExp(x, -1);
      expect(y.shape).toEqual([null]);
      const [dx] = kiln.gradients(y, [x], kiln.constant([2]));
      const feeds = new Map([[x, f64([1e4, 1e4, 1e4 - 1], [1, 3])]]);
      const z = Math.exp(0) * 2 + Math.exp(-1);
      expectClose(values(dx!, feeds), [2 / z, 2 / z, (2 * Math.exp(-1)) / z], 1e-12);
    });
  });

  it('rejects a bad axis and int input, naming the node', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      expect(() => kiln.logSumExp(x, 5, false, 'lse')).toThrowError(
        /^logSumExp 'lse': axis 5 is out of range for rank 2 \(expected an integer in \[-2, 1\]\) \(created at test\/ops\/log_sum_exp\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.logSumExp(kiln.placeholder('int32', [2]))).toThrowError(/x must be float32, got int32/);
    });
  });
});
