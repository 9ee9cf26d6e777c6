import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { evalF64 } from '../helpers.js';

const i32 = (data: number[], shape: number[]): kiln.NDArray => new kiln.NDArray(Int32Array.from(data), shape, 'int32');

describe('oneHot', () => {
  it('encodes along the last axis by default as float32', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const y = kiln.oneHot([0, 2, 1], 3);
      expect(y.dtype).toBe('float32');
      expect(y.shape).toEqual([3, 3]);
      expect(evalF64(y)[0]!.toArray()).toEqual([[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    });
  });

  it('gives an all-off row for an index outside [0, depth), as TF does', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const y = kiln.oneHot([3, -1, 1], 3, { onValue: 5, offValue: -1 });
      expect(evalF64(y)[0]!.toArray()).toEqual([[-1, -1, -1], [-1, -1, -1], [-1, 5, -1]]);
    });
  });

  it('places the new dim at axis, with unknown dims, and can give int32', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const labels = kiln.placeholder('int32', [null, 2], 'labels');
      expect(kiln.oneHot(labels, 4).shape).toEqual([null, 2, 4]);
      const y = kiln.oneHot(labels, 3, { axis: 1 });
      expect(y.shape).toEqual([null, 3, 2]);
      const feeds = new Map([[labels, i32([0, 2, 1, 1], [2, 2])]]);
      expect(evalF64(y, feeds)[0]!.toArray()).toEqual([
        [[1, 0], [0, 0], [0, 1]],
        [[0, 0], [1, 1], [0, 0]],
      ]);
      const y0 = kiln.oneHot(labels, 3, { axis: 0, dtype: 'int32' });
      expect(y0.shape).toEqual([3, null, 2]);
      const v0 = evalF64(y0, feeds)[0]!;
      expect(v0.dtype).toBe('int32');
      expect(v0.toArray()).toEqual([
        [[1, 0], [0, 0]],
        [[0, 0], [1, 1]],
        [[0, 1], [0, 0]],
      ]);
      expect(evalF64(kiln.oneHot(kiln.constant(Int32Array.of(1), { shape: [] }), 2))[0]!.toArray()).toEqual([0, 1]);
    });
  });

  it('rejects non-int32 indices and bad attrs', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const f = kiln.placeholder('float32', [2], 'f');
      expect(() => kiln.oneHot(f, 3, { name: 'oh' })).toThrowError(kiln.DTypeError);
      expect(() => kiln.oneHot(f, 3, { name: 'oh' })).toThrowError(
        /^oneHot 'oh(_\d+)?': indices must be int32, got float32 \(created at test\/ops\/one_hot\.test\.ts:\d+\)$/,
      );
      const i = kiln.placeholder('int32', [2], 'i');
      expect(() => kiln.oneHot(i, -1)).toThrowError(kiln.InvalidArgumentError);
      expect(() => kiln.oneHot(i, -1)).toThrowError(/depth must be a non-negative integer, got -1/);
      expect(() => kiln.oneHot(i, 3, { axis: 2 })).toThrowError(/axis 2 is out of range \[-2, 1\] for indices \[2\]/);
    });
  });

  it('is not differentiable: gradients stop at its int input', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [3], 'x');
      const y = kiln.mul(kiln.oneHot([0, 1, 2], 3), x);
      const [dx] = kiln.gradients(y, [x]);
      expect(evalF64(dx!, new Map([[x, new kiln.NDArray(Float64Array.of(1, 2, 3), [3], 'float32')]]))[0]!.toArray()).toEqual([1, 1, 1]);
    });
  });
});
