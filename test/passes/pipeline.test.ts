import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { build, data, expectSameRun, run, structure } from './helpers.js';
import { mlpTrainingProgram, MLP_SIZES } from './mlp_graph.js';

const { optimize, explain, specialize, verifyProgram, toDot } = kiln.passes;

function oneHot(rows: number, classes: number): kiln.NDArray {
  const d = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) d[r * classes + ((r * 7) % classes)] = 1;
  return new kiln.NDArray(d, [rows, classes], 'float32');
}

describe('specialize', () => {
  it('makes shapes static and rewrites the like ops to static forms', () => {
    const before = build(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const b = kiln.placeholder('float32', [3], 'b');
      return [kiln.sumToLike(x, b), kiln.reshapeLike(kiln.reshape(x, [-1]), x), kiln.reduceSize(x), kiln.sumToLike(x, x)];
    });
    const { program } = specialize({ x: [5, 3] })(before);
    verifyProgram(program);
    const expected = build(() => {
      const x = kiln.placeholder('float32', [5, 3], 'x');
      kiln.placeholder('float32', [3], 'b');
      return [kiln.reshape(kiln.sum(x, [0], true), [3]), kiln.reshape(kiln.reshape(x, [-1]), [5, 3]), kiln.constant(15), x];
    });
    expect(structure(program)).toBe(structure(expected));
    const feeds = { x: data([5, 3]), b: data([3]) };
    expectSameRun(run(program, feeds), run(before, feeds), 0);
  });

  it('must not change a graph that is already static, and rejects a wrong feed shape', () => {
    const before = build(() => [kiln.add(kiln.placeholder('float32', [2, 3], 'x'), 1)]);
    const r = specialize({ x: [2, 3] })(before);
    expect(r.changes).toBe(0);
    expect(structure(r.program)).toBe(structure(before));
    expect(() => specialize({ x: [2, 4] })(before)).toThrowError(/feed shape \[2,4\] does not match placeholder 'x' \[2,3\]/);
  });
});

describe('verifyProgram', () => {
  it('names the pass and the broken invariant', () => {
    const p = build(() => [kiln.add(kiln.placeholder('float32', [2], 'x'), 1)]);
    const other = build(() => [kiln.constant(1)]);
    expect(() => verifyProgram({ ...p, fetches: other.fetches }, 'cse')).toThrowError(/^verify \(after cse\): fetch Tensor 'Const:0' .* is not in the graph/);
    expect(() => verifyProgram(p)).not.toThrow();
  });
});

describe('optimize (pass manager)', () => {
  it('runs the pipeline on the MLP training graph: same loss and updates, kernels per variable, explain()', () => {
    const batch = 5;
    const before = mlpTrainingProgram();
    const feedShapes = { x: [batch, MLP_SIZES.inputs], labels: [batch, MLP_SIZES.classes] };
    const result = optimize(before, { feedShapes });
    const feeds = { x: data([batch, MLP_SIZES.inputs]), labels: oneHot(batch, MLP_SIZES.classes) };
    expectSameRun(run(result.program, feeds), run(before, feeds), 1e-5);
    const fused = result.fused!;
    const text = explain(fused);
    const nodesBefore = before.graph.ops.length;
    const nodesAfter = result.program.graph.ops.length;
    const naiveKernels = kiln.passes.optimize(before, { feedShapes, disable: ['prune', 'constantFold', 'cse', 'simplify'] }).fused!;
    console.log(
      `MLP training graph: ${nodesBefore} nodes before, ${nodesAfter} after the passes; ` +
        `${fused.kernels.length} kernels (vs ${naiveKernels.kernels.length} fused without the other passes, ` +
        `${naiveKernels.program.graph.ops.filter((o) => !['Placeholder', 'Const', 'Variable', 'NoOp'].includes(o.type)).length} compute ops unfused)\n` +
        result.stats.map((s) => `  ${s.pass}: ${s.nodesBefore} -> ${s.nodesAfter} nodes, ${s.changes} changes${s.kernels ? `, ${s.kernels} kernels` : ''}`).join('\n') +
        '\n' +
        text,
    );
    expect(nodesAfter).toBeLessThan(nodesBefore);
    // Rebuilt ops keep their identity: name, role and the user's call site.
    const assignBefore = before.graph.getOperation('SGD/dense_kernel/Assign')!;
    const assignAfter = result.program.graph.getOperation('SGD/dense_kernel/Assign')!;
    expect(assignAfter.role).toBe('optimizer');
    expect(assignAfter.callSite).toBe(assignBefore.callSite);
    expect(result.program.fetches[0]!.name).toBe(before.fetches[0]!.name);
    // One update kernel per trainable variable (each also writes its momentum slot).
    const updates = fused.kernels.filter((k) => k.kind === 'update');
    expect(updates).toHaveLength(4);
    for (const k of updates) {
      expect(k.writes).toHaveLength(2);
      expect(k.writes.filter((v) => /momentum$/.test(v.name))).toHaveLength(1);
    }
    // Dense + relu forward: one matmul kernel with the bias add and the activation as epilogue.
    const first = fused.kernels.find((k) => k.anchor?.name === 'dense/MatMul')!;
    expect(first.kind).toBe('matmul');
    expect(first.epilogue.slice(0, 2).map((o) => o.name)).toEqual(['dense/Add', expect.stringMatching(/^dense\//)]);
    expect(text).toMatch(/kernel k\d+_dense\/MatMul \(matmul/);
    expect(fused.kernels.length).toBeLessThan(naiveKernels.program.graph.ops.length);
    expect(toDot(fused)).toContain('subgraph cluster_0');
    // Kernels are in a valid order: each kernel's inputs come from sources or earlier kernels,
    // and a variable's readers run before the kernel that updates it.
    const producedBy = new Map<kiln.Tensor, number>();
    fused.kernels.forEach((k) => k.outputs.forEach((t) => producedBy.set(t, k.id)));
    for (const k of fused.kernels) {
      for (const t of k.inputs) if (producedBy.has(t)) expect(producedBy.get(t)!).toBeLessThan(k.id);
      for (const t of k.inputs) {
        if (t.op.type !== 'Variable') continue;
        const writer = fused.kernels.find((w) => w.writes.includes(t.op));
        if (writer && writer !== k) expect(k.id).toBeLessThan(writer.id);
      }
    }
  });

  it('runs with any pass disabled, verifies after every pass, dumps before/after and rejects unknown names', () => {
    const before = mlpTrainingProgram();
    const feedShapes = { x: [3, MLP_SIZES.inputs], labels: [3, MLP_SIZES.classes] };
    const feeds = { x: data([3, MLP_SIZES.inputs], 5), labels: oneHot(3, MLP_SIZES.classes) };
    const want = run(before, feeds);
    for (const name of kiln.passes.PASS_NAMES) {
      const r = optimize(before, { feedShapes, disable: [name] });
      expect(r.stats.some((s) => s.pass === name)).toBe(false);
      expectSameRun(run(r.program, feeds), want, 1e-5, `without ${name}: `);
    }
    const dumped: string[] = [];
    optimize(before, { feedShapes, dump: (pass, stage) => dumped.push(`${stage}:${pass}`) });
    expect(dumped.slice(0, 4)).toEqual(['before:specialize', 'after:specialize', 'before:prune', 'after:prune']);
    expect(() => optimize(before, { disable: ['nope' as never] })).toThrowError(/unknown pass 'nope'/);
  });
});
