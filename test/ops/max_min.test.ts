import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData, values } from '../helpers.js';

describe('max / min', () => {
  it('reduce over all, one, several and negative axes, with keepDims', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.constant([[1, 5, 3], [4, 2, 6]]);
      expect(values(kiln.max(x))).toEqual([6]);
      expect(values(kiln.min(x))).toEqual([1]);
      expect(values(kiln.max(x, 0))).toEqual([4, 5, 6]);
      expect(values(kiln.min(x, -1))).toEqual([1, 2]);
      const k = kiln.max(x, [0, 1], true);
      expect(k.shape).toEqual([1, 1]);
      expect(values(k)).toEqual([6]);
      expect(kiln.min(x, 1, true).shape).toEqual([2, 1]);
    });
  });

  it('handle int32, NaN and empty reductions as TF/NumPy', () => {
    new kiln.Graph().asDefault(() => {
      const i = kiln.constant(Int32Array.of(-7, 3, 2147483647, -2147483648), { shape: [2, 2] });
      const mx = kiln.max(i, 1);
      expect(mx.dtype).toBe('int32');
      expect(values(mx)).toEqual([3, 2147483647]);
      expect(values(kiln.min(i, 1))).toEqual([-7, -2147483648]);
      const n = kiln.constant([[1, NaN, 3], [0, 2, 1]]);
      const mn = values(kiln.max(n, 1));
      expect(Number.isNaN(mn[0])).toBe(true);
      expect(mn[1]).toBe(2);
      const e = kiln.placeholder('float32', [null, 0], 'e');
      const feeds = new Map([[e, f64([], [2, 0])]]);
      expect(values(kiln.max(e, 1), feeds)).toEqual([-Infinity, -Infinity]);
      expect(values(kiln.min(e, 1), feeds)).toEqual([Infinity, Infinity]);
      const ie = kiln.placeholder('int32', [0], 'ie');
      expect(values(kiln.max(ie), new Map([[ie, kiln.array(new Int32Array(0), [0])]]))).toEqual([-2147483648]);
    });
  });

  it('have gradients matching finite differences (no ties), with an unknown batch', () => {
    checkGradient((a) => kiln.max(a, 1), [f64(randomData(12, 1), [3, 4])]);
    checkGradient((a) => kiln.min(a, [0, 2], true), [f64(randomData(24, 2), [2, 3, 4])]);
    checkGradient((a) => kiln.max(a), [f64(randomData(6, 3), [2, 3])]);
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const [dx] = kiln.gradients(kiln.max(x, -1), [x]);
      expect(dx!.shape).toEqual([null, 3]);
      expect(values(dx!, new Map([[x, f64([1, 3, 2, 0, -1, -2], [2, 3])]]))).toEqual([0, 1, 0, 1, 0, 0]);
    });
  });

  it('split the gradient equally among tied extrema (TF convention)', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [2, 4], 'x');
      const feeds = new Map([[x, f64([3, 1, 3, 3, 0, 0, 5, 0], [2, 4])]]);
      const [dmax] = kiln.gradients(kiln.max(x, 1), [x], kiln.constant([6, 2]));
      expectClose(values(dmax!, feeds), [2, 0, 2, 2, 0, 0, 2, 0]);
      const [dmin] = kiln.gradients(kiln.min(x, 1), [x], kiln.constant([6, 2]));
      expectClose(values(dmin!, feeds), [0, 6, 0, 0, 2 / 3, 2 / 3, 0, 2 / 3]);
      const [dall] = kiln.gradients(kiln.max(x), [x]);
      expectClose(values(dall!, feeds), [0, 0, 0, 0, 0, 0, 1, 0]);
    });
  });

  it('name the node and call site on a bad axis', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      expect(() => kiln.max(x, -3, false, 'peak')).toThrowError(
        /^max 'peak': axis -3 is out of range for rank 2 \(expected an integer in \[-2, 1\]\) \(created at test\/ops\/max_min\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.min(x, [0, 0])).toThrowError(/min 'Min': axis \[0,0\] names axis 0 twice/);
      expect(() => kiln.min(x, 0.5)).toThrowError(kiln.InvalidArgumentError);
    });
  });
});
