import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, expectClose, f64, randomData, values } from '../helpers.js';

const { Graph, NDArray } = kiln;

function i32(data: number[], shape: number[]): kiln.NDArray {
  return new NDArray(Int32Array.from(data), shape, 'int32');
}

describe('add, sub, mul, div forward', () => {
  it('computes with broadcasting against hand values', () => {
    new Graph().asDefault(() => {
      const a = kiln.constant([[1, 2, 3], [4, 5, 6]]);
      const b = kiln.constant([10, 20, 30]);
      const c = kiln.constant([[2], [-4]]);
      expect(values(kiln.add(a, b))).toEqual([11, 22, 33, 14, 25, 36]);
      expect(values(kiln.sub(a, b))).toEqual([-9, -18, -27, -6, -15, -24]);
      expect(values(kiln.mul(a, c))).toEqual([2, 4, 6, -16, -20, -24]);
      expectClose(values(kiln.div(a, c)), [0.5, 1, 1.5, -1, -1.25, -1.5]);
      // [2,1] with [3] -> [2,3]
      expect(kiln.add(c, b).shape).toEqual([2, 3]);
      expect(values(kiln.add(c, b))).toEqual([12, 22, 32, 6, 16, 26]);
      // scalars and numbers
      expect(values(kiln.mul(2, kiln.constant(3)))).toEqual([6]);
      expect(values(kiln.sub(1, a))).toEqual([0, -1, -2, -3, -4, -5]);
    });
  });

  it('broadcasts [?,3] + [3] with the batch fed at run time', () => {
    const g = new Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const y = kiln.add(x, kiln.constant([1, 2, 3]));
      expect(y.shape).toEqual([null, 3]);
      const sess = new kiln.Session(g);
      expect(sess.run(y, { x: [[0, 0, 0], [10, 10, 10]] }).toArray()).toEqual([[1, 2, 3], [11, 12, 13]]);
      const big = sess.run(y, { x: [[1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]] });
      expect(big.shape).toEqual([4, 3]);
      expect(big.toArray()).toEqual([[2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7]]);
    });
  });

  it('reports a run-time broadcast mismatch of unknown dims with op, node and call site', () => {
    const g = new Graph();
    g.asDefault(() => {
      const a = kiln.placeholder('float32', [null, 2], 'a');
      const b = kiln.placeholder('float32', [null, 2], 'b');
      const y = kiln.add(a, b, 'ab');
      const sess = new kiln.Session(g);
      expect(() => sess.run(y, { a: [[1, 2], [3, 4]], b: [[1, 2], [3, 4], [5, 6]] })).toThrowError(
        /^add 'ab': shapes cannot broadcast: \[2,2\] and \[3,2\] \(created at test\/ops\/arith\.test\.ts:\d+\)$/,
      );
    });
  });

  it('follows IEEE for division by zero and NaN', () => {
    new Graph().asDefault(() => {
      const a = kiln.constant([1, -1, 0, NaN, Infinity]);
      expectClose(values(kiln.div(a, 0)), [Infinity, -Infinity, NaN, NaN, Infinity]);
      expectClose(values(kiln.add(a, Infinity)), [Infinity, Infinity, Infinity, NaN, Infinity]);
      expectClose(values(kiln.mul(a, 0)), [0, -0, 0, NaN, NaN]);
    });
  });

  it('wraps int32 add, sub and mul around like C', () => {
    new Graph().asDefault(() => {
      const max = kiln.constant([2147483647, -2147483648, 65536, 123456789], { dtype: 'int32' });
      const add = kiln.add(max, kiln.constant([1, -1, 65536, 987654321], { dtype: 'int32' }));
      expect(add.dtype).toBe('int32');
      const out = evalF64(add)[0]!;
      expect(out.data).toBeInstanceOf(Int32Array);
      expect(Array.from(out.data)).toEqual([-2147483648, 2147483647, 131072, 1111111110]);
      expect(values(kiln.sub(max, 1))).toEqual([2147483646, 2147483647, 65535, 123456788]);
      // 65536^2 = 2^32 wraps to 0; 123456789 * 987654321 = 121932631112635269, whose low 32 bits
      // (signed) are -67153019 — a float64 product would have lost those bits.
      const prod = kiln.mul(max, kiln.constant([2, 2, 65536, 987654321], { dtype: 'int32' }));
      expect(values(prod)).toEqual([-2, 0, 0, -67153019]);
      expect(values(kiln.mul(kiln.constant([-7], { dtype: 'int32' }), 3))).toEqual([-21]);
    });
  });

  it('keeps numbers in the dtype of the tensor operand', () => {
    new Graph().asDefault(() => {
      const i = kiln.constant([1, 2], { dtype: 'int32' });
      expect(kiln.add(i, 1).dtype).toBe('int32');
      expect(kiln.mul(3, i).dtype).toBe('int32');
      expect(kiln.add(kiln.constant([1.5]), 1).dtype).toBe('float32');
    });
  });

  it('rejects int32 and bool division, and bool arithmetic, with a DTypeError', () => {
    new Graph().asDefault(() => {
      const i = kiln.placeholder('int32', [2], 'i');
      let err: Error | undefined;
      try {
        kiln.div(i, i, 'idiv');
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(kiln.DTypeError);
      expect(err!.message).toMatch(/^div 'idiv': expected float32, got int32 \(created at test\/ops\/arith\.test\.ts:\d+\)$/);
      const b = kiln.constant([true, false]);
      expect(() => kiln.add(b, b)).toThrowError(/add 'Add': expected float32 or int32, got bool/);
    });
  });
});

describe('add, sub, mul, div gradients', () => {
  const shapes: [number[], number[]][] = [
    [[3], [3]],
    [[2, 3], [3]],
    [[2, 1], [1, 3]],
    [[], [2, 2]],
    [[2, 3, 4], [3, 1]],
  ];
  for (const [sa, sb] of shapes) {
    const na = sa.reduce((x, y) => x * y, 1);
    const nb = sb.reduce((x, y) => x * y, 1);
    const a = f64(randomData(na, 11), sa);
    const b = f64(randomData(nb, 23), sb);
    // away from zero so 1/b stays tame for div
    const bPos = f64(randomData(nb, 29, 0.5, 2), sb);
    const aPos = f64(randomData(na, 31, -2, -0.5), sa);
    it(`checks gradients for [${sa}] with [${sb}]`, () => {
      checkGradient((x, y) => kiln.add(x, y), [a, b]);
      checkGradient((x, y) => kiln.sub(x, y), [a, b]);
      checkGradient((x, y) => kiln.mul(x, y), [a, b]);
      checkGradient((x, y) => kiln.div(x, y), [a, bPos]);
      checkGradient((x, y) => kiln.div(y, x), [aPos, b]);
    });
  }

  it('sums broadcast gradients back to an unknown batch dim', () => {
    const g = new Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const bias = kiln.placeholder('float32', [3], 'bias');
      const y = kiln.mul(kiln.add(x, bias), 2);
      const [dx, db] = kiln.gradients(y, [x, bias]);
      expect(dx!.shape).toEqual([null, 3]);
      expect(db!.shape).toEqual([3]);
      const feeds = new Map([
        [x, f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [4, 3])],
        [bias, f64([0, 0, 0], [3])],
      ]);
      const [gx, gb] = evalF64([dx!, db!], feeds);
      expect(gx!.shape).toEqual([4, 3]);
      expect(Array.from(gx!.data)).toEqual(new Array(12).fill(2));
      expect(Array.from(gb!.data)).toEqual([8, 8, 8]);
    });
  });
});
