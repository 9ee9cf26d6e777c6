import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData, values } from '../helpers.js';

/**
 * Independent naive NHWC/HWIO cross-correlation with explicit output size and padding before
 * (computed by hand per case in the tests, not by kiln's geometry code).
 */
function naiveConv(
  x: Float64Array, [n, h, w, c]: number[], f: Float64Array, [kh, kw, , o]: number[],
  { oh, ow, pt, pl, s = [1, 1], d = [1, 1] }: { oh: number; ow: number; pt: number; pl: number; s?: number[]; d?: number[] },
): number[] {
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let co = 0; co < o; co++) {
          let acc = 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++)
              for (let ci = 0; ci < c; ci++) {
                const iy = y * s[0]! - pt + i * d[0]!;
                const ix = xx * s[1]! - pl + j * d[1]!;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue; // zero padding
                acc += x[((b * h + iy) * w + ix) * c + ci]! * f[((i * kw + j) * c + ci) * o + co]!;
              }
          out.push(acc);
        }
  return out;
}

function prod(s: number[]): number {
  return s.reduce((p, d) => p * d, 1);
}

interface Case {
  what: string;
  x: number[];
  f: number[];
  opts: kiln.Conv2DOptions;
  /** Hand-computed output size and padding before. */
  oh: number;
  ow: number;
  pt: number;
  pl: number;
}

const cases: Case[] = [
  { what: 'valid, stride 1, inC 3, outC 4', x: [2, 5, 5, 3], f: [3, 3, 3, 4], opts: {}, oh: 3, ow: 3, pt: 0, pl: 0 },
  { what: "'same', stride 1 (pad 1/1)", x: [2, 5, 5, 3], f: [3, 3, 3, 2], opts: { padding: 'same' }, oh: 5, ow: 5, pt: 1, pl: 1 },
  { what: 'valid, stride 2, non-square kernel', x: [1, 7, 6, 2], f: [3, 2, 2, 3], opts: { strides: 2 }, oh: 3, ow: 3, pt: 0, pl: 0 },
  // in 4, k 3, stride 2: out 2, total pad (2-1)*2+3-4 = 1 -> 0 before, 1 after
  { what: "'same', stride 2, uneven padding", x: [1, 4, 4, 2], f: [3, 3, 2, 2], opts: { strides: 2, padding: 'same' }, oh: 2, ow: 2, pt: 0, pl: 0 },
  // eff 5: out 7-5+1 = 3
  { what: 'valid, dilation 2', x: [1, 7, 7, 2], f: [3, 3, 2, 2], opts: { dilations: 2 }, oh: 3, ow: 3, pt: 0, pl: 0 },
  // h: eff 3, total 5+3-6 = 2 -> 1; w: eff 5, total 4+5-5 = 4 -> 2
  { what: "'same', dilation 2, non-square", x: [1, 6, 5, 1], f: [2, 3, 1, 2], opts: { dilations: 2, padding: 'same' }, oh: 6, ow: 5, pt: 1, pl: 2 },
  // h: out 3, total 2*2+3-5 = 2 -> 1; w: out 4, total 3+3-4 = 2 -> 1
  { what: "'same', strides [2,1]", x: [1, 5, 4, 2], f: [3, 3, 2, 2], opts: { strides: [2, 1], padding: 'same' }, oh: 3, ow: 4, pt: 1, pl: 1 },
  // h: out ceil(6/2) = 3, total 4+2-6 = 0
  { what: "'same', stride 2, even kernel (no pad)", x: [1, 6, 6, 1], f: [2, 2, 1, 1], opts: { strides: 2, padding: 'same' }, oh: 3, ow: 3, pt: 0, pl: 0 },
];

