import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData, values } from '../helpers.js';

describe('Graph', () => {
  it('gives unique readable names under name scopes', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const names = g.nameScope('dense_1', () => [kiln.add(x, 1).op.name, kiln.add(x, 2).op.name]);
      const again = g.nameScope('dense_1', () => kiln.mul(x, x).op.name);
      expect(names).toEqual(['dense_1/Add', 'dense_1/Add_1']);
      expect(again).toEqual('dense_1_1/Mul');
      expect(kiln.add(x, x, 'sum').op.name).toBe('sum');
      expect(kiln.add(x, x, 'sum').op.name).toBe('sum_1');
    });
  });

  it('infers broadcast shapes with unknown dims', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const b = kiln.constant([1, 2, 3]);
      expect(kiln.add(x, b).shape).toEqual([null, 3]);
      expect(kiln.mul(kiln.constant([[1], [2]]), b).shape).toEqual([2, 3]);
    });
  });

  it('names the op, node, shapes and call site on a shape error', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.placeholder('float32', [2, 3], 'a');
      const b = kiln.placeholder('float32', [4], 'b');
      let err: Error | undefined;
      try {
        kiln.add(a, b, 'bad_add');
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(kiln.ShapeError);
      expect(err!.message).toMatch(/^add 'bad_add': shapes cannot broadcast: \[2,3\] and \[4\] \(created at test\/core\/graph\.test\.ts:\d+\)$/);
    });
  });

  it('rejects mixed dtypes with a DTypeError', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.placeholder('float32', [2], 'a');
      const i = kiln.placeholder('int32', [2], 'i');
      expect(() => kiln.add(a, i)).toThrowError(/add 'Add': dtypes differ: a is float32, b is int32 \(created at test\/core\/graph\.test\.ts:\d+\)/);
    });
  });

  it('rejects inputs from another graph', () => {
    const g1 = new kiln.Graph();
    const g2 = new kiln.Graph();
    const a = g1.asDefault(() => kiln.constant(1));
    const b = g2.asDefault(() => kiln.constant(2));
    expect(() => kiln.add(a, b)).toThrowError(/belongs to another graph/);
  });
});

for (const backend of ['native', 'interpreter'] as const) describe(`Session (${backend})`, () => {
  it('fetches nested structures and takes feeds by tensor or name', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2], 'x');
      const y = kiln.mul(x, 2);
      const z = kiln.add(y, 1);
      const sess = new kiln.Session(g, { backend });
      const feedsByName = { x: kiln.array([[1, 2], [3, 4]]) };
      const out = sess.run({ a: y, rest: [z, { y }] }, feedsByName);
      expect(out.a.toArray()).toEqual([[2, 4], [6, 8]]);
      expect(out.rest[0].toArray()).toEqual([[3, 5], [7, 9]]);
      expect(out.rest[1].y.data).toBeInstanceOf(Float32Array);
      const single = sess.run(z, new Map([[x, [[0, 0]]]]));
      expect(single.shape).toEqual([1, 2]);
      expect(Array.from(single.data)).toEqual([1, 1]);
      expect(sess.run(z, [['x:0', [[1, 1]]]]).toArray()).toEqual([[3, 3]]);
    });
  });

  it('reports a missing feed, a wrong shape, a wrong dtype and a foreign fetch', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2], 'x');
      const y = kiln.mul(x, 2);
      const sess = new kiln.Session(g, { backend });
      expect(() => sess.run(y)).toThrowError(/placeholder 'x' needs a feed: expected float32 \[\?,2\] \(created at test\/core\/graph\.test\.ts:\d+\)/);
      expect(() => sess.run(y, { x: [[1, 2, 3]] })).toThrowError(/placeholder 'x': fed shape \[1,3\], expected \[\?,2\]/);
      expect(() => sess.run(y, { x: [1, 2] })).toThrowError(/fed shape \[2\], expected \[\?,2\]/);
      expect(() => sess.run(y, { x: kiln.array(Int32Array.of(1, 2), [1, 2]) })).toThrowError(/placeholder 'x': fed int32, expected float32/);
      expect(() => sess.run(y, { nope: [[1, 2]] })).toThrowError(/no placeholder named 'nope'/);
      const other = new kiln.Graph().asDefault(() => kiln.constant(1));
      expect(() => sess.run(other)).toThrowError(/fetch Tensor 'Const:0' float32 \[\] belongs to another graph/);
    });
  });

  it('accepts a flat typed array for a placeholder with an unknown batch', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 2], 'x');
      const out = new kiln.Session(g, { backend }).run(kiln.add(x, 0.5), { x: Float32Array.of(1, 2, 3, 4, 5, 6) });
      expect(out.shape).toEqual([3, 2]);
    });
  });

  it('keeps variables across runs; updates apply after the run and a failed run changes nothing', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const v = kiln.variable([1, 2], { name: 'v' });
      const x = kiln.placeholder('float32', [2], 'x');
      const inc = kiln.assignAdd(v, x);
      const sess = new kiln.Session(g, { backend });
      const r = sess.run({ inc, v }, { x: [10, 20] });
      expect(Array.from(r.inc.data)).toEqual([11, 22]);
      expect(Array.from(r.v.data)).toEqual([1, 2]); // reads see the start-of-run value
      expect(Array.from(sess.getValue(v).data)).toEqual([11, 22]);
      // a failing run (wrong feed shape reaching the op at run time) leaves v untouched
      expect(() => sess.run(inc, { x: [1, 2, 3] })).toThrow();
      expect(Array.from(sess.getValue(v).data)).toEqual([11, 22]);
      sess.setValue(v, [0, 0]);
      expect(Array.from(sess.run(v).data)).toEqual([0, 0]);
      sess.initialize();
      expect(Array.from(sess.run(v).data)).toEqual([1, 2]);
      expect(() => sess.setValue(v, [1, 2, 3])).toThrowError(/setValue 'v': got shape \[3\], expected \[2\]/);
    });
  });

  it('runs updates through group and control dependencies', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.variable(0, { name: 'a' });
      const b = kiln.variable(0, { name: 'b' });
      const step = kiln.group([kiln.assignAdd(a, 1), kiln.assignAdd(b, 2)], 'step');
      const c = kiln.variable(0, { name: 'c' });
      const withDep = kiln.withControlDependencies([step], () => kiln.assignAdd(c, 5));
      const sess = new kiln.Session(g, { backend });
      expect(sess.run(step)).toBeUndefined();
      expect(sess.run([a, b]).map((t) => t.item())).toEqual([1, 2]);
      sess.run(withDep);
      expect(sess.run([a, b, c]).map((t) => t.item())).toEqual([2, 4, 5]);
    });
  });

  it('rejects two updates of one variable in one run', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const a = kiln.variable(0, { name: 'a' });
      const both = kiln.group([kiln.assignAdd(a, 1), kiln.assignAdd(a, 2)]);
      const sess = new kiln.Session(g, { backend });
      expect(() => sess.run(both)).toThrowError(/variable 'a' is updated twice in one run/);
      expect(sess.getValue(a).item()).toBe(0);
    });
  });
});

