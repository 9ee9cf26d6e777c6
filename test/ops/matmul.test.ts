import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData, values } from '../helpers.js';

/** Independent naive batched matmul on explicit (already transposed) shapes, with broadcasting. */
function naive(a: Float64Array, aShape: number[], b: Float64Array, bShape: number[], ta: boolean, tb: boolean): number[] {
  const at = (x: Float64Array, shape: number[], bi: number[], r: number, c: number, t: boolean): number => {
    const rank = shape.length;
    const [R, C] = [shape[rank - 2]!, shape[rank - 1]!];
    const batch = shape.slice(0, -2);
    // right-aligned broadcast of the batch index
    let off = 0;
    for (let d = 0; d < batch.length; d++) {
      const idx = bi[bi.length - batch.length + d]!;
      off = off * batch[d]! + (batch[d] === 1 ? 0 : idx);
    }
    const [rr, cc] = t ? [c, r] : [r, c];
    return x[off * R * C + rr * C + cc]!;
  };
  const m = ta ? aShape.at(-1)! : aShape.at(-2)!;
  const k = ta ? aShape.at(-2)! : aShape.at(-1)!;
  const n = tb ? bShape.at(-2)! : bShape.at(-1)!;
  const ba = aShape.slice(0, -2);
  const bb = bShape.slice(0, -2);
  const nb = Math.max(ba.length, bb.length);
  const batch: number[] = [];
  for (let d = 0; d < nb; d++) {
    const x = ba[ba.length - nb + d] ?? 1;
    const y = bb[bb.length - nb + d] ?? 1;
    batch.push(Math.max(x, y));
  }
  const out: number[] = [];
  const total = batch.reduce((p, d) => p * d, 1);
  for (let t = 0; t < total; t++) {
    const bi: number[] = [];
    let rem = t;
    for (let d = nb - 1; d >= 0; d--) {
      bi.unshift(rem % batch[d]!);
      rem = Math.floor(rem / batch[d]!);
    }
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += at(a, aShape, bi, i, p, ta) * at(b, bShape, bi, p, j, tb);
        out.push(s);
      }
  }
  return out;
}

