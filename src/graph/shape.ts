import { InferenceError } from './errors.js';

/** A static shape; `null` marks a dimension unknown until run time (usually the batch). */
export type Shape = readonly (number | null)[];

export function formatShape(s: Shape): string {
  return `[${s.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

export function isFullyDefined(s: Shape): s is readonly number[] {
  return s.every((d) => d !== null);
}

export function sizeOf(s: readonly number[]): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

export function stridesOf(s: readonly number[]): number[] {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= s[i]!;
  }
  return st;
}

/**
 * NumPy broadcasting of two static shapes. Unknown dims: `?` with 1 gives `?`, `?` with n
 * gives n (the run-time check catches a mismatch), `?` with `?` gives `?`.
 */
export function broadcastShapes(a: Shape, b: Shape): (number | null)[] {
  const n = Math.max(a.length, b.length);
  const out: (number | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da === 1) out[i] = db;
    else if (db === 1) out[i] = da;
    else if (da === null) out[i] = db;
    else if (db === null) out[i] = da;
    else if (da === db) out[i] = da;
    else throw new InferenceError(`shapes cannot broadcast: ${formatShape(a)} and ${formatShape(b)}`);
  }
  return out;
}

/** Normalizes an axis (negative counts from the end) and checks it against `rank`. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new InferenceError(`${what} ${axis} is out of range for rank ${rank}`, 'argument');
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalized, sorted, de-duplicated axes; `undefined` means all axes. */
export function normAxes(axes: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axes === undefined || axes === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const set = new Set(list.map((a) => normAxis(a, rank)));
  return [...set].sort((x, y) => x - y);
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
