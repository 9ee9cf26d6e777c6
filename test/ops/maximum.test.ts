import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, expectClose, f64, randomData, values } from '../helpers.js';

const { Graph } = kiln;

describe('maximum, minimum forward', () => {
  it('computes with broadcasting, numbers and NaN', () => {
    new Graph().asDefault(() => {
      const a = kiln.constant([[-1, 2, 3], [4, -5, NaN]]);
      const b = kiln.constant([0, 2.5, -Infinity]);
      expect(kiln.maximum(a, b).shape).toEqual([2, 3]);
      expectClose(values(kiln.maximum(a, b)), [0, 2.5, 3, 4, 2.5, NaN]);
      expectClose(values(kiln.minimum(a, b)), [-1, 2, -Infinity, 0, -5, NaN]);
      expectClose(values(kiln.maximum(a, 0)), [0, 2, 3, 4, 0, NaN]);
      expectClose(values(kiln.minimum(6, a)), [-1, 2, 3, 4, -5, NaN]);
    });
  });

  it('works on int32', () => {
    new Graph().asDefault(() => {
      const i = kiln.constant([-2147483648, 3, 7], { dtype: 'int32' });
      const y = kiln.maximum(i, 3);
      expect(y.dtype).toBe('int32');
      expect(evalF64(y)[0]!.data).toBeInstanceOf(Int32Array);
      expect(values(y)).toEqual([3, 3, 7]);
      expect(values(kiln.minimum(i, 3))).toEqual([-2147483648, 3, 3]);
    });
  });

  it('rejects bool with a DTypeError naming the call site', () => {
    new Graph().asDefault(() => {
      const t = kiln.constant([true]);
      expect(() => kiln.maximum(t, t, 'mx')).toThrowError(
        /^maximum 'mx': expected float32 or int32, got bool \(created at test\/ops\/maximum\.test\.ts:\d+\)$/,
      );
    });
  });
});

describe('maximum, minimum gradients', () => {
  const shapes: [number[], number[]][] = [
    [[5], [5]],
    [[2, 3], [3]],
    [[2, 1], [1, 3]],
    [[], [2, 2]],
  ];
  for (const [sa, sb] of shapes) {
    it(`checks gradients for [${sa}] with [${sb}]`, () => {
      const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const a = f64(randomData(n(sa), 3), sa);
      const b = f64(randomData(n(sb), 17), sb);
      checkGradient((x, y) => kiln.maximum(x, y), [a, b]);
      checkGradient((x, y) => kiln.minimum(x, y), [a, b]);
    });
  }

  it('gives the whole gradient of a tie to the first input (TF convention)', () => {
    new Graph().asDefault(() => {
      const a = kiln.placeholder('float32', [3], 'a');
      const b = kiln.placeholder('float32', [3], 'b');
      const feeds = new Map([
        [a, f64([1, 2, 3], [3])],
        [b, f64([1, 5, 0], [3])],
      ]);
      const seed = kiln.constant([10, 20, 30]);
      const [maxA, maxB] = kiln.gradients(kiln.maximum(a, b), [a, b], seed);
      const [minA, minB] = kiln.gradients(kiln.minimum(a, b), [a, b], seed);
      const [ma, mb, na, nb] = evalF64([maxA!, maxB!, minA!, minB!], feeds);
      // element 0 is a tie: all to a for both ops
      expect(Array.from(ma!.data)).toEqual([10, 0, 30]);
      expect(Array.from(mb!.data)).toEqual([0, 20, 0]);
      expect(Array.from(na!.data)).toEqual([10, 20, 0]);
      expect(Array.from(nb!.data)).toEqual([0, 0, 30]);
    });
  });

  it('sums a broadcast tie gradient back to the scalar and unknown batch', () => {
    new Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2], 'x');
      const t = kiln.placeholder('float32', [], 't');
      const [dx, dt] = kiln.gradients(kiln.maximum(x, t), [x, t]);
      expect(dx!.shape).toEqual([null, 2]);
      const feeds = new Map([
        [x, f64([0, 1, -1, 0, 2, 0], [3, 2])],
        [t, f64([0], [])],
      ]);
      const [gx, gt] = evalF64([dx!, dt!], feeds);
      // ties (x == 0) go to x
      expect(Array.from(gx!.data)).toEqual([1, 1, 0, 1, 1, 1]);
      expect(Array.from(gt!.data)).toEqual([1]);
    });
  });
});
