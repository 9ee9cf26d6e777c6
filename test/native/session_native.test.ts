/**
 * Session({ backend: 'native' }) against the interpreter: training trajectories, fusion
 * patterns (kernel counts and values), random ops bit for bit, run semantics (start-of-run
 * reads, failed runs change nothing, feed errors), and user strings in generated code.
 */
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { generate } from '../../codegen/build.js';
import { compare, det, expectNativeMatches } from '../codegen/helpers.js';

function mlp(g: kiln.Graph) {
  return g.asDefault(() => {
    const x = kiln.placeholder('float32', [null, 8], 'x');
    const labels = kiln.placeholder('int32', [null], 'labels');
    const w1 = kiln.variable('glorotUniform', { shape: [8, 16], name: 'w1' });
    const b1 = kiln.variable('zeros', { shape: [16], name: 'b1' });
    const w2 = kiln.variable('glorotUniform', { shape: [16, 4], name: 'w2' });
    const b2 = kiln.variable('zeros', { shape: [4], name: 'b2' });
    const h = kiln.relu(kiln.add(kiln.matmul(x, w1), b1));
    const logits = kiln.add(kiln.matmul(h, w2), b2);
    const loss = kiln.mean(kiln.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    const train = new kiln.SGD({ lr: 0.1, momentum: 0.9 }).minimize(loss);
    return { x, labels, loss, train, w1, b2, logits };
  });
}

describe('native session: training', () => {
  it('an MLP trained with SGD momentum follows the interpreter for 5 steps (one kiln_run per step)', () => {
    const g = new kiln.Graph();
    g.seed = 3;
    const m = mlp(g);
    const feeds = { x: det(6 * 8, 11), labels: Int32Array.from([0, 1, 2, 3, 1, 0]) };
    const si = new kiln.Session(g, { backend: 'interpreter' });
    const sn = new kiln.Session(g, { backend: 'native' });
    for (let step = 0; step < 5; step++) {
      const [a] = si.run([m.loss, m.train], feeds);
      const [b] = sn.run([m.loss, m.train], feeds);
      compare(b, a, 1e-4, `loss at step ${step}`);
    }
    compare(sn.getValue(m.w1), si.getValue(m.w1), 1e-4, 'w1 after 5 steps');
    compare(sn.getValue(m.b2), si.getValue(m.b2), 1e-4, 'b2 after 5 steps');
    // setValue writes the native state; getValue reads it back.
    sn.setValue(m.b2, [1, 2, 3, 4]);
    expect(Array.from(sn.getValue(m.b2).data)).toEqual([1, 2, 3, 4]);
    expect(() => sn.setValue(m.b2, [1, 2, 3])).toThrow(/shape/);
    // A wrong feed fails before any native call, with the interpreter's error, and changes nothing.
    const before = sn.getValue(m.w1).data.slice();
    expect(() => sn.run([m.loss, m.train], { x: det(5, 1), labels: feeds.labels })).toThrow(/do not fill shape/);
    expect(() => sn.run([m.loss, m.train], { x: feeds.x })).toThrow(/placeholder 'labels' needs a feed/);
    // A bad label fails in native code (before the update kernels): nothing changes.
    expect(() => sn.run([m.loss, m.train], { x: feeds.x, labels: Int32Array.from([0, 1, 9, 3, 1, 0]) })).toThrow(/label 9 .*out of range/);
    expect(Array.from(sn.getValue(m.w1).data)).toEqual(Array.from(before));
  });

  it('reports compile and load times of the MLP training executable and its arena', () => {
    const g = new kiln.Graph();
    g.seed = 3;
    const m = mlp(g);
    const sn = new kiln.Session(g, { backend: 'native' });
    sn.run([m.loss, m.train], { x: det(32 * 8, 1), labels: new Int32Array(32) });
    const b = sn.native!.lastBuild!;
    const meta = b.module.manifest.meta as { arenaPeakBytes: number; arenaTotalBytes: number };
    expect(meta.arenaPeakBytes).toBeLessThanOrEqual(meta.arenaTotalBytes);
    console.log(
      `MLP train step: passes ${b.ms.passes.toFixed(1)} ms, codegen ${b.ms.codegen.toFixed(1)} ms, ` +
        `compile ${b.ms.compile.toFixed(0)} ms (cached: ${b.library.cached}), load ${b.ms.load.toFixed(1)} ms, ` +
        `${b.generated.kernels} kernels, arena peak ${meta.arenaPeakBytes} B of ${meta.arenaTotalBytes} B`,
    );
    // A second session compiles the same source: a cache hit, no compiler run.
    const warm = new kiln.Session(g, { backend: 'native' });
    warm.run([m.loss, m.train], { x: det(32 * 8, 1), labels: new Int32Array(32) });
    const w = warm.native!.lastBuild!;
    expect(w.library.cached).toBe(true);
    console.log(`MLP train step warm: toolchain ${w.ms.compile.toFixed(1)} ms + load ${w.ms.load.toFixed(1)} ms (+ passes ${w.ms.passes.toFixed(1)} ms)`);
  });
});

describe('native session: fusion patterns', () => {
  it('loop chain, reduction with prologue/epilogue, softmax, matmul+bias+relu and updates run fused and match', () => {
    const g = new kiln.Graph();
    const cases = g.asDefault(() => {
      const x = kiln.placeholder('float32', [4, 6], 'x');
      const w = kiln.variable(det(6 * 5, 2), { name: 'w', shape: [6, 5] });
      const b = kiln.variable(det(5, 3), { name: 'b', shape: [5] });
      return {
        chain: kiln.tanh(kiln.mul(kiln.add(kiln.exp(x), 1), 0.5)),
        reduction: kiln.sqrt(kiln.add(kiln.sum(kiln.square(x), 1), 1e-3)),
        softmax: kiln.softmax(x),
        dense: kiln.relu(kiln.add(kiln.matmul(x, w), b)),
      };
    });
    const kernelsOf = (t: kiln.Tensor): number => generate(kiln.passes.makeProgram([t])).generated.kernels;
    expect(kernelsOf(cases.chain)).toBe(1);
    expect(kernelsOf(cases.reduction)).toBe(1);
    expect(kernelsOf(cases.softmax)).toBe(1);
    expect(kernelsOf(cases.dense)).toBe(1);
    expectNativeMatches(g, Object.entries(cases).map(([name, t]) => ({ name, t, tol: 1e-5 })), { x: det(24, 5) });
  });
});

describe('native session: random ops and run semantics', () => {
  it('uniform draws and dropout equal the interpreter bit for bit; normals within 1e-6; new draws each run', () => {
    const g = new kiln.Graph();
    g.seed = 99;
    const cases = g.asDefault(() => {
      const x = kiln.placeholder('float32', [3, 5], 'x');
      return [
        { name: 'uniform', t: kiln.randomUniform([7, 3], { minval: -2, maxval: 3 }), tol: 0 },
        { name: 'uniform int', t: kiln.randomUniform([10], { minval: -5, maxval: 40, dtype: 'int32' }), tol: 0 },
        { name: 'dropout', t: kiln.dropout(x, 0.4), tol: 0 },
        { name: 'dropout noiseShape', t: kiln.dropout(x, 0.5, { noiseShape: [1, 5] }), tol: 0 },
        { name: 'dropout grad', t: kiln.gradients(kiln.sum(kiln.dropout(x, 0.3, { seed: 5 })), [x])[0]!, tol: 0 },
        { name: 'normal', t: kiln.randomNormal([9], { mean: 1, stddev: 2 }), tol: 1e-6 },
        { name: 'truncatedNormal', t: kiln.truncatedNormal([9]), tol: 1e-6 },
      ];
    });
    expectNativeMatches(g, cases, { x: det(15, 8) }, 3);
  });

  it('all reads see start-of-run values; updates are visible after the run', () => {
    const g = new kiln.Graph();
    const { v, read, upd } = g.asDefault(() => {
      const v = kiln.variable([1, 2, 3], { name: 'v' });
      const upd = kiln.assign(v, kiln.mul(v, 10));
      const read = kiln.withControlDependencies([upd], () => kiln.add(v, 0));
      return { v, read, upd };
    });
    const si = new kiln.Session(g, { backend: 'interpreter' });
    const sn = new kiln.Session(g, { backend: 'native' });
    for (let i = 0; i < 2; i++) {
      const want = si.run([v, read, upd]);
      const got = sn.run([v, read, upd]);
      want.forEach((w, j) => compare(got[j]!, w, 0, `fetch ${j} run ${i}`));
    }
  });

  it('gradient ops of unknown dims (concat, slice, pad), second-order pooling, and gather errors', () => {
    const g = new kiln.Graph();
    const { cases, bad } = g.asDefault(() => {
      const a = kiln.placeholder('float32', [null, 3], 'a');
      const b = kiln.placeholder('float32', [null, 3], 'b');
      const img = kiln.placeholder('float32', [1, 4, 4, 2], 'img');
      const c = kiln.concat([a, b], 0);
      const s = kiln.slice(a, [1, 1], [-1, 2]);
      const p = kiln.pad(a, [[0, 2], [1, 0]]);
      const w = (t: kiln.Tensor, seed: number) => kiln.sum(kiln.mul(kiln.exp(t), seed));
      const gc = kiln.gradients(w(c, 1), [a, b]);
      const gs = kiln.gradients(w(s, 2), [a])[0]!;
      const gp = kiln.gradients(w(p, 3), [a])[0]!;
      const pooled = kiln.maxPool2d(img, { poolSize: 2, strides: 1, padding: 'same' });
      const gimg = kiln.gradients(kiln.sum(kiln.square(pooled)), [img])[0]!;
      const gg = kiln.gradients(kiln.sum(kiln.mul(gimg, img)), [img])[0]!;
      const idx = kiln.placeholder('int32', [2], 'idx');
      const bad = kiln.gather(a, idx, 0);
      return {
        cases: [
          { name: 'concat grad a', t: gc[0]!, tol: 1e-5 },
          { name: 'concat grad b', t: gc[1]!, tol: 1e-5 },
          { name: 'slice grad', t: gs, tol: 1e-5 },
          { name: 'pad grad', t: gp, tol: 1e-5 },
          { name: 'maxPool grad', t: gimg, tol: 1e-5 },
          { name: 'maxPool grad grad', t: gg, tol: 1e-5 },
        ],
        bad,
      };
    });
    const feeds = { a: det(12, 1), b: det(6, 2), img: det(32, 3) };
    const sn = expectNativeMatches(g, cases, feeds);
    expect(() => sn.run(bad, { ...feeds, idx: Int32Array.from([1, 7]) })).toThrow(/gather 'GatherV2': indices\[1\] = 7 is not in \[0, 4\)/);
  });
});

describe('native session: user strings never reach generated code unescaped', () => {
  it('names with comment terminators, quotes, newlines and #include compile and run', () => {
    const g = new kiln.Graph();
    const evil = ['*/ #include <evil> /*', '"); abort(); //', 'line\nbreak\r\n#define x 1', "\\' ??/ \u00e9\u4e2d"];
    const { out, v } = g.asDefault(() => {
      const x = kiln.placeholder('float32', [2], evil[0]);
      const v = kiln.variable([1, 2], { name: evil[1] });
      const y = g.nameScope(evil[2]!, () => kiln.add(x, v, evil[3]));
      return { out: kiln.gather(y, kiln.constant(Int32Array.from([1, 0]), { dtype: 'int32' }), 0, evil[3]), v };
    });
    const src = generate(kiln.passes.makeProgram([out]), {}).generated.source;
    for (const e of evil) expect(src.includes(e)).toBe(false);
    expect(src).not.toMatch(/#include <evil>/);
    const sn = new kiln.Session(g, { backend: 'native' });
    const [r] = sn.run([out], { [evil[0]!]: new Float32Array([10, 20]) });
    expect(Array.from(r!.data)).toEqual([22, 11]);
    expect(Array.from(sn.getValue(v).data)).toEqual([1, 2]);
  });
});
