/** Small helpers shared by the unary op tests (evaluate at points, gradient at points, errors). */
import { expect } from 'vitest';
import * as kiln from '../../src/index.js';
import { evalF64, f64, values } from '../helpers.js';

type Tensor = kiln.Tensor;

/** f(x) at the points `xs`, evaluated in float64 through a placeholder of unknown length. */
export function forward(f: (x: Tensor) => Tensor, xs: readonly number[]): number[] {
  return new kiln.Graph().asDefault(() => {
    const x = kiln.placeholder('float32', [null], 'x');
    return values(f(x), new Map([[x, f64(xs, [xs.length])]]));
  });
}

/**
 * d sum(f(x) * seed) / dx at the points `xs` (seed default ones), built on a placeholder of
 * unknown length so the gradient must work with `null` dims.
 */
export function gradAt(f: (x: Tensor) => Tensor, xs: readonly number[], seed?: readonly number[]): number[] {
  return new kiln.Graph().asDefault(() => {
    const x = kiln.placeholder('float32', [null], 'x');
    const y = f(x);
    const feeds = new Map([[x, f64(xs, [xs.length])]]);
    const gy = seed ? kiln.placeholder('float32', [null], 'seed') : undefined;
    if (gy) feeds.set(gy, f64(seed!, [seed!.length]));
    const [dx] = kiln.gradients(y, [x], gy);
    expect(dx).toBeDefined();
    return values(dx!, feeds);
  });
}

/** The error `fn` throws (fails the test when it does not throw). */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/** An int32 value computed by `f` on int32 constants. */
export function forwardInt(f: (x: Tensor) => Tensor, xs: readonly number[]): { dtype: string; data: number[] } {
  return new kiln.Graph().asDefault(() => {
    const y = f(kiln.constant(Int32Array.from(xs), { dtype: 'int32' }));
    const out = evalF64(y)[0]!;
    expect(out.data).toBeInstanceOf(Int32Array);
    return { dtype: y.dtype, data: Array.from(out.data) };
  });
}
