/**
 * The random graphs of the passes' differential test (test/passes/random_graph_gen.ts, the same
 * seeds), compiled natively and compared with the interpreter (the float64 oracle), plus the
 * same generator at 48x the dimensions (up to [192,192], matmul depth up to 192) so that the
 * OpenMP loops and long BLAS/reduction accumulations run too.
 *
 * Cases are built MODULE_CASES to a graph so that each group compiles as one native module (one
 * g++ run, about a second here, instead of one per case); a module that fails to build or run
 * is retried seed by seed so the message names the failing seeds. Every failure names its seed.
 *   KILN_CODEGEN_SEED=<seed> [KILN_CODEGEN_SCALE=48]   replay one graph alone, in its own module
 *   KILN_CODEGEN_GRAPHS=<n> KILN_CODEGEN_BIG_GRAPHS=<n> KILN_CODEGEN_FIRST_SEED=<s>   sweep more seeds
 * e.g. KILN_CODEGEN_SEED=1042 npx vitest run test/codegen/random_graphs.test.ts
 *
 * Tolerance: |got - want| <= TOL * max(1, |want|, M), TOL = 1e-4, M = 0 at scale 1 and the
 * largest |want| of the fetch at scale 48.
 * - A path through a graph holds up to ~30 float32 roundings (13 ops and their gradients; unit
 *   roundoff 6e-8), and sums and matmuls of 4 terms at scale 1, 192 at scale 48. The error of
 *   such a sum is bounded relative to the magnitudes of its terms (|dC| <= K u |A||B| for a
 *   matmul), not to its result, which cancellation can make arbitrarily small.
 * - At scale 1 the terms are within a few units of the result, so per element, relative above
 *   1 and absolute below. Largest error measured (520 seeds): 6e-7; 3,500 more seeds pass.
 * - At scale 48, dot products of 192 terms cancel to results far smaller than their terms, so
 *   a per-element bound fails on correct code (it did: errors of 1.1e-4..1.8e-4 of |want| on 8
 *   of 300 seeds); M makes the bound norm-wise, as BLAS's are. Largest error measured (500
 *   seeds): 7.4e-6.
 * TOL leaves a margin of 13x (scale 48) to 150x (scale 1) over what was seen, and stays far
 * below the errors of a wrong index or of another row's statistics (1e-2 to 1 in the bugs this
 * test found).
 */
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { addRandomCase, type RandomCaseParts } from '../passes/random_graph_gen.js';
import { det, expectNativeMatches } from './helpers.js';

const env = process.env;
const GRAPHS = Number(env['KILN_CODEGEN_GRAPHS'] ?? 220);
const FIRST_SEED = Number(env['KILN_CODEGEN_FIRST_SEED'] ?? 1000);
/** 5 modules of 44: few g++ runs, and a failing module is still small enough to bisect by seed. */
const MODULE_CASES = 44;
/** One module of big graphs: tensors of up to ~40K elements, slow on the interpreter. */
const BIG_GRAPHS = Number(env['KILN_CODEGEN_BIG_GRAPHS'] ?? 20);
const BIG_MODULE_CASES = 20;
const BIG_SCALE = 48;
const TOL = 1e-4;

interface Built {
  graph: kiln.Graph;
  cases: RandomCaseParts[];
  feeds: Record<string, kiln.NDArray>;
}

function buildModule(seeds: readonly number[], scale: number): Built {
  const graph = new kiln.Graph();
  graph.seed = seeds[0]!;
  const cases = graph.asDefault(() => seeds.map((seed) => addRandomCase(seed, `s${seed}_`, scale)));
  const feeds: Record<string, kiln.NDArray> = {};
  for (const c of cases) Object.assign(feeds, c.feeds);
  return { graph, cases, feeds };
}

/** Every case's fetches on both backends, one Session.run each; results per case. */
function runBoth(b: Built): { want: kiln.NDArray[][]; got: kiln.NDArray[][] } {
  const fetches = b.cases.flatMap((c) => c.fetches);
  const si = new kiln.Session(b.graph, { backend: 'interpreter' });
  const sn = new kiln.Session(b.graph, { backend: 'native' });
  try {
    const split = (all: kiln.NDArray[]): kiln.NDArray[][] => {
      let i = 0;
      return b.cases.map((c) => all.slice(i, (i += c.fetches.length)));
    };
    return { want: split(si.run(fetches, b.feeds) as kiln.NDArray[]), got: split(sn.run(fetches, b.feeds) as kiln.NDArray[]) };
  } finally {
    sn.close();
  }
}

