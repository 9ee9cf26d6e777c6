/**
 * Differential test: random seeded graphs (random_graph_gen.ts: elementwise, broadcast,
 * reductions, matmul, reshapes, transposes, shared subexpressions, constant subgraphs,
 * simplifier bait, gradients) evaluated on the interpreter with and without the whole
 * pipeline. Replay one graph with KILN_PASS_SEED=<seed> npx vitest run test/passes/random_graphs.test.ts
 */
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectSameRun, run } from './helpers.js';
import { randomCase } from './random_graph_gen.js';

const GRAPHS = 220;
const FIRST_SEED = 1000;

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
