/**
 * Helpers for reference evaluators. Interpreter values are NDArrays whose float data is a
 * Float64Array (computation in float64), int32 an Int32Array, bool a Uint8Array.
 */
import type { DType } from '../graph/dtype.js';
import { NDArray, allocData } from '../graph/ndarray.js';
import { broadcastShapes, sizeOf, stridesOf } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';

/** A zero-filled interpreter value (float64 storage for float32). */
export function zerosValue(dtype: DType, shape: readonly number[]): NDArray {
  return new NDArray(allocData(dtype, sizeOf(shape), true), [...shape], dtype);
}

/** Converts any NDArray into interpreter storage (float64 for float32). */
export function toValue(a: NDArray): NDArray {
  if (a.dtype !== 'float32' || a.data instanceof Float64Array) return a;
  return new NDArray(Float64Array.from(a.data), a.shape, a.dtype);
}

/** Rounds an interpreter value to the user-visible storage (Float32Array for float32). */
export function fromValue(a: NDArray): NDArray {
  if (a.dtype !== 'float32' || a.data instanceof Float32Array) return a;
  return new NDArray(Float32Array.from(a.data), a.shape, a.dtype);
}

/**
 * For an output of shape `out`, the flat index into an input of shape `inp` broadcast to it
 * (NumPy rules), for every output element.
 */
export function broadcastIndex(inp: readonly number[], out: readonly number[]): Int32Array {
  const n = sizeOf(out);
  const idx = new Int32Array(n);
  const offset = out.length - inp.length;
  const inStrides = stridesOf(inp);
  // effective stride of each output dim in the input (0 where broadcast)
  const eff = out.map((_, d) => (d < offset || inp[d - offset] === 1 ? 0 : inStrides[d - offset]!));
  const outStrides = stridesOf(out);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let j = 0;
    for (let d = 0; d < out.length; d++) {
      const c = Math.floor(rem / outStrides[d]!);
      rem -= c * outStrides[d]!;
      j += c * eff[d]!;
    }
    idx[i] = j;
  }
  return idx;
}

/** The concrete broadcast shape of two concrete shapes (throws on mismatch). */
export function broadcastConcrete(a: readonly number[], b: readonly number[]): number[] {
  const s = broadcastShapes(a, b);
  return s.map((d) => {
    if (d === null) throw new InvalidArgumentError('unexpected unknown dimension');
    return d;
  });
}

/** Applies `f` elementwise. */
export function mapUnary(a: NDArray, f: (x: number) => number, outDtype: DType = a.dtype): NDArray {
  const out = zerosValue(outDtype, a.shape);
  const src = a.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = f(src[i]!);
  return out;
}

/** Applies `f` to two arrays with NumPy broadcasting. */
export function mapBinary(a: NDArray, b: NDArray, f: (x: number, y: number) => number, outDtype: DType = a.dtype): NDArray {
  const shape = broadcastConcrete(a.shape, b.shape);
  const out = zerosValue(outDtype, shape);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const da = a.data;
  const db = b.data;
  const dst = out.data;
  for (let i = 0; i < dst.length; i++) dst[i] = f(da[ia[i]!]!, db[ib[i]!]!);
  return out;
}

/** Wraps to int32 as compiled code would (for int32 arithmetic). */
export function toInt32(x: number): number {
  return x | 0;
}
