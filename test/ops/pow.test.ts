import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, expectClose, f64, randomData, values } from '../helpers.js';

const { Graph } = kiln;

describe('pow forward', () => {
  it('computes with broadcasting and numbers', () => {
    new Graph().asDefault(() => {
      const a = kiln.constant([[1, 2, 3], [4, 0.5, 9]]);
      const y = kiln.pow(a, kiln.constant([[2], [0.5]]));
      expect(y.shape).toEqual([2, 3]);
      expectClose(values(y), [1, 4, 9, 2, Math.SQRT1_2, 3]);
      expectClose(values(kiln.pow(a, 2)), [1, 4, 9, 16, 0.25, 81]);
      expectClose(values(kiln.pow(2, kiln.constant([-1, 0, 10]))), [0.5, 1, 1024]);
    });
  });

  it("follows C's pow on the edge cases", () => {
    new Graph().asDefault(() => {
      const a = kiln.constant([-8, -2, 0, 0, -0, NaN, 1, 1, -1, Infinity, -Infinity]);
      const b = kiln.constant([1 / 3, 3, -1, 0, -1, 0, NaN, Infinity, -Infinity, -2, 3]);
      // negative base with non-integer exponent: NaN; 0^-1: +Inf; -0^-1: -Inf; x^0 = 1 (NaN
      // included); 1^y = 1 (NaN included); (-1)^±Inf = 1; Inf^-2 = 0; (-Inf)^3 = -Inf
      expectClose(values(kiln.pow(a, b)), [NaN, -8, Infinity, 1, -Infinity, 1, 1, 1, 1, 0, -Infinity]);
    });
  });

  it('rejects int32 with a DTypeError naming the call site', () => {
    new Graph().asDefault(() => {
      const i = kiln.constant([2], { dtype: 'int32' });
      expect(() => kiln.pow(i, 2, 'p')).toThrowError(/^pow 'p': expected float32, got int32 \(created at test\/ops\/pow\.test\.ts:\d+\)$/);
    });
  });
});

describe('pow gradient', () => {
  const shapes: [number[], number[]][] = [
    [[4], [4]],
    [[2, 3], [3]],
    [[2, 1], [1, 3]],
    [[3], []],
  ];
  for (const [sa, sb] of shapes) {
    it(`checks gradients for positive bases, [${sa}] with [${sb}]`, () => {
      const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const a = f64(randomData(n(sa), 8, 0.3, 2), sa);
      const b = f64(randomData(n(sb), 19, -2, 3), sb);
      checkGradient((x, y) => kiln.pow(x, y), [a, b]);
    });
  }

  it('checks the base gradient for negative bases with integer exponents', () => {
    const a = f64([-1.5, -0.7, 0.4, -2.2], [4]);
    checkGradient((x) => kiln.pow(x, 3), [a]);
    checkGradient((x) => kiln.pow(x, kiln.constant([2, 3, 4, -1])), [a]);
  });

  it('gives d/db = dy * y * log(a) for a > 0 and exactly 0 for a <= 0 (TF convention)', () => {
    new Graph().asDefault(() => {
      const a = kiln.placeholder('float32', [5], 'a');
      const b = kiln.placeholder('float32', [5], 'b');
      const [da, db] = kiln.gradients(kiln.pow(a, b), [a, b]);
      const feeds = new Map([
        [a, f64([2, -2, 0, -0.5, Math.E], [5])],
        [b, f64([3, 2, 2, 3, 1], [5])],
      ]);
      const [ga, gb] = evalF64([da!, db!], feeds);
      // d/db: 8 ln 2 for a = 2; 0 (not NaN) for a = -2, 0, -0.5; e * 1 for a = e
      expectClose(gb!.data, [8 * Math.LN2, 0, 0, 0, Math.E]);
      expect(Array.from(gb!.data).every(Number.isFinite)).toBe(true);
      // d/da = b a^(b-1)
      expectClose(ga!.data, [12, -4, 0, 0.75, 1]);
    });
  });

  it('sums the exponent gradient back to a scalar and an unknown batch dim', () => {
    new Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2], 'x');
      const p = kiln.placeholder('float32', [], 'p');
      const [dx, dp] = kiln.gradients(kiln.pow(x, p), [x, p]);
      expect(dx!.shape).toEqual([null, 2]);
      expect(dp!.shape).toEqual([]);
      const [gx, gp] = evalF64([dx!, dp!], new Map([[x, f64([1, 2, 4, -1], [2, 2])], [p, f64([2], [])]]));
      expectClose(gx!.data, [2, 4, 8, -2]);
      expectClose(gp!.data, [4 * Math.LN2 + 16 * Math.log(4)]);
    });
  });
});
