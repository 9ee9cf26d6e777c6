import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { build, data, expectSameRun, run, structure } from './helpers.js';

const { constantFold, verifyProgram, MAX_FOLDED_ELEMENTS } = kiln.passes;

describe('constantFold', () => {
  it('folds a constant subexpression into one Const with the exact float32 value', () => {
    const before = build(() => {
      const x = kiln.placeholder('float32', [2], 'x');
      const c = kiln.div(kiln.add(kiln.constant([1, 2]), kiln.constant([2, 4])), 3, 'c'); // [1, 2]
      return [kiln.mul(x, c)];
    });
    const expected = build(() => [kiln.mul(kiln.placeholder('float32', [2], 'x'), kiln.constant([1, 2]))]);
    const { program, changes } = constantFold(before);
    verifyProgram(program);
    expect(changes).toBe(2);
    expect(structure(program)).toBe(structure(expected));
    expect(program.graph.getOperation('c')!.type).toBe('Const');
    expectSameRun(run(program, { x: data([2]) }), run(before, { x: data([2]) }));
  });

  it('rounds every intermediate to float32, as compiled code does', () => {
    // 1/3 in float32 times 3 is exactly 1 in float32 but 1 - 2^-54... in float64: fold op by op.
    const before = build(() => [kiln.mul(kiln.div(kiln.constant(1), kiln.constant(3)), kiln.constant(3))]);
    const { program } = constantFold(before);
    const v = program.fetches[0]!.op.attrs['value'] as kiln.NDArray;
    expect(v.data).toBeInstanceOf(Float32Array);
    const third = Math.fround(1 / 3);
    expect(v.data[0]).toBe(Math.fround(third * Math.fround(3)));
  });

  it('folds ReduceSize and BroadcastLike once their shape-only inputs are static', () => {
    const before = build(() => {
      const x = kiln.placeholder('float32', [4, 3], 'x');
      return [kiln.reduceSize(x, [0]), kiln.broadcastLike(kiln.constant(2), x)];
    });
    const { program, changes } = constantFold(before);
    expect(changes).toBe(2);
    expect(program.graph.ops.map((o) => o.type)).toEqual(['Const', 'Const']);
    expect(structure(program).split('\n')[0]).toBe('%0 = Const() float32[] [4]');
    expectSameRun(run(program), run(before, { x: data([4, 3]) }));
  });

  it('does not fold placeholders, variables, random ops, updates, dynamic shapes or huge results', () => {
    const before = build(() => {
      const x = kiln.placeholder('float32', [null, 3], 'x');
      const v = kiln.variable([1, 2, 3], { name: 'v' });
      const r = kiln.randomUniform([3]);
      const big = kiln.broadcastTo(kiln.constant(1), [MAX_FOLDED_ELEMENTS + 1]);
      return [kiln.reduceSize(x), kiln.add(v, 1), kiln.add(r, 1), kiln.add(big, 1), kiln.assignAdd(v, [1, 1, 1])];
    });
    const { program, changes } = constantFold(before);
    expect(changes).toBe(0);
    expect(program).toBe(before);
  });
});
