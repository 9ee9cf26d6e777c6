import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, expectClose, f64, randomData, values } from '../helpers.js';

describe('concat', () => {
  it('joins along an axis, any dtype', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.constant([[1, 2], [3, 4]]);
      const b = kiln.constant([[5], [6]]);
      const y = kiln.concat([a, b], 1);
      expect(y.shape).toEqual([2, 3]);
      expect(evalF64(y)[0]!.toArray()).toEqual([[1, 2, 5], [3, 4, 6]]);
      expect(evalF64(kiln.concat([a, kiln.constant([[7, 8]])], -2))[0]!.toArray()).toEqual([[1, 2], [3, 4], [7, 8]]);
      const i = kiln.concat([kiln.constant(Int32Array.of(1), { shape: [1] }), kiln.constant(Int32Array.of(2, 3), { shape: [2] })], 0);
      expect(evalF64(i)[0]!.toArray()).toEqual([1, 2, 3]);
      expect(evalF64(kiln.concat([a], 0))[0]!.toArray()).toEqual([[1, 2], [3, 4]]);
      expect(evalF64(kiln.concat([a, [[9, 9]]], 0))[0]!.toArray()).toEqual([[1, 2], [3, 4], [9, 9]]);
    });
  });

  it('allows unknown dims and merges known ones', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.placeholder('float32', [null, 2], 'a');
      const b = kiln.placeholder('float32', [3, null], 'b');
      expect(kiln.concat([a, b], 1).shape).toEqual([3, null]);
      expect(kiln.concat([a, b], 0).shape).toEqual([null, 2]);
      const y = kiln.concat([a, b], 0, 'cat');
      const feeds = new Map([
        [a, f64([1, 2], [1, 2])],
        [b, f64([3, 4, 5, 6, 7, 8], [3, 2])],
      ]);
      expectClose(values(y, feeds), [1, 2, 3, 4, 5, 6, 7, 8]);
      const bad = new Map([
        [a, f64([1, 2], [1, 2])],
        [b, f64([3, 4, 5], [3, 1])],
      ]);
      expect(() => evalF64(y, bad)).toThrowError(/^concat 'cat': dim 1 differs: input 0 is \[1,2\], input 1 is \[3,1\] \(concatenating along axis 0\) \(created at test\/ops\/concat\.test\.ts:\d+\)$/);
    });
  });

  it('rejects mixed ranks, dims, dtypes, an empty list and a bad axis', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.placeholder('float32', [2, 3], 'a');
      const b = kiln.placeholder('float32', [2, 4], 'b');
      expect(() => kiln.concat([a, b], 0, 'c')).toThrowError(kiln.ShapeError);
      expect(() => kiln.concat([a, b], 0, 'c')).toThrowError(
        /^concat 'c(_\d+)?': dim 1 differs: input 0 is \[2,3\], input 1 is \[2,4\] \(concatenating along axis 0\) \(created at test\/ops\/concat\.test\.ts:\d+\)$/,
      );
      expect(kiln.concat([a, b], 1).shape).toEqual([2, 7]);
      expect(() => kiln.concat([a, kiln.placeholder('float32', [2], 'v')], 0)).toThrowError(/same rank: input 0 is \[2,3\], input 1 is \[2\]/);
      expect(() => kiln.concat([a, kiln.placeholder('int32', [2, 3], 'i')], 0)).toThrowError(kiln.DTypeError);
      expect(() => kiln.concat([a, kiln.placeholder('int32', [2, 3], 'i')], 0)).toThrowError(/same dtype: input 0 is float32, input 1 is int32/);
      expect(() => kiln.concat([], 0)).toThrowError(/concat: needs a non-empty list of tensors/);
      expect(() => kiln.concat([a, b], 2)).toThrowError(/axis 2 is out of range for rank 2/);
      expect(() => kiln.concat([kiln.constant(1), kiln.constant(2)], 0)).toThrowError(/cannot concatenate scalars/);
    });
  });

  it('has the gradient of a concat (a slice per input)', () => {
    checkGradient((a, b) => kiln.concat([a, b], 1), [f64(randomData(4), [2, 2]), f64(randomData(6, 2), [2, 3])]);
    checkGradient(
      (a, b, c) => kiln.concat([a, b, c], 0),
      [f64(randomData(3), [1, 3]), f64(randomData(6, 2), [2, 3]), f64(randomData(9, 3), [3, 3])],
    );
    checkGradient((a, b) => kiln.concat([a, b, a], -1), [f64(randomData(8), [2, 2, 2]), f64(randomData(4, 2), [2, 2, 1])]);
  });

  it('has a gradient when sizes along the axis are unknown (ConcatGrad) or other dims are', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.placeholder('float32', [null, 2], 'a');
      const b = kiln.placeholder('float32', [null, 2], 'b');
      const w = kiln.constant([1, 2]);
      const [da, db] = kiln.gradients(kiln.mul(kiln.concat([a, b], 0), w), [a, b]);
      expect(da!.op.type).toBe('ConcatGrad');
      expect(da!.shape).toEqual([null, 2]);
      const feeds = new Map([
        [a, f64(randomData(2), [1, 2])],
        [b, f64(randomData(4), [2, 2])],
      ]);
      expectClose(values(da!, feeds), [1, 2]);
      expectClose(values(db!, feeds), [1, 2, 1, 2]);
      // second order: the gradient of ConcatGrad is a concat of the pieces' gradients
      const dy = kiln.placeholder('float32', [null, 2], 'dy');
      const [dda] = kiln.gradients(kiln.concat([a, b], 0), [a], dy);
      const [ddy] = kiln.gradients(kiln.mul(dda!, w), [dy]);
      const f2 = new Map([...feeds, [dy, f64(randomData(6), [3, 2])]]);
      expectClose(values(ddy!, f2), [1, 2, 0, 0, 0, 0]);
      // unknown batch, known sizes along the axis: plain slices
      const [dc] = kiln.gradients(kiln.mul(kiln.concat([a, b], 1), kiln.constant([1, 2, 3, 4])), [b]);
      expect(dc!.op.type).toBe('Slice');
      const same = new Map([
        [a, f64(randomData(4), [2, 2])],
        [b, f64(randomData(4), [2, 2])],
      ]);
      expectClose(values(dc!, same), [3, 4, 3, 4]);
    });
  });
});
