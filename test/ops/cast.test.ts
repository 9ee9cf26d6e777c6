import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, evalF64, f64, randomData, values } from '../helpers.js';

const { Graph } = kiln;

describe('cast forward', () => {
  it('float32 -> int32 truncates toward zero, NaN -> 0, saturates out of range', () => {
    new Graph().asDefault(() => {
      const x = kiln.constant([1.9, -1.9, 0.5, -0.5, -0, 2147483647, 3e9, -3e9, Infinity, -Infinity, NaN]);
      const y = kiln.cast(x, 'int32');
      expect(y.dtype).toBe('int32');
      expect(y.shape).toEqual([11]);
      const out = evalF64(y)[0]!;
      expect(out.data).toBeInstanceOf(Int32Array);
      // 2147483647 rounds to 2^31 as a float32 constant, which saturates
      expect(Array.from(out.data)).toEqual([1, -1, 0, 0, 0, 2147483647, 2147483647, -2147483648, 2147483647, -2147483648, 0]);
      expect(values(kiln.cast(kiln.constant([-2147483648]), 'int32'))).toEqual([-2147483648]);
    });
  });

  it('anything -> bool is x != 0 (NaN -> true)', () => {
    new Graph().asDefault(() => {
      const f = kiln.cast(kiln.constant([0, -0, 0.1, -3, NaN, Infinity]), 'bool');
      expect(f.dtype).toBe('bool');
      expect(evalF64(f)[0]!.data).toBeInstanceOf(Uint8Array);
      expect(values(f)).toEqual([0, 0, 1, 1, 1, 1]);
      expect(values(kiln.cast(kiln.constant([0, 7, -1], { dtype: 'int32' }), 'bool'))).toEqual([0, 1, 1]);
    });
  });

  it('bool and int32 -> float32, bool -> int32, same dtype unchanged', () => {
    new Graph().asDefault(() => {
      const b = kiln.constant([[true, false], [false, true]]);
      expect(values(kiln.cast(b, 'float32'))).toEqual([1, 0, 0, 1]);
      expect(kiln.cast(b, 'float32').shape).toEqual([2, 2]);
      expect(values(kiln.cast(b, 'int32'))).toEqual([1, 0, 0, 1]);
      const i = kiln.constant([-5, 0, 2147483647], { dtype: 'int32' });
      const fi = kiln.cast(i, 'float32');
      expect(fi.dtype).toBe('float32');
      expect(values(fi)).toEqual([-5, 0, 2147483647]);
      expect(values(kiln.cast(i, 'int32'))).toEqual([-5, 0, 2147483647]);
      expect(values(kiln.cast(kiln.constant([1.5, NaN]), 'float32'))).toEqual([1.5, NaN]);
    });
  });

  it('int32 -> float32 rounds to float32 in the user-visible result', () => {
    const g = new Graph();
    g.asDefault(() => {
      const i = kiln.placeholder('int32', [null], 'i');
      const out = new kiln.Session(g).run(kiln.cast(i, 'float32'), { i: new Int32Array([16777217, 3]) });
      expect(out.data).toBeInstanceOf(Float32Array);
      expect(Array.from(out.data)).toEqual([16777216, 3]);
    });
  });

  it('rejects an unknown dtype with an InvalidArgumentError', () => {
    new Graph().asDefault(() => {
      const x = kiln.constant([1]);
      let err: Error | undefined;
      try {
        kiln.cast(x, 'float64' as kiln.DType, 'c');
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(kiln.InvalidArgumentError);
      expect(err!.message).toMatch(
        /^cast 'c': dtype must be one of float32, int32, bool, got float64 \(created at test\/ops\/cast\.test\.ts:\d+\)$/,
      );
    });
  });
});

describe('cast gradient', () => {
  it('is the identity for float32 -> float32', () => {
    for (const shape of [[3], [2, 3], []]) {
      const n = shape.reduce((x, y) => x * y, 1);
      checkGradient((x) => kiln.mul(kiln.cast(x, 'float32'), x), [f64(randomData(n, 4), shape)]);
    }
  });

  it('gives no gradient through casts to int32/bool, nor to an int32 input', () => {
    new Graph().asDefault(() => {
      const x = kiln.placeholder('float32', [3], 'x');
      const roundTrip = kiln.cast(kiln.cast(x, 'int32'), 'float32');
      expect(kiln.gradients(roundTrip, [x])).toEqual([undefined]);
      const viaBool = kiln.cast(kiln.cast(x, 'bool'), 'float32');
      expect(kiln.gradients(viaBool, [x])).toEqual([undefined]);
      // x still gets its gradient through the other, float path
      const y = kiln.add(kiln.mul(x, roundTrip), 0);
      const [dx] = kiln.gradients(y, [x]);
      const [gx] = evalF64([dx!], new Map([[x, f64([1.5, -2.7, 3], [3])]]));
      expect(Array.from(gx!.data)).toEqual([1, -2, 3]);
      // the op itself returns no gradient for an int32 input
      const i = kiln.placeholder('int32', [3], 'i');
      const c = kiln.cast(i, 'float32');
      const grads = kiln.getOpDef('Cast').gradient!(
        { op: c.op, inputs: c.op.inputs, outputs: c.op.outputs, attrs: c.op.attrs },
        [kiln.constant([1, 1, 1])],
      );
      expect(grads).toEqual([undefined]);
    });
  });
});
