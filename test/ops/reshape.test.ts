import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, expectClose, f64, randomData, values } from '../helpers.js';

describe('reshape', () => {
  it('reshapes in row-major order and resolves -1', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.constant([[1, 2, 3], [4, 5, 6]]);
      const y = kiln.reshape(x, [3, -1]);
      expect(y.shape).toEqual([3, 2]);
      expect(evalF64(y)[0]!.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
      expect(kiln.reshape(x, [6]).shape).toEqual([6]);
      expect(kiln.reshape(kiln.constant([7]), []).shape).toEqual([]);
      expect(kiln.reshape(kiln.constant(7), [1, 1, -1]).shape).toEqual([1, 1, 1]);
      const i = kiln.constant(Int32Array.of(1, 2, 3, 4), { shape: [4] });
      const ri = evalF64(kiln.reshape(i, [2, 2]))[0]!;
      expect(ri.dtype).toBe('int32');
      expect(ri.toArray()).toEqual([[1, 2], [3, 4]]);
      const e = kiln.reshape(kiln.constant(new Float32Array(0), { shape: [0, 3] }), [3, 0]);
      expect(evalF64(e)[0]!.shape).toEqual([3, 0]);
    });
  });

  it('leaves -1 unknown with an unknown input dim and resolves it at run time', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2, 3], 'x');
      const y = kiln.reshape(x, [-1, 6]);
      expect(y.shape).toEqual([null, 6]);
      const feeds = new Map([[x, f64(randomData(12), [2, 2, 3])]]);
      expect(evalF64(y, feeds)[0]!.shape).toEqual([2, 6]);
      expectClose(values(y, feeds), randomData(12));
      const z = kiln.reshape(x, [3, 4]);
      expect(z.shape).toEqual([3, 4]);
      expect(evalF64(z, feeds)[0]!.shape).toEqual([3, 4]);
      expect(() => evalF64(kiln.reshape(x, [-1, 4], 'bad'), new Map([[x, f64(randomData(6), [1, 2, 3])]]))).toThrowError(
        /^reshape 'bad': cannot reshape \[1,2,3\] \(6 elements\) to \[-1,4\] \(created at test\/ops\/reshape\.test\.ts:\d+\)$/,
      );
    });
  });

  it('names both shapes when sizes differ or -1 appears twice', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      expect(() => kiln.reshape(x, [4, 2], 'r')).toThrowError(kiln.ShapeError);
      expect(() => kiln.reshape(x, [4, 2], 'r')).toThrowError(
        /^reshape 'r(_\d+)?': cannot reshape \[2,3\] \(6 elements\) to \[4,2\] \(created at test\/ops\/reshape\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.reshape(x, [4, -1])).toThrowError(/cannot reshape \[2,3\] \(6 elements\) to \[4,-1\]/);
      expect(() => kiln.reshape(x, [-1, -1])).toThrowError(kiln.InvalidArgumentError);
      expect(() => kiln.reshape(x, [-1, -1])).toThrowError(/shape \[-1,-1\] has more than one -1 \(reshaping \[2,3\]\)/);
      expect(() => kiln.reshape(x, [-2, 3])).toThrowError(/shape must be a list of integers, got \[-2,3\]/);
      const u = kiln.placeholder('float32', [null, 3], 'u');
      expect(() => kiln.reshape(u, [4])).toThrowError(/cannot reshape \[\?,3\] to \[4\]: 4 elements is not a multiple of 3/);
    });
  });

  it('has the gradient of a reshape, with known and unknown dims', () => {
    checkGradient((x) => kiln.reshape(x, [3, 2]), [f64(randomData(6), [2, 3])]);
    checkGradient((x) => kiln.mul(kiln.reshape(x, [-1]), kiln.reshape(x, [-1])), [f64(randomData(24, 2), [2, 3, 4])]);
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 4], 'x');
      const y = kiln.mul(kiln.reshape(x, [-1, 2, 2]), kiln.constant([1, 2]));
      const [dx] = kiln.gradients(y, [x]);
      expect(dx!.shape).toEqual([null, 4]);
      expectClose(values(dx!, new Map([[x, f64(randomData(8), [2, 4])]])), [1, 2, 1, 2, 1, 2, 1, 2]);
    });
  });
});
