import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, expectClose, f64, randomData, values } from '../helpers.js';

describe('pad', () => {
  it('pads with zeros or a constant value, any dtype', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.constant([[1, 2], [3, 4]]);
      const y = kiln.pad(x, [[1, 0], [0, 2]]);
      expect(y.shape).toEqual([3, 4]);
      expect(evalF64(y)[0]!.toArray()).toEqual([[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]]);
      expect(evalF64(kiln.pad(x, [[0, 0], [1, 1]], -Infinity))[0]!.toArray()).toEqual([
        [-Infinity, 1, 2, -Infinity],
        [-Infinity, 3, 4, -Infinity],
      ]);
      const i = kiln.constant(Int32Array.of(7), { shape: [1] });
      const pi = evalF64(kiln.pad(i, [[2, 1]], 9))[0]!;
      expect(pi.dtype).toBe('int32');
      expect(pi.toArray()).toEqual([9, 9, 7, 9]);
      const b = kiln.constant([false]);
      expect(evalF64(kiln.pad(b, [[1, 1]], true))[0]!.toArray()).toEqual([true, false, true]);
      expect(evalF64(kiln.pad(kiln.constant(new Float32Array(0), { shape: [0] }), [[1, 1]], 5))[0]!.toArray()).toEqual([5, 5]);
    });
  });

  it('keeps unknown dims unknown', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2], 'x');
      const y = kiln.pad(x, [[1, 1], [0, 1]]);
      expect(y.shape).toEqual([null, 3]);
      expectClose(values(y, new Map([[x, f64([1, 2], [1, 2])]])), [0, 0, 0, 1, 2, 0, 0, 0, 0]);
    });
  });

  it('rejects bad paddings', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      expect(() => kiln.pad(x, [[1, 1]], 0, 'p')).toThrowError(kiln.InvalidArgumentError);
      expect(() => kiln.pad(x, [[1, 1]], 0, 'p')).toThrowError(
        /^pad 'p(_\d+)?': paddings must be 2 pairs \[before, after\] of non-negative integers for input \[2,3\], got \[\[1,1\]\] \(created at test\/ops\/pad\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.pad(x, [[1, 1], [0, -1]])).toThrowError(/got \[\[1,1\],\[0,-1\]\]/);
      expect(() => kiln.pad(x, [[1, 1], [0]])).toThrowError(/got \[\[1,1\],\[0\]\]/);
    });
  });

  it('has the gradient of a pad (the slice of dy), static and with unknown dims', () => {
    checkGradient((x) => kiln.pad(x, [[1, 2], [0, 1]], 3), [f64(randomData(6), [2, 3])]);
    checkGradient((x) => kiln.pad(x, [[0, 0], [2, 0], [1, 1]]), [f64(randomData(24, 2), [2, 3, 4])]);
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2], 'x');
      const w = kiln.constant([1, 2, 3]);
      // padding after an unknown dim: PadGrad; padding only before it: a plain slice
      const [d1] = kiln.gradients(kiln.mul(kiln.pad(x, [[1, 1], [1, 0]]), w), [x]);
      const [d2] = kiln.gradients(kiln.mul(kiln.pad(x, [[1, 0], [1, 0]]), w), [x]);
      expect(d1!.op.type).toBe('PadGrad');
      expect(d2!.op.type).toBe('Slice');
      const feeds = new Map([[x, f64(randomData(4), [2, 2])]]);
      expect(evalF64(d1!, feeds)[0]!.shape).toEqual([2, 2]);
      expectClose(values(d1!, feeds), [2, 3, 2, 3]);
      expectClose(values(d2!, feeds), [2, 3, 2, 3]);
    });
  });
});
