import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { erf64, erfc64 } from '../../src/ops/unary/math64.js';
import { checkGradient, expectClose, f64, randomData } from '../helpers.js';
import { forward, gradAt } from './unary_helpers.js';

/** [x, erf(x), erfc(x)] from glibc (Python's math.erf / math.erfc). */
const REFERENCE: [number, number, number][] = [
  [1e-8, 1.1283791670955126e-8, 0.9999999887162083],
  [0.1, 0.1124629160182849, 0.8875370839817152],
  [0.5, 0.5204998778130465, 0.4795001221869535],
  [1, 0.8427007929497149, 0.15729920705028513],
  [2, 0.9953222650189527, 0.004677734981047265],
  [3, 0.9999779095030014, 2.2090496998585438e-5],
  [-3, -0.9999779095030014, 1.9999779095030015],
  [5, 0.9999999999984626, 1.5374597944280351e-12],
  [10, 1, 2.088487583762545e-45],
  [-27, -1, 2],
];

/** Relative error, with exact zero for equal values (erf(±Inf) etc.). */
const rel = (got: number, want: number) => (got === want ? 0 : Math.abs(got - want) / Math.abs(want));

describe('erf64 / erfc64 (float64 reference)', () => {
  it('match glibc to ~1e-15 relative, erfc also where it is tiny', () => {
    for (const [x, e, c] of REFERENCE) {
      expect(rel(erf64(x), e), `erf(${x})`).toBeLessThanOrEqual(1e-15);
      expect(rel(erfc64(x), c), `erfc(${x})`).toBeLessThanOrEqual(3e-15);
    }
  });

  it('are odd / reflected, exact at 0 and ±Inf, NaN for NaN', () => {
    expect([erf64(0), erf64(Infinity), erf64(-Infinity), erfc64(Infinity), erfc64(-Infinity), erfc64(0)]).toEqual([0, 1, -1, 0, 2, 1]);
    expect(Number.isNaN(erf64(NaN)) && Number.isNaN(erfc64(NaN))).toBe(true);
    for (const x of [0.3, 1.7, 2.5, 4]) {
      expect(erf64(-x)).toBe(-erf64(x));
      expect(rel(erfc64(-x), 2 - erfc64(x))).toBeLessThanOrEqual(1e-15);
      expect(Math.abs(erf64(x) + erfc64(x) - 1)).toBeLessThanOrEqual(5e-16); // 2 ulps of 1
    }
  });
});

describe('erf / erfc ops', () => {
  it('evaluate elementwise', () => {
    expectClose(forward(kiln.erf, [0.5, 1, 2, -3]), [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, -0.9999779095030014], 1e-15);
    expectClose(forward(kiln.erfc, [0.5, 3, 10]), [0.4795001221869535, 2.2090496998585438e-5, 2.088487583762545e-45], 1e-15);
  });

  it('have gradients ±dy·2/√π·e^{-x²}', () => {
    const c = 2 / Math.sqrt(Math.PI);
    // 1e-7: 2/√π enters the gradient as a float32 graph constant
    expectClose(gradAt(kiln.erf, [0, 1]), [c, c * Math.exp(-1)], 1e-7);
    expectClose(gradAt(kiln.erfc, [0, 1]), [-c, -c * Math.exp(-1)], 1e-7);
    for (const shape of [[5], [2, 3]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      checkGradient((x) => kiln.erf(x), [f64(randomData(n, 130 + n, -2.5, 2.5), shape)]);
      checkGradient((x) => kiln.erfc(x), [f64(randomData(n, 140 + n, -2.5, 2.5), shape)]);
    }
  });

  it('rejects int32', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const i = kiln.placeholder('int32', [3], 'i');
      expect(() => kiln.erf(i)).toThrowError(/^erf 'Erf': expected float32, got int32 \(created at test\/ops\/erf\.test\.ts:\d+\)$/);
    });
  });
});