describe('conv2d', () => {
  it('matches hand-computed values with uneven TF same padding (0 before, 1 after)', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.constant(Array.from({ length: 16 }, (_, i) => i + 1), { shape: [1, 4, 4, 1] });
      const f = kiln.constant(new Array(9).fill(1), { shape: [3, 3, 1, 1] });
      const y = kiln.conv2d(x, f, { strides: 2, padding: 'same' });
      expect(y.shape).toEqual([1, 2, 2, 1]);
      // windows: rows/cols {0,1,2} and {2,3,(pad)}; padding 1 before would give 14 at [0,0]
      expectClose(values(y), [54, 45, 72, 54]);
      expect(y.op.type).toBe('Conv2D');
      expect(y.op.def.kind).toBe('conv');
      expect(y.op.attrs).toEqual({ strides: [2, 2], dilations: [1, 1], padding: 'same' });
    });
  });

  it('defaults to valid padding, stride 1, dilation 1 (TF)', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.constant([[[[1], [2], [3]], [[4], [5], [6]]]]); // [1,2,3,1]
      const f = kiln.constant([[[[1]], [[-1]]]]); // [1,2,1,1]
      const y = kiln.conv2d(x, f);
      expect(y.shape).toEqual([1, 2, 2, 1]);
      expectClose(values(y), [-1, -1, -1, -1]);
    });
  });

  for (const c of cases) {
    it(`matches a naive loop: ${c.what}`, () => {
      const xd = randomData(prod(c.x), 11);
      const fd = randomData(prod(c.f), 12);
      const g = new kiln.Graph();
      g.asDefault(() => {
        const x = kiln.placeholder('float32', c.x, 'x');
        const f = kiln.placeholder('float32', c.f, 'f');
        const y = kiln.conv2d(x, f, c.opts);
        expect(y.shape).toEqual([c.x[0], c.oh, c.ow, c.f[3]]);
        const s = typeof c.opts.strides === 'number' ? [c.opts.strides, c.opts.strides] : c.opts.strides ?? [1, 1];
        const d = typeof c.opts.dilations === 'number' ? [c.opts.dilations, c.opts.dilations] : c.opts.dilations ?? [1, 1];
        const want = naiveConv(xd, c.x, fd, c.f, { oh: c.oh, ow: c.ow, pt: c.pt, pl: c.pl, s: [...s], d: [...d] });
        expectClose(values(y, new Map([[x, f64(xd, c.x)], [f, f64(fd, c.f)]])), want, 1e-12);
      });
    });
  }

  it('has gradients w.r.t. x and filter for every case above', () => {
    for (const c of cases) {
      const x = f64(randomData(prod(c.x), 21), c.x);
      const f = f64(randomData(prod(c.f), 22), c.f);
      checkGradient((a, b) => kiln.conv2d(a, b, c.opts), [x, f]);
    }
  });

  it('computes gradients with an unknown batch through the primitive backprop ops', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 4, 4, 2], 'x');
      const f = kiln.placeholder('float32', [3, 3, 2, 3], 'f');
      const y = kiln.conv2d(x, f, { strides: 2, padding: 'same' });
      expect(y.shape).toEqual([null, 2, 2, 3]);
      const any = kiln.placeholder('float32', [null, null, 7, 2], 'any');
      expect(kiln.conv2d(any, f, { dilations: 2 }).shape).toEqual([null, null, 3, 3]);
      const [dx, df] = kiln.gradients(y, [x, f]);
      expect(dx!.op.type).toBe('Conv2DBackpropInput');
      expect(dx!.op.inputs[0]).toBe(x); // shape-only `like` input
      expect(dx!.shape).toEqual([null, 4, 4, 2]);
      expect(df!.op.type).toBe('Conv2DBackpropFilter');
      expect(df!.shape).toEqual([3, 3, 2, 3]);
      const xv = f64(randomData(3 * 32, 5), [3, 4, 4, 2]);
      const fv = f64(randomData(54, 6), [3, 3, 2, 3]);
      const [dxv, dfv] = [values(dx!, new Map([[x, xv], [f, fv]])), values(df!, new Map([[x, xv], [f, fv]]))];
      expect(dxv.length).toBe(96);
      // dy = ones: df[i,j,ci,co] = sum over windows of x at tap (i,j) (pad 0 before, 1 after)
      const want: number[] = [];
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++)
          for (let ci = 0; ci < 2; ci++) {
            let s = 0;
            for (let b = 0; b < 3; b++)
              for (let oy = 0; oy < 2; oy++)
                for (let ox = 0; ox < 2; ox++) {
                  const iy = oy * 2 + i;
                  const ix = ox * 2 + j;
                  if (iy < 4 && ix < 4) s += xv.data[((b * 4 + iy) * 4 + ix) * 2 + ci]!;
                }
            want.push(s, s, s);
          }
      expectClose(dfv, want, 1e-12);
    });
  });

  it('has second-order gradients through the backprop ops', () => {
    const opts = { strides: [2, 1] as [number, number], padding: 'same' as const, dilations: 1 };
    const attrs = { strides: [2, 1] as const, dilations: [1, 1] as const, padding: 'same' as const };
    const x = f64(randomData(50, 31), [1, 5, 5, 2]);
    const f = f64(randomData(36, 32), [3, 3, 2, 2]);
    const dy = f64(randomData(30, 33), [1, 3, 5, 2]);
    checkGradient((a, b, c) => kiln.conv2dBackpropInput(a, b, c, attrs), [x, f, dy], { wrt: [1, 2] });
    checkGradient((a, b, c) => kiln.conv2dBackpropFilter(a, b, c, attrs), [x, f, dy], { wrt: [0, 2] });
    // d/dx of sum(w * d/dx sum(conv2d(x, f)^2)): a true second derivative through the ops
    checkGradient((a, b) => {
      const y = kiln.conv2d(a, b, opts);
      const [dx] = kiln.gradients(kiln.mul(y, y), [a]);
      return dx!;
    }, [x, f]);
  });

  it('reports mismatched channels with shapes and call site', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 5, 5, 3], 'x');
      const f = kiln.placeholder('float32', [3, 3, 2, 8], 'f');
      let err: Error | undefined;
      try {
        kiln.conv2d(x, f, { name: 'conv1' });
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(kiln.ShapeError);
      expect(err!.message).toMatch(
        /^conv2d 'conv1': input channels differ: x is \[\?,5,5,3\] \(3 channels\), filter is \[3,3,2,8\] \(expects 2\) \(created at test\/ops\/conv2d\.test\.ts:\d+\)$/,
      );
    });
  });

  it('rejects bad ranks, attrs, dtypes and windows larger than a valid input', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [5, 5, 3], 'x');
      const x4 = kiln.placeholder('float32', [1, 2, 2, 1], 'x4');
      const f = kiln.placeholder('float32', [3, 3, 1, 1], 'f');
      expect(() => kiln.conv2d(x, f)).toThrowError(
        /conv2d 'Conv2D': x must be rank 4 \[batch, height, width, channels\] \(NHWC\), got rank 3 \[5,5,3\]/,
      );
      expect(() => kiln.conv2d(x4, kiln.placeholder('float32', [3, 3, 1], 'f3'))).toThrowError(
        /filter must be rank 4 \[filterHeight, filterWidth, inChannels, outChannels\] \(HWIO\), got rank 3 \[3,3,1\]/,
      );
      expect(() => kiln.conv2d(x4, f)).toThrowError(/input \[1,2,2,1\] is smaller than the window 3x3 with 'valid' padding/);
      expect(kiln.conv2d(x4, f, { padding: 'same' }).shape).toEqual([1, 2, 2, 1]);
      expect(() => kiln.conv2d(x4, f, { strides: 0, padding: 'same' })).toThrowError(kiln.InvalidArgumentError);
      expect(() => kiln.conv2d(x4, f, { strides: 0, padding: 'same' })).toThrowError(/strides must be a positive integer or a pair of them, got \[0,0\]/);
      expect(() => kiln.conv2d(x4, f, { dilations: [1, 1.5] as unknown as [number, number], padding: 'same' })).toThrowError(/dilations must be/);
      expect(() => kiln.conv2d(x4, f, { padding: 'SAME' as 'same' })).toThrowError(/padding must be 'same' or 'valid', got "SAME"/);
      const fi = kiln.placeholder('int32', [1, 1, 1, 1], 'fi');
      expect(() => kiln.conv2d(x4, fi)).toThrowError(kiln.DTypeError);
    });
  });
});