function checkCase(c: RandomCaseParts, scale: number, got: kiln.NDArray[], want: kiln.NDArray[]): void {
  const replay = `KILN_CODEGEN_SEED=${c.seed}${scale === 1 ? '' : ` KILN_CODEGEN_SCALE=${scale}`}`;
  c.fetches.forEach((t, f) => {
    const what = `random graph seed ${c.seed} (replay: ${replay}), fetch ${f} ${t}`;
    const g = got[f]!;
    const w = want[f]!;
    expect(g.shape, `${what}: shape`).toEqual(w.shape);
    let norm = 0;
    if (scale !== 1) for (const v of w.data) if (Number.isFinite(v)) norm = Math.max(norm, Math.abs(v));
    for (let i = 0; i < w.data.length; i++) {
      const a = g.data[i]!;
      const b = w.data[i]!;
      if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(b)) {
        if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) expect.fail(`${what}[${i}]: got ${a}, want ${b}`);
        continue;
      }
      const err = Math.abs(a - b) / Math.max(1, Math.abs(b), norm);
      if (STATS) STATS.push([err, c.seed]);
      if (!(err <= TOL)) expect.fail(`${what}[${i}]: got ${a}, want ${b} (error ${err.toExponential(2)} > ${TOL})`);
    }
  });
}

/** KILN_CODEGEN_STATS=1 prints the largest errors seen (to re-derive the tolerance). */
const STATS: [number, number][] | undefined = env['KILN_CODEGEN_STATS'] ? [] : undefined;

function checkSeeds(seeds: readonly number[], scale: number): void {
  let b: Built;
  let res: ReturnType<typeof runBoth>;
  try {
    b = buildModule(seeds, scale);
    res = runBoth(b);
  } catch (e) {
    const alone = (s: number): boolean => {
      try {
        runBoth(buildModule([s], scale));
        return false;
      } catch {
        return true;
      }
    };
    const bad = seeds.length > 1 ? seeds.filter(alone) : seeds;
    const err = e as Error;
    err.message = `random graphs, seeds ${seeds[0]}..${seeds[seeds.length - 1]} at scale ${scale} (failing alone: ${bad.join(', ') || 'none'}; replay: KILN_CODEGEN_SEED=<seed>): ${err.message}`;
    throw err;
  }
  b.cases.forEach((c, i) => checkCase(c, scale, res.got[i]!, res.want[i]!));
}

describe('random graphs: compiled vs interpreter', () => {
  const only = env['KILN_CODEGEN_SEED'];
  const range = (n: number): number[] => Array.from({ length: n }, (_, i) => FIRST_SEED + i);
  const groups: [number[], number][] = [];
  if (only) groups.push([[Number(only)], Number(env['KILN_CODEGEN_SCALE'] ?? 1)]);
  else {
    const seeds = range(GRAPHS);
    for (let m = 0; m < seeds.length; m += MODULE_CASES) groups.push([seeds.slice(m, m + MODULE_CASES), 1]);
    const big = range(BIG_GRAPHS);
    for (let m = 0; m < big.length; m += BIG_MODULE_CASES) groups.push([big.slice(m, m + BIG_MODULE_CASES), BIG_SCALE]);
  }
  for (const [seeds, scale] of groups) {
    it(`seeds ${seeds[0]}..${seeds[seeds.length - 1]}${scale === 1 ? '' : ` at ${scale}x the dimensions`} (one module) match the interpreter`, () => checkSeeds(seeds, scale));
  }
  if (STATS) {
    it('prints the largest errors', () => {
      STATS.sort((a, b) => b[0] - a[0]);
      console.log(STATS.slice(0, 10).map(([e, s]) => `${e.toExponential(2)} (seed ${s})`).join('\n'));
    });
  }
});

describe('regressions found by the random graphs (one module)', () => {
  it('per-row values read at their own row (seeds 5085, 5893); a kernel cycle through a matmul epilogue (seed 20206)', () => {
    const g = new kiln.Graph();
    const cases = g.asDefault(() => {
      const x = kiln.placeholder('float32', [3, 3], 'x');
      // Fusion let a Transpose (or a broadcast across rows) into a reduction kernel, which then
      // used the current row's max/sum for other rows' elements.
      const k = kiln.sum(x, 1, true);
      const rows = { 'transpose(softmax)': kiln.transpose(kiln.softmax(x, 1)), 'x + sum(x, 1)': kiln.add(x, kiln.sum(x, 1)), 'x + sum(x, 1, keepDims)': kiln.add(x, k), 'reshape(sum)': kiln.reshape(k, [3]) };
      // Fusion put r into n's kernel although n's kernel -> p's (matmul) -> q's -> r: the
      // schedule then had a dependency cycle and the build failed.
      const n = kiln.neg(x);
      const m = kiln.matmul(x, kiln.constant(det(9, 5), { shape: [3, 3] }));
      const cycle = { p: kiln.mul(m, n), r: kiln.sub(kiln.div(n, 2), kiln.neg(kiln.matmul(m, m))) };
      return Object.entries({ ...rows, ...cycle }).map(([name, t]) => ({ name, t, tol: 1e-5 }));
    });
    expectNativeMatches(g, cases, { x: det(9, 3) });
  });
});