describe('matmul', () => {
  it('multiplies 2-D matrices (hand-computed)', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.constant([[1, 2, 3], [4, 5, 6]]);
      const b = kiln.constant([[7, 8], [9, 10], [11, 12]]);
      const y = kiln.matmul(a, b);
      expect(y.shape).toEqual([2, 2]);
      expect(y.op.type).toBe('MatMul');
      expect(y.op.def.kind).toBe('matmul');
      expectClose(values(y), [58, 64, 139, 154]);
    });
  });

  it('honours transposeA and transposeB as attrs on the op', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.constant([[1, 4], [2, 5], [3, 6]]); // [[1,2,3],[4,5,6]]ᵀ
      const b = kiln.constant([[7, 9, 11], [8, 10, 12]]); // [[7,8],[9,10],[11,12]]ᵀ
      const y = kiln.matmul(a, b, { transposeA: true, transposeB: true });
      expect(y.shape).toEqual([2, 2]);
      expect(y.op.attrs).toEqual({ transposeA: true, transposeB: true });
      expectClose(values(y), [58, 64, 139, 154]);
      expectClose(values(kiln.matmul(a, kiln.constant([[1], [1], [1]]), { transposeA: true })), [6, 15]);
      expectClose(values(kiln.matmul(kiln.constant([[1, 1, 1]]), b, { transposeB: true })), [27, 30]);
    });
  });

  it('broadcasts batch dims against a naive loop, every transpose combination', () => {
    const cases: [number[], number[]][] = [
      [[2, 3, 4], [2, 4, 5]],
      [[3, 4], [2, 4, 2]],
      [[2, 1, 2, 3], [3, 3, 2]],
      [[1, 2, 3], [2, 3, 4]],
    ];
    for (const [as, bs] of cases) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const aShape = ta ? [...as.slice(0, -2), as.at(-1)!, as.at(-2)!] : as;
          const bShape = tb ? [...bs.slice(0, -2), bs.at(-1)!, bs.at(-2)!] : bs;
          const ad = randomData(aShape.reduce((p, d) => p * d, 1), 3);
          const bd = randomData(bShape.reduce((p, d) => p * d, 1), 4);
          const g = new kiln.Graph();
          g.asDefault(() => {
            const a = kiln.placeholder('float32', aShape, 'a');
            const b = kiln.placeholder('float32', bShape, 'b');
            const y = kiln.matmul(a, b, { transposeA: ta, transposeB: tb });
            const got = values(y, new Map([[a, f64(ad, aShape)], [b, f64(bd, bShape)]]));
            expectClose(got, naive(ad, aShape, bd, bShape, ta, tb), 1e-12);
          });
        }
      }
    }
  });

  it('infers shapes with unknown dims', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 784], 'x');
      const w = kiln.placeholder('float32', [784, 32], 'w');
      expect(kiln.matmul(x, w).shape).toEqual([null, 32]);
      const q = kiln.placeholder('float32', [null, 4, 5, 8], 'q');
      const k = kiln.placeholder('float32', [null, 4, 7, 8], 'k');
      expect(kiln.matmul(q, k, { transposeB: true }).shape).toEqual([null, 4, 5, 7]);
      const h = kiln.placeholder('float32', [3, null, 2], 'h');
      expect(kiln.matmul(h, kiln.placeholder('float32', [2, 6], 'm')).shape).toEqual([3, null, 6]);
    });
  });

  it('reports mismatched inner dims with shapes and call site', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.placeholder('float32', [32, 784], 'a');
      const b = kiln.placeholder('float32', [785, 32], 'b');
      let err: Error | undefined;
      try {
        kiln.matmul(a, b, { name: 'dense_1/MatMul' });
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(kiln.ShapeError);
      expect(err!.message).toMatch(
        /^matmul 'dense_1\/MatMul': inner dimensions differ: a is \[32,784\], b is \[785,32\] \(created at test\/ops\/matmul\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.matmul(a, kiln.placeholder('float32', [32, 5], 'c'), { transposeB: true })).toThrowError(
        /inner dimensions differ: a is \[32,784\], b is \[32,5\] \(transposeA=false, transposeB=true\)/,
      );
    });
  });

  it('rejects rank < 2, non-float dtypes and unbroadcastable batches', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const v = kiln.placeholder('float32', [3], 'v');
      const m = kiln.placeholder('float32', [3, 3], 'm');
      expect(() => kiln.matmul(v, m)).toThrowError(/matmul 'MatMul': inputs must have rank >= 2, got a \[3\] \(rank 1\) and b \[3,3\] \(rank 2\)/);
      const i = kiln.placeholder('int32', [3, 3], 'i');
      expect(() => kiln.matmul(i, m)).toThrowError(kiln.DTypeError);
      expect(() => kiln.matmul(i, m)).toThrowError(/expected float32 inputs, got a int32 and b float32/);
      const p = kiln.placeholder('float32', [2, 3, 3], 'p');
      const q = kiln.placeholder('float32', [4, 3, 3], 'q');
      expect(() => kiln.matmul(p, q)).toThrowError(/batch dimensions cannot broadcast: a is \[2,3,3\], b is \[4,3,3\]/);
    });
  });

  it('rejects a run-time inner-dim mismatch hidden by unknown dims', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.placeholder('float32', [2, null], 'a');
      const b = kiln.placeholder('float32', [3, 2], 'b');
      const y = kiln.matmul(a, b);
      expect(() => values(y, new Map([[a, f64([1, 2, 3, 4], [2, 2])], [b, f64(randomData(6), [3, 2])]]))).toThrowError(
        /matmul 'MatMul': inner dimensions differ: a is \[2,2\], b is \[3,2\]/,
      );
    });
  });

  it('has gradients for every transpose combination (2-D)', () => {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = f64(randomData(6, 1), ta ? [3, 2] : [2, 3]);
        const b = f64(randomData(12, 2), tb ? [4, 3] : [3, 4]);
        checkGradient((x, y) => kiln.matmul(x, y, { transposeA: ta, transposeB: tb }), [a, b]);
      }
    }
  });

  it('has gradients through broadcast batch dims, every transpose combination', () => {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = f64(randomData(12, 5), ta ? [2, 1, 3, 2] : [2, 1, 2, 3]);
        const b = f64(randomData(36, 6), tb ? [3, 4, 3] : [3, 3, 4]);
        checkGradient((x, y) => kiln.matmul(x, y, { transposeA: ta, transposeB: tb }), [a, b]);
        const c = f64(randomData(6, 7), ta ? [3, 2] : [2, 3]);
        checkGradient((x, y) => kiln.matmul(x, y, { transposeA: ta, transposeB: tb }), [c, b]);
      }
    }
  });

  it('expresses the gradient with transpose flags, not transposes, and works with an unknown batch', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const w = kiln.placeholder('float32', [3, 2], 'w');
      const y = kiln.matmul(x, w);
      const [dx, dw] = kiln.gradients(y, [x, w]);
      expect(dx!.op.type).toBe('MatMul');
      expect(dx!.op.attrs).toEqual({ transposeA: false, transposeB: true });
      expect(dx!.shape).toEqual([null, 3]);
      expect(dw!.op.type).toBe('MatMul');
      expect(dw!.op.attrs).toEqual({ transposeA: true, transposeB: false });
      expect(dw!.shape).toEqual([3, 2]);
      const xv = f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [4, 3]);
      const wv = f64([1, -1, 2, 0, 0.5, 3], [3, 2]);
      const feeds = new Map([[x, xv], [w, wv]]);
      // dy = ones: dx[i,:] = row sums of w; dw[p,:] = column sums of x (same for each output col)
      expectClose(values(dx!, feeds), [0, 2, 3.5, 0, 2, 3.5, 0, 2, 3.5, 0, 2, 3.5]);
      expectClose(values(dw!, feeds), [22, 22, 26, 26, 30, 30]);

      // batched with an unknown batch broadcast against a shared matrix: db is summed back
      const q = kiln.placeholder('float32', [null, 2, 3], 'q');
      const m = kiln.placeholder('float32', [3, 2], 'm');
      const [, dm] = kiln.gradients(kiln.matmul(q, m), [q, m]);
      expect(dm!.shape).toEqual([3, 2]);
      const qv = f64(randomData(12, 9), [2, 2, 3]);
      const got = values(dm!, new Map([[q, qv], [m, f64(randomData(6, 8), [3, 2])]]));
      const want: number[] = [];
      for (let p = 0; p < 3; p++) {
        let s = 0;
        for (let t = 0; t < 4; t++) s += qv.data[t * 3 + p]!;
        want.push(s, s);
      }
      expectClose(got, want, 1e-12);
    });
  });
});
