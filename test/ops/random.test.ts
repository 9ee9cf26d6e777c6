import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { philox4x32, uint32ToUnit } from '../../src/random/philox.js';
import { f64, values } from '../helpers.js';

function moments(xs: ArrayLike<number>) {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    s += x;
    s2 += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / xs.length;
  return { mean, variance: s2 / xs.length - mean * mean, min, max };
}

describe('randomUniform', () => {
  it('draws in [minval, maxval) with mean (lo+hi)/2 and variance (hi-lo)^2/12', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const u = kiln.randomUniform([400, 250], { minval: -2, maxval: 3, seed: 11 });
      expect(u.shape).toEqual([400, 250]);
      expect(u.dtype).toBe('float32');
      expect(u.op.def.kind).toBe('random');
      const m = moments(values(u));
      // n = 1e5: standard error of the mean 5 * sqrt(1/12 / n) = 4.6e-3, of the variance ~ 25 * 1.7e-4 = 4.2e-3
      expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * 4.6e-3);
      expect(Math.abs(m.variance - 25 / 12)).toBeLessThan(5 * 4.2e-3 * 2);
      expect(m.min).toBeGreaterThanOrEqual(-2);
      expect(m.max).toBeLessThan(3);
    });
  });

  it('follows the documented element -> counter mapping', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const u = kiln.randomUniform([3, 3], { minval: 1, maxval: 5, seed: 99 });
      const key = u.op.attrs['seed'] as [number, number];
      expect(key).toEqual([99, 0]);
      const sess = new kiln.Session(g);
      sess.run(u); // run 0
      const got = sess.run(u); // run 1
      const block = new Uint32Array(4);
      const want = Array.from({ length: 9 }, (_, i) => {
        philox4x32(Math.floor(i / 4), 1, 0, 0, key[0], key[1], block);
        return Math.fround(1 + 4 * uint32ToUnit(block[i % 4]!));
      });
      expect(Array.from(got.data)).toEqual(want);
    });
  });

  it('draws int32 in [minval, maxval) hitting every value', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const u = kiln.randomUniform([1000], { minval: -3, maxval: 4, dtype: 'int32', seed: 5 });
      expect(u.dtype).toBe('int32');
      const v = values(u);
      expect(v.every((x) => Number.isInteger(x) && x >= -3 && x < 4)).toBe(true);
      expect(new Set(v).size).toBe(7);
      expect(() => kiln.randomUniform([2], { dtype: 'int32' })).toThrowError(/int32 randomUniform needs an explicit maxval/);
    });
  });

  it('reproduces a seed across sessions, and draws anew on each run of a session', () => {
    const build = () => {
      const g = new kiln.Graph();
      return g.asDefault(() => ({ g, u: kiln.randomUniform([64], { seed: 3 }) }));
    };
    const a = build();
    const b = build();
    const s1 = new kiln.Session(a.g);
    const s2 = new kiln.Session(a.g);
    const s3 = new kiln.Session(b.g);
    const r1 = [s1.run(a.u), s1.run(a.u)].map((r) => Array.from(r.data));
    const r2 = [s2.run(a.u), s2.run(a.u)].map((r) => Array.from(r.data));
    const r3 = [s3.run(b.u), s3.run(b.u)].map((r) => Array.from(r.data));
    expect(r2).toEqual(r1);
    expect(r3).toEqual(r1);
    expect(r1[1]).not.toEqual(r1[0]);
    // One fetch used twice in a run is one draw.
    const [p, q] = s1.run([a.u, a.u]);
    expect(Array.from(p.data)).toEqual(Array.from(q.data));
  });

  it('derives keys from the graph seed and differs between ops; without any seed, keys are random', () => {
    const mk = (seed: number | undefined) => {
      const g = new kiln.Graph();
      g.seed = seed;
      return g.asDefault(() => {
        const a = kiln.randomUniform([16]);
        const b = kiln.randomUniform([16]);
        const s = new kiln.Session(g);
        return s.run([a, b]).map((r) => Array.from(r.data));
      });
    };
    const [a1, b1] = mk(42);
    const [a2, b2] = mk(42);
    expect(a2).toEqual(a1);
    expect(b2).toEqual(b1);
    expect(b1).not.toEqual(a1);
    const [a3] = mk(43);
    expect(a3).not.toEqual(a1);
    const [a4] = mk(undefined);
    const [a5] = mk(undefined);
    expect(a5).not.toEqual(a4);
  });

  it('randomUniformLike takes the run-time shape of a tensor with an unknown batch', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 5], 'x');
      const u = kiln.randomUniformLike(x, { seed: 1 });
      expect(u.shape).toEqual([null, 5]);
      const out = new kiln.Session(g).run(u, { x: new kiln.NDArray(new Float32Array(15), [3, 5], 'float32') });
      expect(out.shape).toEqual([3, 5]);
      // The like input is shape-only: no gradient is needed through it.
      const [dx] = kiln.gradients(kiln.mul(u, x), [x]);
      expect(values(dx!, new Map([[x, f64(new Float64Array(10), [2, 5])]])).length).toBe(10);
    });
  });

  it('rejects bad attrs naming the node and the call site', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      let err: Error | undefined;
      try {
        kiln.randomUniform([2, 2], { minval: 1, maxval: 1, name: 'noise' });
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(kiln.InvalidArgumentError);
      expect(err!.message).toMatch(
        /^randomUniform 'noise': needs minval < maxval, got minval 1, maxval 1 \(created at test\/ops\/random\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.randomUniform([2, -1])).toThrowError(
        /^randomUniform 'RandomUniform': shape must be a list of non-negative integers \(fully known\), got \[2,-1\] \(created at test\/ops\/random\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.randomUniform([null as unknown as number, 3])).toThrowError(/got \[\?,3\]/);
      expect(() => kiln.randomUniform([2], { seed: 1.5 })).toThrowError(/randomUniform 'RandomUniform_\d+': seed must be an integer .*got 1.5, 0/);
      expect(() => kiln.randomUniform([2], { dtype: 'bool' })).toThrowError(kiln.DTypeError);
    });
  });
});

