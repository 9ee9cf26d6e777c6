import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData, values } from '../helpers.js';

/** Independent naive NHWC pool with explicit output size and padding before (hand-computed per case). */
function naivePool(
  x: Float64Array, [n, h, w, c]: number[], kind: 'max' | 'avg',
  { k, s, oh, ow, pt, pl }: { k: number[]; s: number[]; oh: number; ow: number; pt: number; pl: number },
): number[] {
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let ch = 0; ch < c; ch++) {
          const vals: number[] = [];
          for (let i = 0; i < k[0]!; i++)
            for (let j = 0; j < k[1]!; j++) {
              const iy = y * s[0]! - pt + i;
              const ix = xx * s[1]! - pl + j;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) vals.push(x[((b * h + iy) * w + ix) * c + ch]!);
            }
          out.push(kind === 'max' ? Math.max(...vals) : vals.reduce((p, v) => p + v, 0) / vals.length);
        }
  return out;
}

const prod = (s: number[]) => s.reduce((p, d) => p * d, 1);

interface Case {
  what: string;
  x: number[];
  opts: kiln.PoolOptions;
  k: number[];
  s: number[];
  oh: number;
  ow: number;
  pt: number;
  pl: number;
}

const cases: Case[] = [
  { what: 'valid 2x2 (strides default to poolSize)', x: [2, 4, 6, 3], opts: { poolSize: 2 }, k: [2, 2], s: [2, 2], oh: 2, ow: 3, pt: 0, pl: 0 },
  { what: 'valid 3x3 stride 2, overlapping', x: [1, 7, 5, 2], opts: { poolSize: 3, strides: 2 }, k: [3, 3], s: [2, 2], oh: 3, ow: 2, pt: 0, pl: 0 },
  // in 5, k 3, s 1: total 2 -> 1 before
  { what: "'same' 3x3 stride 1", x: [1, 5, 5, 2], opts: { poolSize: 3, strides: 1, padding: 'same' }, k: [3, 3], s: [1, 1], oh: 5, ow: 5, pt: 1, pl: 1 },
  // in 4, k 3, s 2: out 2, total 1 -> 0 before, 1 after; in 5, k 2, s 2: out 3, total 1 -> 0 before
  { what: "'same' uneven padding", x: [1, 4, 5, 1], opts: { poolSize: [3, 2], strides: 2, padding: 'same' }, k: [3, 2], s: [2, 2], oh: 2, ow: 3, pt: 0, pl: 0 },
  // h: in 5, k 2, s 1: total 1 -> 0 before; w: in 4, k 4, s [.,3]: out 2, total 3+4-4 = 3 -> 1 before
  { what: "'same' rectangular, strides [1,3]", x: [2, 5, 4, 1], opts: { poolSize: [2, 4], strides: [1, 3], padding: 'same' }, k: [2, 4], s: [1, 3], oh: 5, ow: 2, pt: 0, pl: 1 },
];

for (const kind of ['max', 'avg'] as const) {
  const pool = kind === 'max' ? kiln.maxPool2d : kiln.avgPool2d;
  describe(`${kind}Pool2d`, () => {
    for (const c of cases) {
      it(`matches a naive loop: ${c.what}`, () => {
        const xd = randomData(prod(c.x), 41);
        const g = new kiln.Graph();
        g.asDefault(() => {
          const x = kiln.placeholder('float32', c.x, 'x');
          const y = pool(x, c.opts);
          expect(y.shape).toEqual([c.x[0], c.oh, c.ow, c.x[3]]);
          expect(y.op.def.kind).toBe('pool');
          expectClose(values(y, new Map([[x, f64(xd, c.x)]])), naivePool(xd, c.x, kind, c), 1e-12);
        });
      });
    }

    it('has gradients for every case above', () => {
      for (const c of cases) {
        // a permutation of spread values: no ties, so max pooling is differentiable at the point
        const n = prod(c.x);
        const perm = Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n);
        checkGradient((a) => pool(a, c.opts), [f64(perm, c.x)]);
      }
    });

    it('keeps an unknown batch and differentiates with it', () => {
      const g = new kiln.Graph();
      g.asDefault(() => {
        const x = kiln.placeholder('float32', [null, 4, 4, 1], 'x');
        const y = pool(x, { poolSize: 2 });
        expect(y.shape).toEqual([null, 2, 2, 1]);
        const [dx] = kiln.gradients(y, [x]);
        expect(dx!.shape).toEqual([null, 4, 4, 1]);
        expect(dx!.op.type).toBe(kind === 'max' ? 'MaxPoolGrad' : 'AvgPoolGrad');
        const got = values(dx!, new Map([[x, f64(Array.from({ length: 32 }, (_, i) => i), [2, 4, 4, 1])]]));
        // increasing values: the max of each 2x2 window is its bottom-right element
        const want = Array.from({ length: 32 }, (_, i) => (kind === 'avg' ? 0.25 : (i % 2 === 1 && Math.floor(i / 4) % 2 === 1 ? 1 : 0)));
        expectClose(got, want);
      });
    });

    it('has second-order gradients through its gradient op', () => {
      const x = f64(Array.from({ length: 50 }, (_, i) => ((i * 13) % 50) / 50), [2, 5, 5, 1]);
      const opts: kiln.PoolOptions = { poolSize: 3, strides: 2, padding: 'same' };
      checkGradient((a) => {
        const y = pool(a, opts);
        const [dx] = kiln.gradients(kiln.mul(y, y), [a]);
        return dx!;
      }, [x]);
    });

    it('reports bad rank, attrs and a too-large valid window with op, node and call site', () => {
      const g = new kiln.Graph();
      g.asDefault(() => {
        const x3 = kiln.placeholder('float32', [4, 4, 1], 'x3');
        const api = kind === 'max' ? 'maxPool2d' : 'avgPool2d';
        let err: Error | undefined;
        try {
          pool(x3, { poolSize: 2, name: 'pool1' });
        } catch (e) {
          err = e as Error;
        }
        expect(err).toBeInstanceOf(kiln.ShapeError);
        expect(err!.message).toMatch(
          new RegExp(
            `^${api} 'pool1': x must be rank 4 \\[batch, height, width, channels\\] \\(NHWC\\), got rank 3 \\[4,4,1\\] \\(created at test/ops/pool\\.test\\.ts:\\d+\\)$`,
          ),
        );
        const x = kiln.placeholder('float32', [null, 2, 3, 1], 'x');
        expect(() => pool(x, { poolSize: 3 })).toThrowError(/input \[\?,2,3,1\] is smaller than the window 3x3 with 'valid' padding/);
        expect(pool(x, { poolSize: 3, padding: 'same' }).shape).toEqual([null, 1, 1, 1]);
        expect(() => pool(x, { poolSize: 0 })).toThrowError(kiln.InvalidArgumentError);
        expect(() => pool(x, { poolSize: 0 })).toThrowError(/poolSize must be a positive integer or a pair of them, got \[0,0\]/);
        expect(() => pool(x, { poolSize: 1, strides: [1, 2, 3] as unknown as number })).toThrowError(/strides must be/);
        expect(() => pool(x, { poolSize: 1, padding: 'full' as 'same' })).toThrowError(/padding must be 'same' or 'valid', got "full"/);
        expect(() => pool(kiln.placeholder('int32', [1, 2, 2, 1], 'i'), { poolSize: 1 })).toThrowError(kiln.DTypeError);
      });
    });
  });
}