describe('gradients', () => {
  it('sums contributions of shared subexpressions (d/dx of x*x + x = 2x + 1)', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [3], 'x');
      const y = kiln.add(kiln.mul(x, x), x);
      const [dx] = kiln.gradients(y, [x]);
      const feeds = new Map([[x, f64([1, 2, -3], [3])]]);
      expectClose(values(dx!, feeds), [3, 5, -5]);
      expect(dx!.op.name.startsWith('gradients/')).toBe(true);
      expect(dx!.op.role).toBe('gradient');
    });
  });

  it('returns undefined (or zeros on request) for unconnected xs and stops at stopGradient', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2], 'x');
      const z = kiln.placeholder('float32', [2], 'z');
      const y = kiln.mul(kiln.stopGradient(x), x);
      const [dx, dz] = kiln.gradients(y, [x, z]);
      expect(dz).toBeUndefined();
      expectClose(values(dx!, new Map([[x, f64([3, 4], [2])]])), [3, 4]);
      const [, dz0] = kiln.gradients(y, [x, z], undefined, { unconnectedGradients: 'zero' });
      expectClose(values(dz0!, new Map([[x, f64([3, 4], [2])], [z, f64([0, 0], [2])]])), [0, 0]);
    });
  });

  it('reduces gradients through broadcasting back to the input shape', () => {
    checkGradient((a, b) => kiln.mul(kiln.add(a, b), b), [f64(randomData(6, 1), [2, 3]), f64(randomData(3, 2), [3])]);
    checkGradient((a, b) => kiln.mul(a, b), [f64(randomData(2, 3), [2, 1]), f64(randomData(6, 4), [1, 2, 3])]);
  });

  it('takes an explicit seed and rejects a seed of the wrong shape', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2], 'x');
      const y = kiln.mul(x, 3);
      const [dx] = kiln.gradients(y, [x], kiln.constant([1, 10]));
      expectClose(values(dx!, new Map([[x, f64([0, 0], [2])]])), [3, 30]);
      expect(() => kiln.gradients(y, [x], kiln.constant([1, 2, 3]))).toThrowError(/seed for .* has shape \[3\], expected \[2\]/);
    });
  });
});
