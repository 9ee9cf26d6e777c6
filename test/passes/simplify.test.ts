import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { build, data, expectSameRun, run, structure } from './helpers.js';

const { simplify, verifyProgram } = kiln.passes;
type Tensor = kiln.Tensor;

/** Runs simplify, checks validity, values and the expected structure. */
function check(before: kiln.passes.Program, expected: kiln.passes.Program, feeds: Record<string, kiln.NDArray>): kiln.passes.Program {
  const { program } = simplify(before);
  verifyProgram(program);
  expect(structure(program)).toBe(structure(expected));
  expectSameRun(run(program, feeds), run(before, feeds), 0);
  return program;
}

/** The op is left exactly as it was. */
function unchanged(fn: (x: Tensor) => Tensor, shape = [2, 3]): void {
  const before = build(() => [fn(kiln.placeholder('float32', shape, 'x'))]);
  const r = simplify(before);
  expect(r.changes).toBe(0);
  expect(structure(r.program)).toBe(structure(before));
}

describe('simplify', () => {
  const x23 = () => kiln.placeholder('float32', [2, 3], 'x');
  const feeds = { x: data([2, 3]) };

  it('removes identity, x*1, 1*x, x/1, x+(-0), x-(+0) and double negation', () => {
    const before = build(() => {
      const x = x23();
      const a = kiln.mul(kiln.identity(x), 1);
      const b = kiln.div(kiln.mul(kiln.constant([1, 1, 1]), a), 1);
      const c = kiln.sub(kiln.add(b, kiln.constant(-0)), kiln.constant(0));
      return [kiln.neg(kiln.neg(kiln.stopGradient(c)))];
    });
    const expected = build(() => [x23()]);
    check(before, expected, feeds);
  });

  it('composes transposes and reshapes, and absorbs transposes into matmul flags', () => {
    const before = build(() => {
      const x = kiln.placeholder('float32', [2, 3, 4], 'x');
      const t = kiln.transpose(kiln.transpose(x, [1, 0, 2]), [0, 2, 1]); // = perm [1, 2, 0]
      const back = kiln.transpose(kiln.transpose(x, [2, 0, 1]), [1, 2, 0]); // identity
      const r = kiln.reshape(kiln.reshape(x, [6, 4]), [4, 6]);
      const same = kiln.reshape(x, [2, 3, 4]);
      const a = kiln.placeholder('float32', [4, 5], 'a');
      const b = kiln.placeholder('float32', [3, 4], 'b');
      const m = kiln.matmul(kiln.transpose(a), kiln.transpose(b, [1, 0]));
      return [t, back, r, same, m];
    });
    const expected = build(() => {
      const x = kiln.placeholder('float32', [2, 3, 4], 'x');
      const a = kiln.placeholder('float32', [4, 5], 'a');
      const b = kiln.placeholder('float32', [3, 4], 'b');
      return [kiln.transpose(x, [1, 2, 0]), x, kiln.reshape(x, [4, 6]), x, kiln.matmul(a, b, { transposeA: true, transposeB: true })];
    });
    const p = check(before, expected, { x: data([2, 3, 4]), a: data([4, 5], 2), b: data([3, 4], 3) });
    expect(p.fetches[4]!.op.attrs).toMatchObject({ transposeA: true, transposeB: true });
  });

  it('drops an explicit broadcast of a scalar feeding a broadcasting op', () => {
    const before = build(() => {
      const x = x23();
      return [kiln.mul(kiln.broadcastTo(kiln.constant(3), [2, 3]), x), kiln.add(x, kiln.broadcastLike(kiln.constant(2), x))];
    });
    const expected = build(() => {
      const x = x23();
      return [kiln.mul(kiln.constant(3), x), kiln.add(x, kiln.constant(2))];
    });
    check(before, expected, feeds);
  });

  describe('must not change (forbidden float32 rewrites are pinned)', () => {
    it('keeps x + 0 (it turns -0 into +0) and x - (-0)', () => {
      unchanged((x) => kiln.add(x, 0));
      unchanged((x) => kiln.add(kiln.constant(0), x));
      unchanged((x) => kiln.sub(x, kiln.constant(-0)));
      // and the reason, on the interpreter: -0 + 0 is +0
      const p = build(() => [kiln.add(kiln.placeholder('float32', [1], 'x'), 0)]);
      const v = run(p, { x: new kiln.NDArray(Float32Array.of(-0), [1], 'float32') }).values[0]!.data[0]!;
      expect(Object.is(v, 0)).toBe(true);
    });
    it('keeps 1/(1/x)', () => unchanged((x) => kiln.div(1, kiln.div(1, x))));
    it('keeps argmax(f(x)) for a monotone f', () => {
      unchanged((x) => kiln.argmax(kiln.maximum(x, 0), 1));
      unchanged((x) => kiln.argmax(kiln.mul(x, 1e30), 1)); // saturates to Inf: ties
    });
    it('keeps x*1 that broadcasts x to a larger shape, and x*0, x-x', () => {
      unchanged((x) => kiln.mul(x, kiln.constant([[1], [1]])), [3]);
      unchanged((x) => kiln.mul(x, 0));
      unchanged((x) => kiln.sub(x, x));
    });
    it('keeps a non-identity transpose and a reshape that changes the shape', () => {
      unchanged((x) => kiln.transpose(x));
      unchanged((x) => kiln.reshape(x, [3, 2]));
    });
  });
});
