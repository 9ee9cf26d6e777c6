/**
 * Element types. Compiled code computes in `float32`; `int32` holds labels and indices;
 * `bool` is the result of comparisons (stored as one byte per element in concrete arrays).
 * The reference interpreter computes floats in float64 so it can serve as the oracle.
 */
export type DType = 'float32' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'int32' || x === 'bool';
}
