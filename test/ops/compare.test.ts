import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { evalF64, values } from '../helpers.js';

const { Graph } = kiln;

describe('comparisons', () => {
  it('compare float32 with broadcasting, NaN per IEEE, bool output', () => {
    new Graph().asDefault(() => {
      const a = kiln.constant([[1, 2, 3], [NaN, -0, Infinity]]);
      const b = kiln.constant([2, 2, 2]);
      const cases: [(x: kiln.Tensor, y: kiln.Tensor) => kiln.Tensor, number[]][] = [
        [kiln.equal, [0, 1, 0, 0, 0, 0]],
        [kiln.notEqual, [1, 0, 1, 1, 1, 1]],
        [kiln.less, [1, 0, 0, 0, 1, 0]],
        [kiln.lessEqual, [1, 1, 0, 0, 1, 0]],
        [kiln.greater, [0, 0, 1, 0, 0, 1]],
        [kiln.greaterEqual, [0, 1, 1, 0, 0, 1]],
      ];
      for (const [f, want] of cases) {
        const y = f(a, b);
        expect(y.dtype).toBe('bool');
        expect(y.shape).toEqual([2, 3]);
        const out = evalF64(y)[0]!;
        expect(out.data).toBeInstanceOf(Uint8Array);
        expect(Array.from(out.data), f.name).toEqual(want);
      }
      // NaN == NaN is false, NaN != NaN is true; -0 == 0
      const n = kiln.constant([NaN, -0]);
      expect(values(kiln.equal(n, kiln.constant([NaN, 0])))).toEqual([0, 1]);
      expect(values(kiln.notEqual(n, kiln.constant([NaN, 0])))).toEqual([1, 0]);
    });
  });

  it('compare int32 (numbers take the int32 dtype) and bool for equality', () => {
    new Graph().asDefault(() => {
      const i = kiln.constant([[-2147483648], [0], [5]], { dtype: 'int32' });
      const j = kiln.constant([0, 5], { dtype: 'int32' });
      expect(kiln.less(i, j).shape).toEqual([3, 2]);
      expect(values(kiln.less(i, j))).toEqual([1, 1, 0, 1, 0, 0]);
      expect(values(kiln.greaterEqual(i, 0))).toEqual([0, 1, 1]);
      const t = kiln.constant([true, false]);
      expect(values(kiln.equal(t, kiln.constant([true, true])))).toEqual([1, 0]);
      expect(values(kiln.notEqual(t, true))).toEqual([0, 1]);
    });
  });

  it('work with an unknown batch dim fed at run time', () => {
    const g = new Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2], 'x');
      const y = kiln.greater(x, kiln.constant([0, 1]));
      expect(y.shape).toEqual([null, 2]);
      const out = new kiln.Session(g).run(y, { x: [[1, 1], [-1, 2], [0, 0]] });
      expect(out.toArray()).toEqual([[true, false], [false, true], [false, false]]);
    });
  });

  it('have no gradient', () => {
    new Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [3], 'x');
      const mask = kiln.greater(x, 0, 'mask');
      // the path x -> Greater -> Cast -> y carries no gradient: x is unconnected
      const y = kiln.cast(mask, 'float32');
      expect(kiln.gradients(y, [x])).toEqual([undefined]);
      expect(kiln.getOpDef('Greater').gradient).toBeUndefined();
      expect(kiln.getOpDef('Equal').gradient).toBeUndefined();
    });
  });

  it('reject bool ordering and mixed dtypes with a DTypeError', () => {
    new Graph().asDefault(() => {
      const t = kiln.constant([true]);
      let err: Error | undefined;
      try {
        kiln.less(t, t, 'lt');
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(kiln.DTypeError);
      expect(err!.message).toMatch(/^less 'lt': expected float32 or int32, got bool \(created at test\/ops\/compare\.test\.ts:\d+\)$/);
      const f = kiln.placeholder('float32', [2], 'f');
      const i = kiln.placeholder('int32', [2], 'i');
      expect(() => kiln.equal(f, i)).toThrowError(/equal 'Equal': dtypes differ: a is float32, b is int32/);
      expect(() => kiln.greater(f, kiln.constant([1, 2, 3]))).toThrowError(kiln.ShapeError);
    });
  });
});

describe('logicalAnd, logicalOr, logicalNot', () => {
  it('compute truth tables with broadcasting', () => {
    new Graph().asDefault(() => {
      const a = kiln.constant([[true], [false]]);
      const b = kiln.constant([true, false]);
      expect(kiln.logicalAnd(a, b).shape).toEqual([2, 2]);
      expect(values(kiln.logicalAnd(a, b))).toEqual([1, 0, 0, 0]);
      expect(values(kiln.logicalOr(a, b))).toEqual([1, 1, 1, 0]);
      expect(values(kiln.logicalNot(b))).toEqual([0, 1]);
      expect(kiln.logicalNot(b).dtype).toBe('bool');
      expect(values(kiln.logicalAnd(b, true))).toEqual([1, 0]);
    });
  });

  it('reject non-bool inputs', () => {
    new Graph().asDefault(() => {
      const x = kiln.constant([1, 0]);
      expect(() => kiln.logicalAnd(x, x, 'and')).toThrowError(
        /^logicalAnd 'and': expected bool, got float32 \(created at test\/ops\/compare\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.logicalNot(x)).toThrowError(kiln.DTypeError);
    });
  });
});
