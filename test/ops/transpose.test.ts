import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, f64, randomData } from '../helpers.js';

describe('transpose', () => {
  it('reverses axes by default and follows perm', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.constant([[1, 2, 3], [4, 5, 6]]);
      expect(evalF64(kiln.transpose(x))[0]!.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
      const a = kiln.constant(Int32Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4] });
      const t = kiln.transpose(a, [1, 2, 0]);
      expect(t.shape).toEqual([3, 4, 2]);
      const v = evalF64(t)[0]!;
      expect(v.dtype).toBe('int32');
      // out[i][j][k] = a[k][i][j] = k*12 + i*4 + j
      for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 2; k++) {
        expect(v.data[i * 8 + j * 2 + k]).toBe(k * 12 + i * 4 + j);
      }
      expect(evalF64(kiln.transpose(kiln.constant(5)))[0]!.toArray()).toBe(5);
      const b = kiln.constant([true, false], { shape: [1, 2] });
      expect(evalF64(kiln.transpose(b))[0]!.toArray()).toEqual([[true], [false]]);
    });
  });

  it('moves unknown dims with their axis', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [null, 3, 4], 'x');
      const t = kiln.transpose(x, [2, 0, 1]);
      expect(t.shape).toEqual([4, null, 3]);
      expect(evalF64(t, new Map([[x, f64(randomData(24), [2, 3, 4])]]))[0]!.shape).toEqual([4, 2, 3]);
    });
  });

  it('rejects a bad perm', () => {
    const g = new kiln.Graph();
    g.asDefault(() => {
      const x = kiln.placeholder('float32', [2, 3], 'x');
      expect(() => kiln.transpose(x, [0, 0], 'tr')).toThrowError(kiln.InvalidArgumentError);
      expect(() => kiln.transpose(x, [0, 0], 'tr')).toThrowError(
        /^transpose 'tr(_\d+)?': perm must be a permutation of 0\.\.1 for input \[2,3\], got \[0,0\] \(created at test\/ops\/transpose\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.transpose(x, [0, 1, 2])).toThrowError(/got \[0,1,2\]/);
      expect(() => kiln.transpose(x, [1, 2])).toThrowError(/got \[1,2\]/);
    });
  });

  it('has the gradient of a transpose (inverse perm)', () => {
    checkGradient((x) => kiln.transpose(x), [f64(randomData(6), [2, 3])]);
    checkGradient((x) => kiln.transpose(x, [1, 2, 0]), [f64(randomData(24, 3), [2, 3, 4])]);
    checkGradient((x) => kiln.transpose(x, [3, 1, 0, 2]), [f64(randomData(120, 4), [2, 3, 4, 5])]);
  });
});
