import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, expectClose, f64, randomData, values } from '../helpers.js';

describe('expandDims', () => {
  it('inserts a size-1 dim at any axis in [-rank-1, rank]', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      expect(kiln.expandDims(x, 0).shape).toEqual([1, null, 3]);
      expect(kiln.expandDims(x, 1).shape).toEqual([null, 1, 3]);
      expect(kiln.expandDims(x, 2).shape).toEqual([null, 3, 1]);
      expect(kiln.expandDims(x, -1).shape).toEqual([null, 3, 1]);
      expect(kiln.expandDims(x, -3).shape).toEqual([1, null, 3]);
      const v = evalF64(kiln.expandDims(x, 1), new Map([[x, f64([1, 2, 3, 4, 5, 6], [2, 3])]]))[0]!;
      expect(v.toArray()).toEqual([[[1, 2, 3]], [[4, 5, 6]]]);
      expect(evalF64(kiln.expandDims(kiln.constant(Int32Array.of(4), { shape: [] }), 0))[0]!.toArray()).toEqual([4]);
    });
  });

  it('rejects an axis out of range', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      expect(() => kiln.expandDims(x, 3, 'ed')).toThrowError(
        /^expandDims 'ed': axis 3 is out of range \[-3, 2\] for input \[2,3\] \(created at test\/ops\/expand_dims\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.expandDims(x, -4)).toThrowError(kiln.InvalidArgumentError);
      expect(() => kiln.expandDims(x, 0.5)).toThrowError(/axis 0.5 is out of range/);
    });
  });

  it('has the gradient of a reshape', () => {
    checkGradient((x) => kiln.mul(kiln.expandDims(x, 1), kiln.constant([[1], [2]])), [f64(randomData(6), [2, 3])]);
    checkGradient((x) => kiln.expandDims(x, -1), [f64(randomData(4), [4])]);
  });
});

describe('squeeze', () => {
  it('removes the static size-1 dims by default and the given axes otherwise', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [1, 3, 1, null], 'x');
      expect(kiln.squeeze(x).shape).toEqual([3, null]);
      expect(kiln.squeeze(x, 2).shape).toEqual([1, 3, null]);
      expect(kiln.squeeze(x, [0, -2]).shape).toEqual([3, null]);
      const v = evalF64(kiln.squeeze(x), new Map([[x, f64([1, 2, 3], [1, 3, 1, 1])]]))[0]!;
      expect(v.shape).toEqual([3, 1]); // the unknown dim is kept even when it turns out to be 1
      expect(evalF64(kiln.squeeze(kiln.constant([[5]])))[0]!.toArray()).toBe(5);
    });
  });

  it('allows an unknown dim with an explicit axis and checks it at run time', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const y = kiln.squeeze(x, 0, 'sq');
      expect(y.shape).toEqual([3]);
      expectClose(values(y, new Map([[x, f64([1, 2, 3], [1, 3])]])), [1, 2, 3]);
      expect(() => evalF64(y, new Map([[x, f64(randomData(6), [2, 3])]]))).toThrowError(
        /^squeeze 'sq': cannot squeeze axis 0 of size 2 \(input \[2,3\]\): only size-1 dims can be squeezed \(created at test\/ops\/expand_dims\.test\.ts:\d+\)$/,
      );
    });
  });

  it('rejects squeezing a dim that is not 1 or an axis out of range', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2, 1], 'x');
      expect(() => kiln.squeeze(x, 0, 'bad')).toThrowError(kiln.ShapeError);
      expect(() => kiln.squeeze(x, 0, 'bad')).toThrowError(/^squeeze 'bad(_\d+)?': cannot squeeze axis 0 of size 2 \(input \[2,1\]\)/);
      expect(() => kiln.squeeze(x, 2)).toThrowError(/axis 2 is out of range for rank 2/);
    });
  });

  it('has the gradient of a reshape, also with an unknown dim', () => {
    checkGradient((x) => kiln.squeeze(x), [f64(randomData(6), [2, 1, 3, 1])]);
    checkGradient((x) => kiln.squeeze(x, [0]), [f64(randomData(4), [1, 4])]);
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 1], 'x');
      const [dx] = kiln.gradients(kiln.mul(kiln.squeeze(x, 1), 3), [x]);
      expect(dx!.shape).toEqual([null, 1]);
      expectClose(values(dx!, new Map([[x, f64([1, 2], [2, 1])]])), [3, 3]);
    });
  });
});
