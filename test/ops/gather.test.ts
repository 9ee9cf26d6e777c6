import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, expectClose, f64, randomData, values } from '../helpers.js';

const i32 = (data: number[], shape: number[]): kiln.NDArray => new kiln.NDArray(Int32Array.from(data), shape, 'int32');

describe('gather', () => {
  it('picks rows along axis 0 with indices of any rank', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const p = kiln.constant([[1, 2], [3, 4], [5, 6]]);
      const y = kiln.gather(p, kiln.constant(Int32Array.of(2, 0, 2), { shape: [3] }));
      expect(y.shape).toEqual([3, 2]);
      expect(evalF64(y)[0]!.toArray()).toEqual([[5, 6], [1, 2], [5, 6]]);
      const y2 = kiln.gather(p, kiln.constant(Int32Array.of(1, 0, 0, 2), { shape: [2, 2] }));
      expect(y2.shape).toEqual([2, 2, 2]);
      expect(evalF64(y2)[0]!.toArray()).toEqual([[[3, 4], [1, 2]], [[1, 2], [5, 6]]]);
      const s = kiln.gather(p, kiln.constant(Int32Array.of(1), { shape: [] }));
      expect(s.shape).toEqual([2]);
      expect(evalF64(s)[0]!.toArray()).toEqual([3, 4]);
      const ints = kiln.gather(kiln.constant(Int32Array.of(10, 20, 30), { shape: [3] }), [2, 1]);
      expect(evalF64(ints)[0]!.toArray()).toEqual([30, 20]);
    });
  });

  it('gathers along another axis: params.shape[:axis] + indices.shape + params.shape[axis+1:]', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const p = kiln.placeholder('float32', [null, 3, 2], 'p');
      const idx = kiln.placeholder('int32', [null], 'idx');
      const y = kiln.gather(p, idx, 1);
      expect(y.shape).toEqual([null, null, 2]);
      expect(kiln.gather(p, idx, -1).shape).toEqual([null, 3, null]);
      const v = evalF64(y, new Map([
        [p, f64([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 3, 2])],
        [idx, i32([2, 2, 0, 1], [4])],
      ]))[0]!;
      expect(v.toArray()).toEqual([
        [[4, 5], [4, 5], [0, 1], [2, 3]],
        [[10, 11], [10, 11], [6, 7], [8, 9]],
      ]);
    });
  });

  it('reports an index out of range at run time, naming the op, the index and the valid range', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const p = kiln.placeholder('float32', [3, 2], 'p');
      const idx = kiln.placeholder('int32', [2, 2], 'idx');
      const y = kiln.gather(p, idx, 0, 'emb');
      const run = (ix: number[]) => evalF64(y, new Map([[p, f64(randomData(6), [3, 2])], [idx, i32(ix, [2, 2])]]));
      expect(() => run([0, 1, 3, 0])).toThrowError(
        /^gather 'emb': indices\[1,0\] = 3 is not in \[0, 3\) \(created at test\/ops\/gather\.test\.ts:\d+\)$/,
      );
      expect(() => run([0, -1, 0, 0])).toThrowError(/indices\[0,1\] = -1 is not in \[0, 3\)/);
      expect(() => run([0, -1, 0, 0])).toThrowError(kiln.InvalidArgumentError);
      expect(run([2, 2, 2, 2])[0]!.shape).toEqual([2, 2, 2]);
    });
  });

  it('rejects non-int32 indices, a scalar params and a bad axis', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const p = kiln.placeholder('float32', [3, 2], 'p');
      expect(() => kiln.gather(p, kiln.placeholder('float32', [2], 'f'), 0, 'g')).toThrowError(kiln.DTypeError);
      expect(() => kiln.gather(p, kiln.placeholder('float32', [2], 'f'), 0, 'g')).toThrowError(/^gather 'g(_\d+)?': indices must be int32, got float32/);
      expect(() => kiln.gather(p, [0], 2)).toThrowError(/axis 2 is out of range for rank 2/);
      expect(() => kiln.gather(kiln.constant(1), [0])).toThrowError(/params must have rank >= 1/);
    });
  });

  it('has a gradient w.r.t. params that accumulates repeated indices', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const p = kiln.placeholder('float32', [null, 2], 'p');
      const idx = kiln.constant(Int32Array.of(1, 0, 1, 1), { shape: [4] });
      const [dp] = kiln.gradients(kiln.gather(p, idx), [p], kiln.constant([[1, 2], [3, 4], [5, 6], [7, 8]]));
      expect(dp!.op.type).toBe('GatherGrad');
      expect(dp!.shape).toEqual([null, 2]);
      expectClose(values(dp!, new Map([[p, f64(randomData(6), [3, 2])]])), [3, 4, 13, 16, 0, 0]);
    });
    checkGradient((p, ix) => kiln.gather(p, ix), [f64(randomData(8), [4, 2]), i32([3, 0, 3], [3])]);
    checkGradient((p, ix) => kiln.gather(p, ix, 1), [f64(randomData(24, 2), [2, 3, 4]), i32([2, 2, 0, 1, 1, 1], [2, 3])]);
    checkGradient((p, ix) => kiln.gather(p, ix, -1), [f64(randomData(6, 3), [2, 3]), i32([1], [])]);
    // GatherGrad is linear in dy; its gradient is the gather
    checkGradient(
      (dy, p, ix) => kiln.gradients(kiln.gather(p, ix), [p], dy)[0]!,
      [f64(randomData(6, 4), [3, 2]), f64(randomData(8, 5), [4, 2]), i32([1, 1, 3], [3])],
      { wrt: [0] },
    );
  });
});
