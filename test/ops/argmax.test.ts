import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { f64, values } from '../helpers.js';

describe('argmax / argmin', () => {
  it('default to the last axis, return int32 and take the first index on ties', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.constant([[1, 5, 5], [7, 2, 7]]);
      const a = kiln.argmax(x);
      expect(a.dtype).toBe('int32');
      expect(a.shape).toEqual([2]);
      expect(values(a)).toEqual([1, 0]);
      expect(values(kiln.argmax(x, 0))).toEqual([1, 0, 1]);
      expect(values(kiln.argmin(x))).toEqual([0, 1]);
      expect(values(kiln.argmin(kiln.constant([[2, 1, 1]]), -1))).toEqual([1]);
    });
  });

  it('works on a middle axis, on int32 input, with NaN and with an unknown batch', () => {
    new kiln.Graph().asDefault(() => {
      // [2,3,2]: argmax over axis 1
      const x = kiln.constant([[[1, 9], [3, 2], [2, 2]], [[0, 0], [0, 1], [5, 1]]]);
      const a = kiln.argmax(x, 1);
      expect(a.shape).toEqual([2, 2]);
      expect(values(a)).toEqual([1, 0, 2, 1]);
      expect(values(kiln.argmax(kiln.constant(Int32Array.of(-3, -1, -2), { shape: [3] })))).toEqual([1]);
      expect(values(kiln.argmax(kiln.constant([1, NaN, 5, NaN])))).toEqual([1]);
      const p = kiln.placeholder('float32', [null, 4], 'p');
      const ap = kiln.argmax(p);
      expect(ap.shape).toEqual([null]);
      expect(values(ap, new Map([[p, f64([0, 0, 1, 0, 3, 2, 1, 0, -1, -1, -1, -0.5], [3, 4])]]))).toEqual([2, 0, 3]);
    });
  });

  it('has no gradient', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      const y = kiln.mul(kiln.cast(kiln.argmax(x), 'float32'), 2);
      expect(kiln.gradients(y, [x])).toEqual([undefined]);
    });
  });

  it('rejects an axis out of range and an empty axis, naming the node', () => {
    new kiln.Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      expect(() => kiln.argmax(x, 2, 'pred')).toThrowError(
        /^argmax 'pred': axis 2 is out of range for rank 2 \(expected an integer in \[-2, 1\]\) \(created at test\/ops\/argmax\.test\.ts:\d+\)$/,
      );
      const e = kiln.placeholder('float32', [2, 0], 'e');
      expect(() => kiln.argmin(e)).toThrowError(/argmin 'ArgMin': axis -1 of x is empty \(size 0\)/);
      const b = kiln.placeholder('bool', [2], 'b');
      expect(() => kiln.argmax(b)).toThrowError(kiln.DTypeError);
    });
  });
});
