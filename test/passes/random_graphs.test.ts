/**
 * Differential test: random seeded graphs (elementwise, broadcast, reductions, matmul,
 * reshapes, transposes, shared subexpressions, constant subgraphs, simplifier bait, gradients)
 * evaluated on the interpreter with and without the whole pipeline. Replay one graph with
 * KILN_PASS_SEED=<seed> npx vitest run test/passes/random_graphs.test.ts
 */
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectSameRun, run } from './helpers.js';

type Tensor = kiln.Tensor;

const GRAPHS = 220;
const FIRST_SEED = 1000;

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
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

interface Case {
  program: kiln.passes.Program;
  feeds: Record<string, kiln.NDArray>;
  feedShapes: Record<string, number[]>;
}

function randomCase(seed: number): Case {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const values = (n: number, lo = -2, hi = 2): Float32Array => Float32Array.from({ length: n }, () => lo + r() * (hi - lo));
  const g = new kiln.Graph();
  g.seed = seed;
  const feeds: Record<string, kiln.NDArray> = {};
  const feedShapes: Record<string, number[]> = {};
  const pool: Entry[] = [];
  const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  const constOf = (shape: number[], lo = -2, hi = 2): Entry => ({ t: kiln.constant(new kiln.NDArray(values(size(shape), lo, hi), shape, 'float32')), shape });
  return g.asDefault(() => {
    const batch = 2 + int(3);
    const dims = [2 + int(3), 2 + int(3), 3];
    const nInputs = 1 + int(3);
    const placeholders: Entry[] = [];
    for (let i = 0; i < nInputs; i++) {
      const shape = i === 0 || r() < 0.5 ? [batch, pick(dims)] : [pick(dims), pick(dims)];
      const name = `in${i}`;
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
        case 8:
          if (rank < 2) break;
          out = { t: kiln.transpose(r() < 0.5 ? kiln.transpose(a.t) : a.t), shape: [...a.shape].reverse() };
          if (out.t.op.inputs[0]!.op.type === 'Transpose') out.shape = [...a.shape];
          break;
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
    return { program: kiln.passes.makeProgram(fetches), feeds, feedShapes };
  });
}

function checkCase(seed: number): void {
  try {
    const c = randomCase(seed);
    const want = run(c.program, c.feeds);
    const result = kiln.passes.optimize(c.program, { feedShapes: c.feedShapes });
    expectSameRun(run(result.program, c.feeds), want, 1e-4);
    // Every compute op is in exactly one kernel, and kernels are in dependency order.
    const fused = result.fused!;
    const seen = new Map<kiln.Operation, number>();
    for (const k of fused.kernels) for (const o of k.ops) {
      expect(seen.has(o), `${o} in two kernels`).toBe(false);
      seen.set(o, k.id);
    }
    for (const o of result.program.graph.ops) {
      if (!['Placeholder', 'Const', 'Variable', 'NoOp'].includes(o.type)) expect(seen.has(o), `${o} in no kernel`).toBe(true);
    }
    for (const k of fused.kernels) for (const t of k.inputs) if (seen.has(t.op)) expect(seen.get(t.op)!).toBeLessThan(k.id);
  } catch (e) {
    const err = e as Error;
    err.message = `random graph seed ${seed} (replay: KILN_PASS_SEED=${seed}): ${err.message}`;
    throw err;
  }
}

describe('random graphs: pipeline vs no pipeline on the interpreter', () => {
  const only = process.env['KILN_PASS_SEED'];
  const seeds = only ? [Number(only)] : Array.from({ length: GRAPHS }, (_, i) => FIRST_SEED + i);
  it(`${seeds.length} seeded graphs give the same results`, () => {
    for (const seed of seeds) checkCase(seed);
  });
});
