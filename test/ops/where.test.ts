import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, f64, randomData, values } from '../helpers.js';

const { Graph, NDArray } = kiln;

function bools(data: number[], shape: number[]): kiln.NDArray {
  return new NDArray(Uint8Array.from(data), shape, 'bool');
}

describe('where', () => {
  it('selects with all three inputs broadcast together', () => {
    new Graph().asDefault(() => {
      const c = kiln.constant([[true], [false]]); // [2,1]
      const a = kiln.constant([1, 2, 3]); // [3]
      const b = kiln.constant([[10, 20, 30], [40, 50, 60]]); // [2,3]
      const y = kiln.where(c, a, b);
      expect(y.shape).toEqual([2, 3]);
      expect(y.dtype).toBe('float32');
      expect(values(y)).toEqual([1, 2, 3, 40, 50, 60]);
      // condition [3] broadcast over rows, scalar b
      const c2 = kiln.constant([true, false, true]);
      expect(values(kiln.where(c2, b, -1))).toEqual([10, -1, 30, 40, -1, 60]);
      // NaN/Inf pass through unchanged from the chosen side only
      expect(values(kiln.where(c2, kiln.constant([NaN, NaN, Infinity]), 0))).toEqual([NaN, 0, Infinity]);
    });
  });

  it('converts numbers to the dtype of the other value, and plain conditions to bool', () => {
    new Graph().asDefault(() => {
      const i = kiln.constant([5, 6], { dtype: 'int32' });
      const y = kiln.where(kiln.constant([false, true]), 0, i);
      expect(y.dtype).toBe('int32');
      expect(evalF64(y)[0]!.data).toBeInstanceOf(Int32Array);
      expect(values(y)).toEqual([5, 0]);
      const x = kiln.constant([1, -2, 3]);
      expect(values(kiln.where(kiln.greater(x, 0), x, 0))).toEqual([1, 0, 3]);
      expect(values(kiln.where([true, false, true], x, 7))).toEqual([1, 7, 3]);
      expect(kiln.where(kiln.constant(true), 1, 2).dtype).toBe('float32');
    });
  });

  it('infers unknown dims and checks them at run time', () => {
    const g = new Graph();
    g.asDefault(() => {
      const c = kiln.placeholder('bool', [null, 1], 'c');
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const y = kiln.where(c, x, 0, 'sel');
      expect(y.shape).toEqual([null, 3]);
      const sess = new kiln.Session(g);
      const out = sess.run(y, { c: [[true], [false]], x: [[1, 2, 3], [4, 5, 6]] });
      expect(out.toArray()).toEqual([[1, 2, 3], [0, 0, 0]]);
      expect(() => sess.run(y, { c: [[true], [false], [true]], x: [[1, 2, 3], [4, 5, 6]] })).toThrowError(
        /^where 'sel': shapes cannot broadcast: condition \[3,1\], a \[2,3\], b \[\] \(created at test\/ops\/where\.test\.ts:\d+\)$/,
      );
    });
  });

  it('rejects a non-bool condition and mixed value dtypes', () => {
    new Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [2], 'x');
      let err: Error | undefined;
      try {
        kiln.where(x, x, x, 'w');
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(kiln.DTypeError);
      expect(err!.message).toMatch(/^where 'w': condition must be bool, got float32 \(created at test\/ops\/where\.test\.ts:\d+\)$/);
      const i = kiln.placeholder('int32', [2], 'i');
      const c = kiln.placeholder('bool', [2], 'c');
      expect(() => kiln.where(c, x, i)).toThrowError(/dtypes differ: a is float32, b is int32/);
      expect(() => kiln.where(c, x, kiln.constant([1, 2, 3]))).toThrowError(
        /shapes cannot broadcast: condition \[2\], a \[2\], b \[3\]/,
      );
    });
  });

  it('sends dy to a where the condition holds and to b elsewhere, summed to each shape', () => {
    new Graph().asDefault(() => {
      const c = kiln.constant([[true, false, true], [false, false, true]]);
      const a = kiln.placeholder('float32', [3], 'a');
      const b = kiln.placeholder('float32', [2, 1], 'b');
      const y = kiln.where(c, a, b);
      const seed = kiln.constant([[1, 2, 3], [4, 5, 6]]);
      const [da, db] = kiln.gradients(y, [a, b], seed);
      const [ga, gb] = evalF64([da!, db!], new Map([[a, f64([0, 0, 0], [3])], [b, f64([0, 0], [2, 1])]]));
      expect(Array.from(ga!.data)).toEqual([1, 0, 9]);
      expect(Array.from(gb!.data)).toEqual([2, 9]);
      expect(gb!.shape).toEqual([2, 1]);
    });
  });

  it('checks gradients on several broadcast shapes', () => {
    const cases: [number[], number[], number[]][] = [
      [[4], [4], [4]],
      [[2, 3], [3], [2, 1]],
      [[3, 1], [1, 4], []],
      [[2, 3, 2], [2, 3, 2], [3, 2]],
    ];
    for (const [sc, sa, sb] of cases) {
      const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const cond = bools(Array.from(randomData(n(sc), 5), (v) => +(v > 0)), sc);
      const a = f64(randomData(n(sa), 9), sa);
      const b = f64(randomData(n(sb), 13), sb);
      checkGradient((cc, x, y) => kiln.where(cc, kiln.mul(x, x), kiln.mul(y, 3)), [cond, a, b]);
    }
  });
});
