import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, f64, randomData } from '../helpers.js';

describe('broadcastTo', () => {
  it('broadcasts by NumPy rules, any dtype', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      expect(evalF64(kiln.broadcastTo(kiln.constant([1, 2, 3]), [2, 3]))[0]!.toArray()).toEqual([[1, 2, 3], [1, 2, 3]]);
      expect(evalF64(kiln.broadcastTo(kiln.constant([[1], [2]]), [2, 2, 2]))[0]!.toArray()).toEqual([[[1, 1], [2, 2]], [[1, 1], [2, 2]]]);
      const i = evalF64(kiln.broadcastTo(kiln.constant(Int32Array.of(4), { shape: [] }), [3]))[0]!;
      expect(i.dtype).toBe('int32');
      expect(i.toArray()).toEqual([4, 4, 4]);
      expect(evalF64(kiln.broadcastTo(kiln.constant([true]), [2]))[0]!.toArray()).toEqual([true, true]);
    });
  });

  it('checks an unknown dim at run time', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null], 'x');
      const y = kiln.broadcastTo(x, [2, 3], 'bt');
      expect(y.shape).toEqual([2, 3]);
      expect(evalF64(y, new Map([[x, f64([5], [1])]]))[0]!.toArray()).toEqual([[5, 5, 5], [5, 5, 5]]);
      expect(() => evalF64(y, new Map([[x, f64([1, 2], [2])]]))).toThrowError(
        /^broadcastTo 'bt': shape \[2\] cannot broadcast to \[2,3\] \(created at test\/ops\/broadcast_to\.test\.ts:\d+\)$/,
      );
    });
  });

  it('rejects shapes that cannot broadcast', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      expect(() => kiln.broadcastTo(x, [3, 3], 'b')).toThrowError(kiln.ShapeError);
      expect(() => kiln.broadcastTo(x, [3, 3], 'b')).toThrowError(/^broadcastTo 'b(_\d+)?': shape \[2,3\] cannot broadcast to \[3,3\]/);
      expect(() => kiln.broadcastTo(x, [3])).toThrowError(/shape \[2,3\] cannot broadcast to \[3\]/);
      expect(() => kiln.broadcastTo(x, [-1, 3])).toThrowError(/shape must be a list of integers, got \[-1,3\]/);
    });
  });

  it('has the gradient sumToLike', () => {
    checkGradient((x) => kiln.broadcastTo(x, [4, 3]), [f64(randomData(3), [3])]);
    checkGradient((x) => kiln.broadcastTo(x, [2, 3, 4]), [f64(randomData(4, 2), [1, 1, 4])]);
    checkGradient((x) => kiln.broadcastTo(x, [2, 3]), [f64(randomData(6, 3), [2, 3])]);
  });
});
