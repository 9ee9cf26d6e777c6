/**
 * Random seeded graphs for differential tests (elementwise, broadcast, reductions, matmul,
 * reshapes, transposes, shared subexpressions, constant subgraphs, simplifier bait, gradients).
 * Shared by test/passes/random_graphs.test.ts (pipeline vs no pipeline on the interpreter) and
 * test/codegen/random_graphs.test.ts (compiled vs interpreter).
 *
 * `randomCase(seed)` builds one case in its own graph. `addRandomCase(seed, prefix)` builds the
 * same case into the current default graph with its placeholders named `<prefix>in<i>`, so
 * many cases can share one graph and compile as one native module (a g++ run costs about a
 * second; one per case would make the test minutes long). The random draws do not depend on
 * the prefix, so a seed gives the same graph either way.
 */
import * as kiln from '../../src/index.js';

type Tensor = kiln.Tensor;

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Entry {
  t: Tensor;
  shape: number[];
}

/** One case built into the current default graph. */
export interface RandomCaseParts {
  seed: number;
  fetches: Tensor[];
  /** Feeds by placeholder name. */
  feeds: Record<string, kiln.NDArray>;
  feedShapes: Record<string, number[]>;
}

export interface Case {
  program: kiln.passes.Program;
  feeds: Record<string, kiln.NDArray>;
  feedShapes: Record<string, number[]>;
}

/** One case in a fresh graph (seeded with `seed`), as a program over its fetches. */
export function randomCase(seed: number): Case {
  const g = new kiln.Graph();
  g.seed = seed;
  return g.asDefault(() => {
    const { fetches, feeds, feedShapes } = addRandomCase(seed);
    return { program: kiln.passes.makeProgram(fetches), feeds, feedShapes };
  });
}

/**
 * Builds the case of `seed` into the current default graph; its placeholders are named
 * `${prefix}in0`, `${prefix}in1`, ... (give each case of a shared graph its own prefix).
 * `scale` multiplies every drawn dimension (default 1: dims of 2-4, the passes test's graphs);
 * a larger scale reaches the code paths of big shapes (OpenMP loops, vectorized bodies).
 */
