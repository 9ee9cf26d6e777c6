/**
 * checkNumerics on both backends: the first op that made a NaN or an infinity is named with its
 * user name and call site (a middle op of a fused kernel included), a failed run changes no
 * variable, and the flag leaves the generated source as it is (only the cache key moves).
 */
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { generate, buildFlags } from '../../codegen/build.js';

const BACKENDS = ['interpreter', 'native'] as const;
const here = 'test/debug/numerics.test.ts';

// Lines of the ops the tests expect to be blamed: `mark(name)` on the line that creates the op.
const MARKS: Record<string, number> = {};
const lineOf = (marker: string): number => MARKS[marker]!;
function mark(name: string): void {
  const line = /numerics\.test\.ts:(\d+)/.exec(new Error().stack!.split('\n')[2]!)![1]!;
  MARKS[name] = Number(line);
}

function trainingGraph() {
  const g = new kiln.Graph();
  g.seed = 5;
  const m = g.asDefault(() => {
    const x = kiln.placeholder('float32', [null, 4], 'x');
    const w = kiln.variable('glorotUniform', { shape: [4, 3], name: 'w' });
    const h = kiln.matmul(x, w, { name: 'dense/MatMul' });
    mark('log'); const lg = kiln.log(kiln.add(h, 3), 'loss/Log');
    const loss = kiln.mean(lg, undefined, false, 'loss/Mean');
    const train = new kiln.SGD({ lr: 0.1 }).minimize(loss);
    return { x, w, loss, train };
  });
  return { g, ...m };
}