describe('randomNormal / truncatedNormal', () => {
  it('randomNormal has the requested mean and stddev', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const z = kiln.randomNormal([100_000], { mean: 3, stddev: 2, seed: 8 });
      expect(z.op.type).toBe('RandomNormal');
      const m = moments(values(z));
      // n = 1e5: se(mean) = 2 / sqrt(n) = 6.3e-3; se(sd) ~ 2 / sqrt(2n) = 4.5e-3
      expect(Math.abs(m.mean - 3)).toBeLessThan(5 * 6.3e-3);
      expect(Math.abs(Math.sqrt(m.variance) - 2)).toBeLessThan(5 * 4.5e-3);
      expect(m.max - 3).toBeGreaterThan(2 * 3.5); // untruncated tails
    });
  });

  it('truncatedNormal stays within 2 stddev with stddev 0.8796 x stddev', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const z = kiln.truncatedNormal([100_000], { mean: -1, stddev: 0.5, seed: 8 });
      const m = moments(values(z));
      expect(m.min).toBeGreaterThanOrEqual(-1 - 2 * 0.5);
      expect(m.max).toBeLessThanOrEqual(-1 + 2 * 0.5);
      expect(m.max).toBeGreaterThan(-1 + 1.99 * 0.5); // the bound is reached, not tighter
      expect(Math.abs(m.mean + 1)).toBeLessThan(5 * 0.44 / Math.sqrt(100_000));
      expect(Math.abs(Math.sqrt(m.variance) - 0.5 * 0.87962566103423978)).toBeLessThan(0.005);
    });
  });

  it('reproduces across sessions, differs across runs, and has *Like forms', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 4], 'x');
      const z = kiln.randomNormalLike(x, { seed: 2 });
      const t = kiln.truncatedNormalLike(x, { seed: 2, stddev: 0.1 });
      expect(z.shape).toEqual([null, 4]);
      const feed = { x: new kiln.NDArray(new Float32Array(8), [2, 4], 'float32') };
      const s1 = new kiln.Session(g);
      const s2 = new kiln.Session(g);
      const a = [s1.run([z, t], feed), s1.run([z, t], feed)];
      const b = [s2.run([z, t], feed), s2.run([z, t], feed)];
      expect(a.map((r) => r.map((v) => Array.from(v.data)))).toEqual(b.map((r) => r.map((v) => Array.from(v.data))));
      expect(Array.from(a[1]![0]!.data)).not.toEqual(Array.from(a[0]![0]!.data));
      expect(a[0]![0]!.shape).toEqual([2, 4]);
      expect(Array.from(a[0]![1]!.data).every((v) => Math.abs(v) <= 0.2 + 1e-7)).toBe(true);
    });
  });

  it('rejects a negative stddev', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      expect(() => kiln.truncatedNormal([3], { stddev: -1, name: 'w0' })).toThrowError(
        /^truncatedNormal 'w0': stddev must be a finite number >= 0, got -1 \(created at test\/ops\/random\.test\.ts:\d+\)$/,
      );
    });
  });
});