export function addRandomCase(seed: number, prefix = '', scale = 1): RandomCaseParts {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const values = (n: number, lo = -2, hi = 2): Float32Array => Float32Array.from({ length: n }, () => lo + r() * (hi - lo));
  const feeds: Record<string, kiln.NDArray> = {};
  const feedShapes: Record<string, number[]> = {};
  const pool: Entry[] = [];
  const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  const constOf = (shape: number[], lo = -2, hi = 2): Entry => ({ t: kiln.constant(new kiln.NDArray(values(size(shape), lo, hi), shape, 'float32')), shape });
  const batch = (2 + int(3)) * scale;
  const dims = [2 + int(3), 2 + int(3), 3].map((d) => d * scale);
  const nInputs = 1 + int(3);
  const placeholders: Entry[] = [];
  for (let i = 0; i < nInputs; i++) {
    const shape = i === 0 || r() < 0.5 ? [batch, pick(dims)] : [pick(dims), pick(dims)];
    const name = `${prefix}in${i}`;
    const dynamic = i === 0 && r() < 0.6;
    const t = kiln.placeholder('float32', dynamic ? [null, shape[1]!] : shape, name);
    feeds[name] = new kiln.NDArray(values(size(shape)), shape, 'float32');
    feedShapes[name] = shape;
    placeholders.push({ t, shape });
    pool.push({ t, shape });
  }
  // A constant subgraph feeding the rest (to be folded).
  const c0 = constOf([pick(dims)]);
  pool.push({ t: kiln.mul(kiln.add(c0.t, kiln.constant(1)), kiln.constant(0.5)), shape: c0.shape });

  const steps = 4 + int(10);
  for (let s = 0; s < steps; s++) {
    const a = pick(pool);
    const rank = a.shape.length;
    const last = a.shape[rank - 1] ?? 1;
    const choice = int(14);
    let out: Entry | undefined;
    switch (choice) {
      case 0:
        out = { t: kiln.neg(a.t), shape: a.shape };
        break;
      case 1: {
        const same = pool.filter((e) => e.shape.join() === a.shape.join() && e !== a);
        const b = same.length && r() < 0.7 ? pick(same) : r() < 0.5 ? constOf([last]) : constOf([]);
        out = { t: pick([kiln.add, kiln.sub, kiln.mul, kiln.maximum])(a.t, b.t), shape: a.shape };
        break;
      }
      case 2:
        out = { t: kiln.div(a.t, constOf(r() < 0.5 ? [] : [last], 0.5, 2).t), shape: a.shape };
        break;
      case 3: // simplifier bait
        out = { t: pick([() => kiln.mul(a.t, 1), () => kiln.add(a.t, kiln.constant(-0)), () => kiln.add(a.t, 0), () => kiln.identity(a.t), () => kiln.neg(kiln.neg(a.t))])(), shape: a.shape };
        break;
      case 4: {
        if (rank === 0) break;
        const axis = int(rank);
        const keep = r() < 0.5;
        const shape = keep ? a.shape.map((d, i) => (i === axis ? 1 : d)) : a.shape.filter((_, i) => i !== axis);
        out = { t: pick([kiln.sum, kiln.max, kiln.mean])(a.t, axis, keep), shape };
        break;
      }
      case 5:
      case 6: {
        if (rank !== 2) break;
        const n = pick(dims);
        const tb = r() < 0.4;
        const others = pool.filter((e) => e.shape.length === 2 && e.shape[0] === a.shape[1]);
        const b = others.length && r() < 0.5 ? pick(others) : constOf([a.shape[1]!, n]);
        const bT = tb ? kiln.transpose(b.t) : b.t;
        out = { t: kiln.matmul(a.t, bT, { transposeB: tb }), shape: [a.shape[0]!, b.shape[1]!] };
        break;
      }
      case 7:
        out = r() < 0.5 ? { t: kiln.reshape(a.t, [-1]), shape: [size(a.shape)] } : { t: kiln.reshape(kiln.reshape(a.t, [-1]), a.shape.length ? [-1, last] : [1]), shape: a.shape.length ? [size(a.shape) / last, last] : [1] };
        break;
      case 8: {
        if (rank < 2) break;
        // Test the draw, not the input's op type: `a` may itself be a transpose.
        const twice = r() < 0.5;
        out = { t: kiln.transpose(twice ? kiln.transpose(a.t) : a.t), shape: twice ? [...a.shape] : [...a.shape].reverse() };
        break;
      }
      case 9: // shared subexpression, built twice
        {
          const k = constOf([]);
          const x1 = kiln.mul(a.t, k.t);
          const x2 = kiln.mul(a.t, k.t);
          out = { t: kiln.add(x1, x2), shape: a.shape };
        }
        break;
      case 10: {
        // gradient of a scalar function of the pool w.r.t. a placeholder
        const x = pick(placeholders);
        const ys = pool.filter((e) => e.t !== x.t);
        const y = pick(ys.length ? ys : pool);
        const [gx] = kiln.gradients(kiln.sum(kiln.mul(y.t, y.t)), [x.t]);
        if (gx) out = { t: gx, shape: x.shape };
        break;
      }
      case 11:
        if (rank === 0) break;
        out = { t: kiln.broadcastTo(constOf([]).t, a.shape.map((d, i) => (i === 0 && a.t.shape[0] === null ? d : d))), shape: a.shape };
        if (a.t.shape.some((d) => d === null)) out = { t: kiln.mul(kiln.broadcastLike(constOf([]).t, a.t), a.t), shape: a.shape };
        break;
      case 12:
        if (rank !== 2) break;
        out = { t: kiln.softmax(a.t, 1), shape: a.shape };
        break;
      default: {
        const b = pick(pool);
        if (b.shape.join() === a.shape.join()) out = { t: kiln.sub(kiln.mul(a.t, b.t), a.t), shape: a.shape };
        break;
      }
    }
    if (out) pool.push(out);
  }
  const nFetch = 1 + int(3);
  const fetches = [...new Set(pool.slice(-nFetch).map((e) => e.t))];
  return { seed, fetches, feeds, feedShapes };
}

