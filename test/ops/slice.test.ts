import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { padGrad, sliceGrad } from '../../src/ops/shape/slice_grad.js';
import { checkGradient, evalF64, expectClose, f64, randomData, values } from '../helpers.js';

describe('slice', () => {
  it('takes a block, with size -1 meaning to the end', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.constant([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
      const y = kiln.slice(x, [1, 1], [2, -1]);
      expect(y.shape).toEqual([2, 3]);
      expect(evalF64(y)[0]!.toArray()).toEqual([[6, 7, 8], [10, 11, 12]]);
      expect(evalF64(kiln.slice(x, [0, 3], [-1, 1]))[0]!.toArray()).toEqual([[4], [8], [12]]);
      expect(evalF64(kiln.slice(x, [3, 0], [-1, -1]))[0]!.shape).toEqual([0, 4]);
      const i = kiln.constant(Int32Array.of(1, 2, 3, 4, 5), { shape: [5] });
      const si = evalF64(kiln.slice(i, [2], [2]))[0]!;
      expect(si.dtype).toBe('int32');
      expect(si.toArray()).toEqual([3, 4]);
      expect(evalF64(kiln.slice(kiln.constant(3), [], []))[0]!.toArray()).toBe(3);
    });
  });

  it('handles unknown dims: -1 stays unknown, bounds are checked at run time', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const y = kiln.slice(x, [1, 0], [-1, 2]);
      expect(y.shape).toEqual([null, 2]);
      expectClose(values(y, new Map([[x, f64([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3])]])), [4, 5, 7, 8]);
      const z = kiln.slice(x, [1, 0], [2, 3], 'sl');
      expect(z.shape).toEqual([2, 3]);
      expect(() => evalF64(z, new Map([[x, f64(randomData(6), [2, 3])]]))).toThrowError(
        /^slice 'sl': begin \[1,0\] with size \[2,3\] is out of bounds for input \[2,3\]: dim 0 has size 2, the slice needs \[1, 3\) \(created at test\/ops\/slice\.test\.ts:\d+\)$/,
      );
    });
  });

  it('rejects bad begin and size at build time', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      expect(() => kiln.slice(x, [0, 2], [1, 2], 's')).toThrowError(kiln.ShapeError);
      expect(() => kiln.slice(x, [0, 2], [1, 2], 's')).toThrowError(/dim 1 has size 3, the slice needs \[2, 4\) \(created at test\/ops\/slice\.test\.ts:\d+\)/);
      expect(() => kiln.slice(x, [3, 0], [-1, 1])).toThrowError(/dim 0 has size 2, the slice needs \[3, 2\)/);
      expect(() => kiln.slice(x, [0], [1])).toThrowError(kiln.InvalidArgumentError);
      expect(() => kiln.slice(x, [0], [1])).toThrowError(/begin \[0\] and size \[1\] must have one entry per dim of input \[2,3\]/);
      expect(() => kiln.slice(x, [-1, 0], [1, 1])).toThrowError(/begin must be a list of integers, got \[-1,0\]/);
      expect(() => kiln.slice(x, [0, 0], [1, -2])).toThrowError(/size must be a list of integers, got \[1,-2\]/);
    });
  });

  it('has the gradient of a slice (zeros outside the block)', () => {
    checkGradient((x) => kiln.slice(x, [1, 0], [1, 2]), [f64(randomData(6), [2, 3])]);
    checkGradient((x) => kiln.slice(x, [0, 1, 2], [-1, 2, -1]), [f64(randomData(60, 2), [3, 4, 5])]);
    checkGradient((x) => kiln.slice(x, [2], [3]), [f64(randomData(6, 3), [6])]);
  });

  it('has a gradient with unknown dims (SliceGrad), and SliceGrad/PadGrad differentiate into each other', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const y = kiln.slice(x, [1, 1], [-1, 1]);
      const [dx] = kiln.gradients(kiln.mul(y, 2), [x]);
      expect(dx!.op.type).toBe('SliceGrad');
      expect(dx!.shape).toEqual([null, 3]);
      expectClose(values(dx!, new Map([[x, f64(randomData(9), [3, 3])]])), [0, 0, 0, 0, 2, 0, 0, 2, 0]);
    });
    checkGradient((dy, like) => sliceGrad(dy, like, [1, 0]), [f64(randomData(4), [2, 2]), f64(randomData(9, 2), [3, 3])], { wrt: [0] });
    checkGradient((dy, like) => padGrad(dy, like, [0, 1]), [f64(randomData(12), [3, 4]), f64(randomData(4, 2), [2, 2])], { wrt: [0] });
  });
});