describe('checkNumerics', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: log of a negative number names the op, its name and call site; variables unchanged`, () => {
      const m = trainingGraph();
      const sess = new kiln.Session(m.g, { backend, checkNumerics: true });
      const ok = new Float32Array(8).fill(0.1);
      sess.run([m.loss, m.train], { x: ok }); // finite: runs and updates
      const before = Array.from(sess.getValue(m.w).data);
      const bad = Float32Array.from([0.1, 0.1, 0.1, 0.1, -50, -50, -50, -50]);
      let err: kiln.NumericError | undefined;
      try {
        sess.run([m.loss, m.train], { x: bad });
      } catch (e) {
        err = e as kiln.NumericError;
      }
      expect(err).toBeInstanceOf(kiln.NumericError);
      expect(err!.opType).toBe('Log');
      expect(err!.opName).toBe('loss/Log');
      expect(err!.value).toBe('NaN');
      expect(err!.callSite).toBe(`${here}:${lineOf('log')}`);
      expect(err!.message).toMatch(new RegExp(`^checkNumerics: log 'loss/Log' produced NaN \\(created at ${here}:${lineOf('log')}\\); first at element \\[1,`));
      if (backend === 'native') expect(err!.kernel).toMatch(/^k\d+/);
      expect(Array.from(sess.getValue(m.w).data)).toEqual(before);
      // Without the check the same run goes through (NaN loss, NaN weights).
      const plain = new kiln.Session(m.g, { backend });
      const [loss] = plain.run([m.loss, m.train], { x: bad });
      expect(Number.isNaN(loss.data[0])).toBe(true);
      // The check can be switched on and off between runs (as Keras fit does).
      plain.checkNumerics = true;
      expect(() => plain.run([m.loss, m.train], { x: bad })).toThrow(/^checkNumerics: log 'loss\/Log' produced NaN/);
      plain.checkNumerics = false;
      expect(Number.isNaN(plain.run(m.loss, { x: bad }).data[0])).toBe(true);
      sess.close();
      plain.close();
    });
  }

  it('blames the middle op of a fused kernel, on both backends, and an overflow as Inf', () => {
    const g = new kiln.Graph();
    const t = g.asDefault(() => {
      const x = kiln.placeholder('float32', [6], 'x');
      mark('mid'); const lg = kiln.log(x, 'mid/Log');
      const y = kiln.add(kiln.mul(lg, 2, 'mid/Mul'), kiln.square(x, 'mid/Square'), 'mid/Add');
      mark('exp'); const e = kiln.exp(kiln.mul(x, 3, 'big/Mul'), 'big/Exp');
      const z = kiln.sub(e, 1, 'big/Sub');
      return { y, z };
    });
    const seen: string[] = [];
    for (const backend of BACKENDS) {
      const sess = new kiln.Session(g, { backend, checkNumerics: true });
      expect(() => sess.run(t.y, { x: [1, 2, 3, -1, 5, 6] })).toThrow(
        new RegExp(`^checkNumerics: log 'mid/Log' produced NaN \\(created at ${here}:${lineOf('mid')}\\); first at element \\[3\\]`),
      );
      expect(() => sess.run(t.z, { x: [1, 2, 40, 1, 1, 1] })).toThrow(/^checkNumerics: exp 'big\/Exp' produced Inf .*element \[2\]/);
      expect(Array.from(sess.run(t.z, { x: [0, 0, 0, 0, 0, 0] }).data)).toEqual([0, 0, 0, 0, 0, 0]);
      if (backend === 'native') {
        // One kernel of several ops: the blame is not the kernel's last op.
        const order = sess.native!.lastBuild!.generated.order;
        expect(order.length).toBe(1);
        expect(order[0]!.ops.map((o) => o.type)).toEqual(['Mul', 'Exp', 'Sub']);
      }
      seen.push(backend);
      sess.close();
    }
    expect(seen).toEqual(['interpreter', 'native']);
  });

  it('an update that overflows is caught after it wrote, and the variable is put back', () => {
    const g = new kiln.Graph();
    const m = g.asDefault(() => {
      const v = kiln.variable('ones', { shape: [3], name: 'v' });
      const s = kiln.variable('ones', { shape: [3], name: 's' });
      const k = kiln.placeholder('float32', [3], 'k');
      const up1 = kiln.assign(s, kiln.add(s, 1, 's/Add'), 's/Assign');
      const up2 = kiln.assign(v, kiln.mul(v, k, 'v/Mul'), 'v/Assign');
      return { v, s, k, ups: [up1.op, up2.op] };
    });
    for (const backend of BACKENDS) {
      const sess = new kiln.Session(g, { backend, checkNumerics: true });
      sess.setValue(m.v, [1e30, 2, 3]);
      expect(() => sess.run(m.ups, { k: [1e10, 1, 1] })).toThrow(/^checkNumerics: mul 'v\/Mul' produced Inf/);
      expect(Array.from(sess.getValue(m.v).data)).toEqual([1e30, 2, 3].map(Math.fround));
      expect(Array.from(sess.getValue(m.s).data)).toEqual([1, 1, 1]);
      sess.run(m.ups, { k: [1, 1, 1] });
      expect(Array.from(sess.getValue(m.s).data)).toEqual([2, 2, 2]);
      // A NaN held by a variable (a source) is blamed on the first op computing from it.
      sess.setValue(m.v, [1, NaN, 3]);
      expect(() => sess.run(m.ups, { k: [1, 1, 1] })).toThrow(/^checkNumerics: mul 'v\/Mul' produced NaN .*element \[1\]/);
      expect(Array.from(sess.getValue(m.s).data)).toEqual([2, 2, 2]);
      sess.close();
    }
  });

  it('leaves the generated source unchanged: only the compiler flags and the cache key differ', () => {
    const m = trainingGraph();
    const program = kiln.passes.makeProgram([m.loss], [m.train]);
    const shapes = { x: [2, 4] };
    const plain = generate(program, shapes).generated.source;
    expect(generate(program, shapes, { checkNumerics: true }).generated.source).toBe(plain);
    expect(generate(program, shapes, { profile: true }).generated.source).toBe(plain);
    expect(buildFlags({})).toEqual([]);
    expect(buildFlags({ checkNumerics: true })).toEqual(['-DKILN_CHECK_NUMERICS']);
    // No user name reaches the checks: they carry kernel and output positions only.
    expect(plain).not.toMatch(/KILN_CHECK_FINITE\([^)]*loss/);
    expect(plain).toMatch(/KILN_CHECK_FINITE\(\w+, \d+, \d+, \d+\);/);

    const feeds = { x: new Float32Array(8).fill(0.5) };
    const a = new kiln.Session(m.g);
    const b = new kiln.Session(m.g, { checkNumerics: true });
    const la = a.run(m.loss, feeds);
    const lb = b.run(m.loss, feeds);
    expect(Array.from(lb.data)).toEqual(Array.from(la.data));
    const ba = a.native!.lastBuild!;
    const bb = b.native!.lastBuild!;
    expect(bb.generated.source).toBe(ba.generated.source);
    expect(ba.flags).toEqual([]);
    expect(bb.flags).toEqual(['-DKILN_CHECK_NUMERICS']);
    expect(bb.library.key).not.toBe(ba.library.key);
    a.close();
    b.close();
  });

  it('native: a run failing in a kernel after an update (gather of an assign) changes nothing, as the interpreter', () => {
    const g = new kiln.Graph();
    const t = g.asDefault(() => {
      const v = kiln.variable('ones', { shape: [3], name: 'v' });
      const i = kiln.placeholder('int32', [2], 'i');
      const a = kiln.assign(v, kiln.add(v, 1));
      return { v, i, out: kiln.gather(kiln.mul(a, 2), i) };
    });
    for (const backend of BACKENDS) {
      const sess = new kiln.Session(g, { backend });
      expect(() => sess.run(t.out, { i: [0, 7] })).toThrow(/7/);
      expect(Array.from(sess.getValue(t.v).data)).toEqual([1, 1, 1]);
      expect(Array.from(sess.run(t.out, { i: [0, 2] }).data)).toEqual([4, 4]);
      expect(Array.from(sess.getValue(t.v).data)).toEqual([2, 2, 2]);
      sess.close();
    }
  });
});

describe('checkNumerics in Keras fit', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: fit({ checkNumerics: true }) stops at the first op and leaves the weights; the session's setting comes back`, () => {
      const m = new kiln.Sequential([new kiln.layers.Dense(3, { activation: 'relu', inputDim: 2 }), new kiln.layers.Dense(2, { activation: 'softmax' })], { seed: 2, backend });
      m.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: new kiln.SGD({ lr: 0.1 }) });
      const x = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
      const y = Int32Array.from([0, 1, 0, 1]);
      m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, checkNumerics: true });
      const weights = m.getWeights().map((w) => Array.from(w.data));
      const bad = Float32Array.from([0.1, 0.2, Infinity, 0.4, 0.5, 0.6, 0.7, 0.8]);
      expect(() => m.fit(bad, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false, checkNumerics: true })).toThrow(/^checkNumerics: matmul '[^']*MatMul' produced (NaN|Inf|-Inf) \(created at /);
      expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(weights);
      expect(m.session.checkNumerics).toBe(false);
      m.fit(bad, y, { epochs: 1, batchSize: 4, verbose: 0 }); // off: trains into NaN without a word
      expect(m.getWeights().some((w) => Array.from(w.data).some(Number.isNaN))).toBe(true);
    });
  }
});
