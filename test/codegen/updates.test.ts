/**
 * Update kernels write a variable in place, one element at a time: an update whose value
 * re-indexes (transpose) or broadcasts along an axis must still compile and match the
 * interpreter, run after run (the fusion pass keeps such ops out of the update kernel; the
 * emitter used to fail with "update kernel re-indexes a variable it writes").
 */
import { describe, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { det, expectNativeMatches, type Case } from './helpers.js';

describe('update kernels', () => {
  it('values that transpose or broadcast along an axis, the variable itself included, match over 3 runs', () => {
    const g = new kiln.Graph();
    const cases = g.asDefault((): Case[] => {
      const x = kiln.placeholder('float32', [3, 3], 'x');
      const row = kiln.placeholder('float32', [3], 'row');
      const vari = (name: string, seed: number): kiln.Tensor => kiln.variable(det(9, seed), { name, shape: [3, 3] });
      const v = vari('v', 1);
      const w = vari('w', 2);
      const u = vari('u', 3);
      const z = vari('z', 4);
      return [
        { name: 'v = transpose(v) + x', t: kiln.assign(v, kiln.add(kiln.transpose(v), x)), tol: 1e-6 },
        { name: 'w += x * row', t: kiln.assignAdd(w, kiln.mul(x, row)), tol: 1e-6 },
        { name: 'u = (x + 1) * transpose(x)', t: kiln.assign(u, kiln.mul(kiln.add(x, 1), kiln.transpose(x))), tol: 1e-6 },
        { name: 'z -= 0.1 * x (elementwise, in place)', t: kiln.assignSub(z, kiln.mul(x, 0.1)), tol: 1e-6 },
      ];
    });
    expectNativeMatches(g, cases, { x: det(9, 5), row: det(3, 6) }, 3);
  });
});
