import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { uniformStream } from '../../src/random/philox.js';
import { randomData } from '../helpers.js';

const ones = (shape: number[]) => new kiln.NDArray(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape, 'float32');

describe('dropout', () => {
  it('keeps about 1 - rate of the elements, scaled by 1 / (1 - rate), so E[out] = x', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 500], 'x');
      const y = kiln.dropout(x, 0.3, { seed: 17 });
      expect(y.shape).toEqual([null, 500]);
      expect(y.op.type).toBe('Dropout');
      const n = 200 * 500;
      const xs = randomData(n, 3, 0.5, 1.5);
      const out = new kiln.Session(g).run(y, { x: new kiln.NDArray(Float32Array.from(xs), [200, 500], 'float32') });
      expect(out.shape).toEqual([200, 500]);
      let kept = 0;
      let badScale = 0;
      let sumOut = 0;
      let sumX = 0;
      for (let i = 0; i < n; i++) {
        const v = out.data[i]!;
        sumOut += v;
        sumX += xs[i]!;
        if (v !== 0) {
          kept++;
          if (Math.abs(v - Math.fround(xs[i]!) / 0.7) > 1e-6 * Math.abs(v)) badScale++;
        }
      }
      expect(badScale).toBe(0);
      // binomial: se(kept fraction) = sqrt(0.3 * 0.7 / n) = 1.45e-3
      expect(Math.abs(kept / n - 0.7)).toBeLessThan(5 * 1.45e-3);
      // E[out] = x: relative error of the mean, se ~ sqrt(rate / (1 - rate) / n) = 2e-3
      expect(Math.abs(sumOut / sumX - 1)).toBeLessThan(5 * 2.1e-3);
    });
  });

  it('uses the documented mask: keep_i = u_i >= rate from the uniform stream of its key and run', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [4, 6], 'x');
      const y = kiln.dropout(x, 0.5, { seed: 4 });
      const sess = new kiln.Session(g);
      const key = y.op.attrs['seed'] as [number, number];
      for (let run = 0; run < 3; run++) {
        const out = sess.run(y, { x: ones([4, 6]) });
        const u = uniformStream(24, key, run);
        expect(Array.from(out.data)).toEqual(Array.from(u, (v) => (v >= 0.5 ? 2 : 0)));
      }
    });
  });

  it('gradient: the backward mask equals the forward mask, in every run', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 40], 'x');
      const y = kiln.dropout(x, 0.4, { seed: 9 });
      const [dx] = kiln.gradients(y, [x]);
      expect(dx!.op.type).toBe('DropoutGrad');
      expect(dx!.op.def.kind).toBe('random');
      const sess = new kiln.Session(g);
      const masks: string[] = [];
      for (let run = 0; run < 3; run++) {
        const [out, grad] = sess.run([y, dx!], { x: ones([5, 40]) });
        const fwd = Array.from(out.data, (v) => (v === 0 ? 0 : 1));
        const bwd = Array.from(grad!.data, (v) => (v === 0 ? 0 : 1));
        expect(bwd).toEqual(fwd);
        for (const v of grad!.data) expect([0, Math.fround(1 / 0.6)]).toContain(v);
        masks.push(fwd.join(''));
      }
      expect(new Set(masks).size).toBe(3); // a new mask each run
    });
  });

  it('gradient checks against the definition y = x * mask / (1 - rate), and second order', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [3, 8], 'x');
      const y = kiln.dropout(x, 0.25, { seed: 21 });
      const w = kiln.placeholder('float32', [3, 8], 'w');
      const [dx] = kiln.gradients(y, [x], w);
      // d/dw of sum(dx * v) = dropout(v): the gradient of DropoutGrad is DropoutGrad
      const v = kiln.placeholder('float32', [3, 8], 'v');
      const [dw] = kiln.gradients(kiln.mul(dx!, v), [w]);
      const xs = Float32Array.from(randomData(24, 1));
      const ws = Float32Array.from(randomData(24, 2));
      const vs = Float32Array.from(randomData(24, 3));
      const arr = (d: Float32Array) => new kiln.NDArray(d, [3, 8], 'float32');
      const [yv, dxv, dwv] = new kiln.Session(g).run([y, dx!, dw!], { x: arr(xs), w: arr(ws), v: arr(vs) });
      for (let i = 0; i < 24; i++) {
        const keep = yv.data[i] !== 0;
        const scale = keep ? 1 / 0.75 : 0;
        expect(dxv.data[i]).toBeCloseTo(ws[i]! * scale, 6);
        expect(dwv!.data[i]).toBeCloseTo(vs[i]! * scale, 6);
      }
    });
  });

  it('is reproducible for a fixed seed across sessions and graphs', () => {
    const run = () => {
      const g = new kiln.Graph();
      return g.asDefault(() => {
        const x = kiln.placeholder('float32', [2, 10], 'x');
        const y = kiln.dropout(x, 0.5, { seed: 123 });
        const s = new kiln.Session(g);
        return [s.run(y, { x: ones([2, 10]) }), s.run(y, { x: ones([2, 10]) })].map((r) => Array.from(r.data));
      });
    };
    const a = run();
    expect(run()).toEqual(a);
    expect(a[1]).not.toEqual(a[0]);
  });

  it('broadcasts a noiseShape mask (null dims from x)', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3, 50], 'x');
      const y = kiln.dropout(x, 0.5, { seed: 5, noiseShape: [null, 1, 50] });
      const out = new kiln.Session(g).run(y, { x: ones([4, 3, 50]) });
      let kept = 0;
      for (let b = 0; b < 4; b++) {
        for (let c = 0; c < 50; c++) {
          const col = [0, 1, 2].map((r) => out.data[b * 150 + r * 50 + c]);
          expect(new Set(col).size).toBe(1); // whole column kept or dropped
          if (col[0] !== 0) kept++;
        }
      }
      expect(kept).toBeGreaterThan(60);
      expect(kept).toBeLessThan(140);
      expect(() => kiln.dropout(x, 0.5, { noiseShape: [null, 2, 50] })).toThrowError(
        /dropout 'Dropout_\d+': noiseShape \[\?,2,50\] does not broadcast to x's shape \[\?,3,50\]/,
      );
    });
  });

  it('rate 0 is the identity; a rate outside [0, 1) is an error naming the node and call site', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 4], 'x');
      const xs = new kiln.NDArray(Float32Array.of(1, -2, 3, 4, 5, 6, 7, 8), [2, 4], 'float32');
      expect(Array.from(new kiln.Session(g).run(kiln.dropout(x, 0), { x: xs }).data)).toEqual(Array.from(xs.data));
      let err: Error | undefined;
      try {
        kiln.dropout(x, 1, { name: 'drop' });
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(kiln.InvalidArgumentError);
      expect(err!.message).toMatch(/^dropout 'drop': rate must be a number in \[0, 1\), got 1 \(created at test\/ops\/dropout\.test\.ts:\d+\)$/);
      expect(() => kiln.dropout(x, -0.1)).toThrowError(/rate must be a number in \[0, 1\), got -0.1/);
      expect(() => kiln.dropout(x, Number.NaN)).toThrowError(/got NaN/);
      const i = kiln.placeholder('int32', [2], 'i');
      expect(() => kiln.dropout(i, 0.5)).toThrowError(kiln.DTypeError);
    });
  });
});
