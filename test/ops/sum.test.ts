import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData, values } from '../helpers.js';

const x23 = () => kiln.constant([[1, 2, 3], [4, 5, 6]]);

describe('sum', () => {
  it('reduces all axes, one axis, several axes and negative axes', () => {
    new kiln.Graph().asDefault(() => {
      expect(values(kiln.sum(x23()))).toEqual([21]);
      expect(kiln.sum(x23()).shape).toEqual([]);
      expect(values(kiln.sum(x23(), 0))).toEqual([5, 7, 9]);
      expect(values(kiln.sum(x23(), -1))).toEqual([6, 15]);
      expect(values(kiln.sum(x23(), [0, 1]))).toEqual([21]);
      const k = kiln.sum(x23(), 1, true);
      expect(k.shape).toEqual([2, 1]);
      expect(values(k)).toEqual([6, 15]);
      const x3 = kiln.constant(kiln.array(Float32Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]));
      const s = kiln.sum(x3, [0, 2], true);
      expect(s.shape).toEqual([1, 3, 1]);
      // axis 1 index j: sum over i,k of i*12 + j*4 + k = 2*4*4j + (0+12)*4 + 2*(0+1+2+3)
      expect(values(s)).toEqual([60, 92, 124]);
    });
  });

  it('sums int32 with wrap-around and keeps the dtype', () => {
    new kiln.Graph().asDefault(() => {
      const i = kiln.constant(Int32Array.of(2147483647, 1, 5, 6), { shape: [2, 2] });
      const s = kiln.sum(i, 1);
      expect(s.dtype).toBe('int32');
      expect(values(s)).toEqual([-2147483648, 11]);
    });
  });

  it('gives 0 for an empty reduction and keeps an unknown batch', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 0], 'x');
      const s = kiln.sum(x, 1);
      expect(s.shape).toEqual([null]);
      expect(values(s, new Map([[x, f64([], [3, 0])]]))).toEqual([0, 0, 0]);
      expect(kiln.sum(x, 0, true).shape).toEqual([1, 0]);
    });
  });

  it('has gradient dy repeated over the reduced axes, also with an unknown batch', () => {
    checkGradient((a) => kiln.sum(a), [f64(randomData(6, 1), [2, 3])]);
    checkGradient((a) => kiln.sum(a, 1), [f64(randomData(6, 2), [2, 3])]);
    checkGradient((a) => kiln.sum(a, [0, 2], true), [f64(randomData(24, 3), [2, 3, 4])]);
    checkGradient((a) => kiln.mul(kiln.sum(a, -2), kiln.sum(a, 0, true)), [f64(randomData(12, 4), [3, 4])]);
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const [dx] = kiln.gradients(kiln.sum(x, 1), [x], kiln.constant([1, 2]));
      expect(dx!.shape).toEqual([null, 3]);
      expect(values(dx!, new Map([[x, f64(randomData(6), [2, 3])]]))).toEqual([1, 1, 1, 2, 2, 2]);
    });
  });

  it('rejects an axis out of range, a repeated axis and bool input, naming the node', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      expect(() => kiln.sum(x, 2, false, 'total')).toThrowError(
        /^sum 'total': axis 2 is out of range for rank 2 \(expected an integer in \[-2, 1\]\) \(created at test\/ops\/sum\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.sum(x, 2)).toThrowError(kiln.InvalidArgumentError);
      expect(() => kiln.sum(x, [1, -1])).toThrowError(/sum 'Sum(_\d+)?': axis \[1,-1\] names axis 1 twice/);
      const b = kiln.constant([true, false]);
      expect(() => kiln.sum(b)).toThrowError(/sum 'Sum(_\d+)?': x must be float32 or int32, got bool/);
    });
  });
});

describe('mean', () => {
  it('divides by the run-time count of reduced elements (unknown batch)', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const m0 = kiln.mean(x, 0);
      const mAll = kiln.mean(x);
      const m1 = kiln.mean(x, -1, true);
      expect(m0.shape).toEqual([3]);
      expect(m1.shape).toEqual([null, 1]);
      const feeds = new Map([[x, f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [4, 3])]]);
      expectClose(values(m0, feeds), [5.5, 6.5, 7.5]);
      expectClose(values(mAll, feeds), [6.5]);
      expectClose(values(m1, feeds), [2, 5, 8, 11]);
      expect(Number.isNaN(values(mAll, new Map([[x, f64([], [0, 3])]]))[0])).toBe(true);
      expect(mAll.op.name).toBe('Mean_1/Div');
    });
  });

  it('has gradient dy / n over the reduced axes', () => {
    checkGradient((a) => kiln.mean(a), [f64(randomData(6, 5), [2, 3])]);
    checkGradient((a) => kiln.mean(a, [0, 2]), [f64(randomData(24, 6), [2, 3, 4])]);
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2], 'x');
      const [dx] = kiln.gradients(kiln.mean(x), [x]);
      expectClose(values(dx!, new Map([[x, f64(randomData(8), [4, 2])]])), new Array(8).fill(1 / 8));
    });
  });

  it('rejects int32 input and a bad axis', () => {
    new kiln.Graph().asDefault(() => {
      const i = kiln.placeholder('int32', [2], 'i');
      expect(() => kiln.mean(i, 0, false, 'avg')).toThrowError(/^mean 'avg': x must be float32, got int32 \(created at test\/ops\/sum\.test\.ts:\d+\)$/);
      const x = kiln.placeholder('float32', [2], 'x');
      expect(() => kiln.mean(x, 1)).toThrowError(/sum 'Mean\/Sum': axis 1 is out of range for rank 1/);
    });
  });
});
