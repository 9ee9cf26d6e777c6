import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { build, data, expectSameRun, run, structure } from './helpers.js';

const { cse, verifyProgram } = kiln.passes;

describe('cse', () => {
  it('merges equal pure ops and equal constants', () => {
    const before = build(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      const a = kiln.mul(x, 2);
      const b = kiln.mul(x, 2);
      const t1 = kiln.transpose(a, [1, 0]);
      const t2 = kiln.transpose(b, [1, 0]);
      return [kiln.add(t1, t2), t2];
    });
    const expected = build(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      const t = kiln.transpose(kiln.mul(x, 2), [1, 0]);
      return [kiln.add(t, t), t];
    });
    const { program, changes } = cse(before);
    verifyProgram(program);
    expect(changes).toBe(3); // Const 2, Mul, Transpose
    expect(structure(program)).toBe(structure(expected));
    expect(program.fetches[1]).toBe(program.fetches[0]!.op.inputs[0]); // the fetch maps to the survivor
    expectSameRun(run(program, { x: data([2, 3]) }), run(before, { x: data([2, 3]) }));
  });

  it('does not merge ops whose attrs differ, or constants +0 and -0', () => {
    const before = build(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      return [kiln.sum(x, 0), kiln.sum(x, 1), kiln.sum(x, 0, true), kiln.add(x, kiln.constant(0)), kiln.add(x, kiln.constant(-0))];
    });
    const r = cse(before);
    expect(r.changes).toBe(0);
    expect(r.program).toBe(before);
  });

  it('never merges placeholders, variables, random ops or updates, even when equal', () => {
    const before = build(() => {
      const p1 = kiln.placeholder('float32', [3], 'p');
      const p2 = kiln.placeholder('float32', [3], 'p');
      const v1 = kiln.variable([1, 2, 3], { name: 'v' });
      const v2 = kiln.variable([1, 2, 3], { name: 'v' });
      const r1 = kiln.randomUniform([3], { seed: 7 });
      const r2 = kiln.randomUniform([3], { seed: 7 });
      const u1 = kiln.assignAdd(v1, p1);
      const u2 = kiln.assignAdd(v2, p2);
      return [kiln.add(p1, p2), kiln.add(v1, v2), kiln.add(r1, r2), u1, u2];
    });
    const r = cse(before);
    expect(r.changes).toBe(0);
    expect(r.program.graph.ops.filter((o) => o.type === 'RandomUniform')).toHaveLength(2);
  });
});
