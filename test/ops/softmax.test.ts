import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData, values } from '../helpers.js';

function refSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('softmax / logSoftmax', () => {
  it('compute the last axis by default, rows summing to 1', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.constant([[1, 2, 3], [0, 0, Math.log(2)]]);
      const y = kiln.softmax(x);
      expect(y.shape).toEqual([2, 3]);
      expectClose(values(y), [...refSoftmax([1, 2, 3]), 0.25, 0.25, 0.5]);
      expectClose(values(kiln.logSoftmax(x)), [...refSoftmax([1, 2, 3]).map(Math.log), Math.log(0.25), Math.log(0.25), Math.log(0.5)]);
    });
  });

  it('are exact for logits of magnitude 1e4', () => {
    new kiln.Graph().asDefault(() => {
      // float32 holds 1e4 - 1 exactly (1e4 - log 2 it would round)
      const x = kiln.constant([[1e4, 0, -1e4], [1e4, 1e4, 1e4 - 1]]);
      const p = refSoftmax([1, 1, 0]);
      expectClose(values(kiln.softmax(x)), [1, 0, 0, ...p], 1e-12);
      expectClose(values(kiln.logSoftmax(x)), [0, -1e4, -2e4, ...p.map(Math.log)], 1e-12);
    });
  });

  it('take another axis', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.constant([[1, 2], [3, 5]]);
      const c0 = refSoftmax([1, 3]);
      const c1 = refSoftmax([2, 5]);
      expectClose(values(kiln.softmax(x, 0)), [c0[0]!, c1[0]!, c0[1]!, c1[1]!]);
      expectClose(values(kiln.logSoftmax(x, -2)), [c0[0]!, c1[0]!, c0[1]!, c1[1]!].map(Math.log));
    });
  });

  it('have gradients matching finite differences on several shapes and axes', () => {
    checkGradient((a) => kiln.softmax(a), [f64(randomData(12, 1, -3, 3), [3, 4])]);
    checkGradient((a) => kiln.softmax(a, 1), [f64(randomData(24, 2, -3, 3), [2, 3, 4])]);
    checkGradient((a) => kiln.softmax(a), [f64(randomData(5, 3), [5])]);
    checkGradient((a) => kiln.logSoftmax(a), [f64(randomData(12, 4, -3, 3), [3, 4])]);
    checkGradient((a) => kiln.logSoftmax(a, 0), [f64(randomData(24, 5, -3, 3), [2, 3, 4])]);
  });

  it('pin the gradient formulas (dy = one-hot row picks a Jacobian row) with an unknown batch', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const feeds = new Map([[x, f64([1, 2, 3], [1, 3])]]);
      const p = refSoftmax([1, 2, 3]);
      // softmax: dx_j = y_j (dy_j - sum(dy * y)); with dy = e_0: y_j (delta_0j - y_0)
      const [ds] = kiln.gradients(kiln.softmax(x), [x], kiln.constant([[1, 0, 0]]));
      expect(ds!.shape).toEqual([null, 3]);
      expectClose(values(ds!, feeds), [p[0]! * (1 - p[0]!), -p[1]! * p[0]!, -p[2]! * p[0]!]);
      // logSoftmax: dx = dy - softmax * sum(dy); with dy = e_0: delta_0j - p_j
      const [dl] = kiln.gradients(kiln.logSoftmax(x), [x], kiln.constant([[1, 0, 0]]));
      expectClose(values(dl!, feeds), [1 - p[0]!, -p[1]!, -p[2]!]);
    });
  });

  it('reject an out-of-range axis and int input, naming the node', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      expect(() => kiln.softmax(x, 2, 'probs')).toThrowError(
        /^softmax 'probs': axis 2 is out of range for rank 2 \(expected an integer in \[-2, 1\]\) \(created at test\/ops\/softmax\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.logSoftmax(kiln.constant(3))).toThrowError(/logSoftmax 'LogSoftmax': axis -1 is out of range for rank 0/);
      const i = kiln.placeholder('int32', [2], 'i');
      expect(() => kiln.softmax(i)).toThrowError(/softmax 'Softmax': logits must be float32, got int32/);
    });
  });
});
