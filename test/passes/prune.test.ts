import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { build, data, expectSameRun, run, structure } from './helpers.js';

const { prune, verifyProgram } = kiln.passes;

describe('prune', () => {
  it('drops ops the fetches do not need, keeping names', () => {
    const before = build(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      const y = kiln.mul(x, 2, 'y');
      kiln.add(y, 1, 'dead');
      kiln.neg(x, 'dead2');
      return [y];
    });
    const expected = build(() => [kiln.mul(kiln.placeholder('float32', [2, 3], 'x'), 2)]);
    const { program, changes } = prune(before);
    verifyProgram(program);
    expect(changes).toBe(3); // Add, its Const 1, Neg
    expect(structure(program)).toBe(structure(expected));
    expect(program.graph.ops.map((o) => o.name)).toEqual(['x', 'Const', 'y']);
    expect(before.graph.ops.length).toBe(6); // the input is not touched
    const feeds = { x: data([2, 3]) };
    expectSameRun(run(program, feeds), run(before, feeds));
  });

  it('keeps updates a target depends on through control inputs', () => {
    const before = build(() => {
      const v = kiln.variable([1, 2], { name: 'v' });
      const a = kiln.assignAdd(v, [1, 1], 'upd');
      const t = kiln.group([a], 'train');
      kiln.assign(v, [0, 0], 'unused_update');
      return { fetches: [], targets: [t] };
    });
    const { program } = prune(before);
    expect(program.graph.ops.map((o) => o.type)).toEqual(['Variable', 'Const', 'AssignAdd', 'NoOp']);
    expect(program.targets[0]!.name).toBe('train');
    expectSameRun(run(program), run(before));
  });

  it('leaves a fully live program unchanged (same object)', () => {
    const before = build(() => [kiln.add(kiln.placeholder('float32', [2], 'x'), 1)]);
    const r = prune(before);
    expect(r.changes).toBe(0);
    expect(r.program).toBe(before);
  });
});