describe('pool conventions (TF)', () => {
  it('maxPool2d: padded positions never win, even when all values are negative', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.constant([-5, -4, -3, -2, -1, -6, -7, -8, -9], { shape: [1, 3, 3, 1] });
      const y = kiln.maxPool2d(x, { poolSize: 2, strides: 2, padding: 'same' });
      // in 3, k 2, s 2: out 2, total 1 -> 0 before, 1 after: windows {0,1} and {2}
      expect(y.shape).toEqual([1, 2, 2, 1]);
      expectClose(values(y), [-1, -3, -7, -9]); // windows {-5,-4,-2,-1}, {-3,-6}, {-7,-8}, {-9}
    });
  });

  it('avgPool2d: border windows average over valid elements only', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.constant([1, 2, 3, 4, 5, 6, 7, 8, 9], { shape: [1, 3, 3, 1] });
      const y = kiln.avgPool2d(x, { poolSize: 2, strides: 2, padding: 'same' });
      // windows {1,2,4,5}, {3,6}, {7,8}, {9}: divisors 4, 2, 2, 1 (not 4 as zero padding would give)
      expectClose(values(y), [3, 4.5, 7.5, 9]);
      const [dx] = kiln.gradients(y, [x]);
      expectClose(values(dx!), [0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1]);
    });
  });

  it('maxPool2d gradient: ties send dy to the first maximum in row-major order; overlaps add up', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      // one 2x2 window of equal values: all of dy goes to the top-left element
      const x = kiln.constant([7, 7, 7, 7], { shape: [1, 2, 2, 1] });
      const y = kiln.maxPool2d(x, { poolSize: 2 });
      const [dx] = kiln.gradients(y, [x], kiln.constant([[[[3]]]]));
      expectClose(values(dx!), [3, 0, 0, 0]);
      // a tie between the second and third element of a row-major scan: the second wins
      const z = kiln.constant([1, 9, 9, 2], { shape: [1, 2, 2, 1] });
      const [dz] = kiln.gradients(kiln.maxPool2d(z, { poolSize: 2 }), [z]);
      expectClose(values(dz!), [0, 1, 0, 0]);
      // overlapping windows (3 wide, stride 1) over [1, 5, 5, 2, 0]: winners 5@1, 5@1, 5@2 (first of the tie)
      const v = kiln.constant([1, 5, 5, 2, 0], { shape: [1, 1, 5, 1] });
      const [dv] = kiln.gradients(kiln.maxPool2d(v, { poolSize: [1, 3], strides: 1 }), [v], kiln.constant([10, 20, 30], { shape: [1, 1, 3, 1] }));
      expectClose(values(dv!), [0, 30, 30, 0, 0]);
    });
  });

  it('MaxPoolGradGrad gathers at the same tie-broken winners', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.constant([1, 5, 5, 2, 0], { shape: [1, 1, 5, 1] });
      const dy = kiln.placeholder('float32', [1, 1, 3, 1], 'dy');
      const attrs = { poolSize: [1, 3] as const, strides: [1, 1] as const, padding: 'valid' as const };
      const dx = kiln.maxPoolGrad(x, dy, attrs);
      const [ddy] = kiln.gradients(dx, [dy], kiln.constant([1, 10, 100, 1000, 10000], { shape: [1, 1, 5, 1] }));
      expect(ddy!.op.type).toBe('MaxPoolGradGrad');
      expectClose(values(ddy!, new Map([[dy, f64([0, 0, 0], [1, 1, 3, 1])]])), [10, 10, 100]);
    });
  });
});
