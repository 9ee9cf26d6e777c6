/**
 * Small helpers shared by the shape ops: attr validation and row-major index arithmetic for
 * the reference evaluators.
 */
import { InferenceError } from '../../graph/errors.js';
import { stridesOf, type Shape } from '../../graph/shape.js';

/** Throws an 'argument' InferenceError unless `v` is an array of integers (each passing `ok`). */
export function checkIntList(v: unknown, what: string, ok: (d: number) => boolean = () => true): readonly number[] {
  if (!Array.isArray(v) || v.some((d) => typeof d !== 'number' || !Number.isInteger(d) || !ok(d))) {
    throw new InferenceError(`${what} must be a list of integers, got ${JSON.stringify(v)}`, 'argument');
  }
  return v as number[];
}

/** Two static dims may be equal: both known and equal, or either unknown. */
export function dimsCompatible(a: number | null, b: number | null): boolean {
  return a === null || b === null || a === b;
}

/** The size of a static shape when fully known, else null. */
export function staticSize(s: Shape): number | null {
  let n = 1;
  for (const d of s) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

/** Copies a block of `rows` rows of `width` elements between flat arrays with different row strides. */
export function copyRows(
  src: ArrayLike<number>,
  srcOffset: number,
  srcStride: number,
  dst: { [i: number]: number },
  dstOffset: number,
  dstStride: number,
  rows: number,
  width: number,
): void {
  for (let r = 0; r < rows; r++) {
    const s = srcOffset + r * srcStride;
    const d = dstOffset + r * dstStride;
    for (let k = 0; k < width; k++) dst[d + k] = src[s + k]!;
  }
}

/**
 * Copies a block of shape `block` from `src` (shape `srcShape`, starting at `srcBegin`) into
 * `dst` (shape `dstShape`, starting at `dstBegin`); the reference evaluator of slice and pad.
 */
export function copyBlock(
  src: ArrayLike<number>,
  srcShape: readonly number[],
  srcBegin: readonly number[],
  dst: { [i: number]: number },
  dstShape: readonly number[],
  dstBegin: readonly number[],
  block: readonly number[],
): void {
  const rank = block.length;
  if (block.some((d) => d === 0)) return;
  if (rank === 0) {
    dst[0] = src[0]!;
    return;
  }
  const ss = stridesOf(srcShape);
  const ds = stridesOf(dstShape);
  const idx = new Array<number>(rank).fill(0);
  const width = block[rank - 1]!;
  for (;;) {
    let s = 0;
    let d = 0;
    for (let k = 0; k < rank; k++) {
      s += (srcBegin[k]! + idx[k]!) * ss[k]!;
      d += (dstBegin[k]! + idx[k]!) * ds[k]!;
    }
    for (let j = 0; j < width; j++) dst[d + j] = src[s + j]!;
    let k = rank - 2;
    for (; k >= 0; k--) {
      idx[k]!++;
      if (idx[k]! < block[k]!) break;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}
