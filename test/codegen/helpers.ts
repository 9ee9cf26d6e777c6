/**
 * Helpers for compiled-vs-interpreter tests: run the same fetches on both backends in one
 * Session.run each (one compiled module for many cases), and compare with a per-case tolerance.
 */
import { expect } from 'vitest';
import * as kiln from '../../src/index.js';

export interface Case {
  name: string;
  t: kiln.Tensor;
  /** Relative tolerance (|got - want| / max(1, |want|)); 0 asks for bit-exact float32. */
  tol: number;
}

/** Deterministic values in [lo, hi). */
export function det(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

export function compare(got: kiln.NDArray, want: kiln.NDArray, tol: number, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i]!;
    const b = want.data[i]!;
    if (Number.isNaN(b) || Number.isNaN(a)) {
      expect(Number.isNaN(a) && Number.isNaN(b), `${what}[${i}]: got ${a}, want ${b}`).toBe(true);
    } else if (!Number.isFinite(b) || tol === 0) {
      expect(a, `${what}[${i}]`).toBe(b);
    } else {
      const err = Math.abs(a - b) / Math.max(1, Math.abs(b));
      if (!(err <= tol)) expect.fail(`${what}[${i}]: got ${a}, want ${b} (error ${err.toExponential(2)} > ${tol})`);
    }
  }
}

/** Runs `cases` on the interpreter and natively (one executable) and compares each. */
export function expectNativeMatches(graph: kiln.Graph, cases: readonly Case[], feeds: kiln.FeedDict = {}, runs = 1): kiln.Session {
  const si = new kiln.Session(graph, { backend: 'interpreter' });
  const sn = new kiln.Session(graph, { backend: 'native' });
  for (let r = 0; r < runs; r++) {
    const want = si.run(cases.map((c) => c.t), feeds) as kiln.NDArray[];
    const got = sn.run(cases.map((c) => c.t), feeds) as kiln.NDArray[];
    cases.forEach((c, i) => compare(got[i]!, want[i]!, c.tol, `${c.name} (run ${r})`));
  }
  return sn;
}
