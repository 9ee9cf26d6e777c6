/**
 * Window geometry shared by conv2d and the pools (NHWC), and by their lowerings in codegen:
 * output sizes and 'same' padding exactly as TF computes them, and the checks of the window
 * attrs. Every windowed op stores normalized attrs (`[h, w]` pairs, lowercase padding).
 */
import { InferenceError } from '../../graph/errors.js';
import { formatShape, type Shape } from '../../graph/shape.js';
import type { TensorSpec } from '../../graph/op_def.js';

export type Padding = 'same' | 'valid';

/** A window size, stride or dilation: one number for both spatial dims, or `[h, w]`. */
export type Pair = number | readonly [number, number];

/** Attrs of every windowed op: window size (filter shape for conv), strides, dilations, padding. */
export interface WindowAttrs {
  [k: string]: unknown;
  strides: readonly [number, number];
  dilations: readonly [number, number];
  padding: Padding;
}

/** `n` as `[n, n]`; a pair as a copy; anything else unchanged (infer rejects it with a message). */
export function toPair(x: Pair | undefined, fallback?: Pair): readonly [number, number] {
  const v = x ?? fallback;
  return (typeof v === 'number' ? [v, v] : Array.isArray(v) ? [...v] : v) as readonly [number, number];
}

/** Throws unless `p` is a pair of positive integers. */
export function checkPair(p: unknown, what: string): asserts p is readonly [number, number] {
  const ok = Array.isArray(p) && p.length === 2 && p.every((d) => Number.isInteger(d) && d > 0);
  if (!ok) throw new InferenceError(`${what} must be a positive integer or a pair of them, got ${JSON.stringify(p)}`, 'argument');
}

export function checkWindowAttrs(attrs: WindowAttrs): void {
  checkPair(attrs.strides, 'strides');
  checkPair(attrs.dilations, 'dilations');
  if (attrs.padding !== 'same' && attrs.padding !== 'valid') {
    throw new InferenceError(`padding must be 'same' or 'valid', got ${JSON.stringify(attrs.padding)}`, 'argument');
  }
}

/** One spatial dim of a window: output size and padding before (TF's GetWindowedOutputSize). */
export interface WindowDim {
  out: number;
  /** Zero (conv) / ignored (pool) positions before the input. */
  padBefore: number;
  padAfter: number;
}

/**
 * TF's output size and padding for one spatial dim: 'valid' gives ceil((in − eff + 1) / stride)
 * with eff = (k − 1)·dilation + 1 and no padding; 'same' gives ceil(in / stride) with total
 * padding max((out − 1)·stride + eff − in, 0), floor(total / 2) before and the rest after.
 * `out` is 0 or less when the window does not fit a 'valid' input (callers reject that).
 */
export function windowDim(inSize: number, k: number, stride: number, dilation: number, padding: Padding): WindowDim {
  const eff = (k - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((inSize - eff) / stride) + 1, padBefore: 0, padAfter: 0 };
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + eff - inSize, 0);
  const padBefore = Math.floor(total / 2);
  return { out, padBefore, padAfter: total - padBefore };
}

/** The 4-D NHWC check, with a message naming the input. */
export function checkNHWC(s: Shape, what: string, layout = '[batch, height, width, channels] (NHWC)'): void {
  if (s.length !== 4) throw new InferenceError(`${what} must be rank 4 ${layout}, got rank ${s.length} ${formatShape(s)}`);
}

export function checkFloat(specs: readonly TensorSpec[], names: readonly string[]): void {
  specs.forEach((s, i) => {
    if (s.dtype !== 'float32') throw new InferenceError(`${names[i]} must be float32, got ${s.dtype}`, 'dtype');
  });
}

/**
 * Output spatial sizes for an input `[?, h, w, ?]` and window `[kh, kw]`; null stays null.
 * @throws InferenceError when a 'valid' window does not fit a known input
 */
export function outputSpatial(x: Shape, window: readonly [number, number], attrs: WindowAttrs): [number | null, number | null] {
  const res: (number | null)[] = [];
  for (let d = 0; d < 2; d++) {
    const inSize = x[1 + d]!;
    if (inSize === null) {
      res.push(null);
      continue;
    }
    const { out } = windowDim(inSize, window[d]!, attrs.strides[d]!, attrs.dilations[d]!, attrs.padding);
    if (out <= 0) {
      const eff = window.map((k, i) => (k - 1) * attrs.dilations[i]! + 1);
      throw new InferenceError(
        `input ${formatShape(x)} is smaller than the ${attrs.dilations.some((v) => v > 1) ? 'dilated ' : ''}window ${eff[0]}x${eff[1]} with 'valid' padding`,
      );
    }
    res.push(out);
  }
  return res as [number | null, number | null];
}

/** Concrete geometry of a windowed op on concrete input `[n, h, w, c]`, for the evaluators. */
export interface Geometry {
  n: number;
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  /** Padding before, rows and columns. */
  pt: number;
  pl: number;
}

export function geometry(x: readonly number[], window: readonly [number, number], attrs: WindowAttrs): Geometry {
  const [n, h, w, c] = x as [number, number, number, number];
  const [kh, kw] = window;
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const gh = windowDim(h, kh, sh, dh, attrs.padding);
  const gw = windowDim(w, kw, sw, dw, attrs.padding);
  return { n, h, w, c, kh, kw, oh: gh.out, ow: gw.out, sh, sw, dh, dw, pt: gh.padBefore, pl: gw.padBefore };
}

/** Attrs of the pools: window size, strides and padding (no dilation, as Keras/TF pools). */
export interface PoolAttrs {
  [k: string]: unknown;
  poolSize: readonly [number, number];
  strides: readonly [number, number];
  padding: Padding;
}

/** The pool's attrs as window attrs (dilation 1), after checking them. */
export function poolWindow(attrs: PoolAttrs): WindowAttrs {
  checkPair(attrs.poolSize, 'poolSize');
  const win: WindowAttrs = { strides: attrs.strides, dilations: [1, 1], padding: attrs.padding };
  checkWindowAttrs(win);
  return win;
}

/** Output spec of a pool over `x` (NHWC): same batch and channels, pooled height and width. */
export function poolOutput(x: TensorSpec, attrs: PoolAttrs): TensorSpec[] {
  const win = poolWindow(attrs);
  checkFloat([x], ['x']);
  checkNHWC(x.shape, 'x');
  const [oh, ow] = outputSpatial(x.shape, attrs.poolSize, win);
  return [{ shape: [x.shape[0]!, oh, ow, x.shape[3]!], dtype: 'float32' }];
}

/**
 * Calls `visit(yBase, taps)` for every output pixel (n, oy, ox) of a pool: yBase is the flat
 * offset of y[n,oy,ox,0]; taps the offsets of x[n,iy,ix,0] for the window's pixels inside the
 * input, in row-major (iy, then ix) order. Padded positions are simply absent.
 */
export function forEachWindow(g: Geometry, visit: (yBase: number, taps: readonly number[]) => void): void {
  const taps: number[] = [];
  for (let n = 0; n < g.n; n++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) {
        taps.length = 0;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix >= 0 && ix < g.w) taps.push(((n * g.h + iy) * g.w + ix) * g.c);
          }
        }
        visit(((n * g.oh + oy) * g.ow + ox) * g.c, taps);
      }
    }
  }
}

/** Geometry of a pool on a concrete input shape; `dy`, when given, must match the pool's output. */
export function poolGeometry(x: readonly number[], attrs: PoolAttrs, dy?: readonly number[]): Geometry {
  const g = geometry(x, attrs.poolSize, poolWindow(attrs));
  const want = [g.n, g.oh, g.ow, g.c];
  if (dy && !want.every((d, i) => d === dy[i])) {
    throw new InferenceError(`dy is ${formatShape(dy)}, but the pool's output is ${formatShape(want)}`);
  }
  return g;
}

/** Checks a pool gradient's `dy` against the pool's output for `x` (unknown dims pass). */
export function checkPoolDy(x: TensorSpec, dy: TensorSpec, attrs: PoolAttrs): void {
  const [want] = poolOutput(x, attrs);
  checkFloat([dy], ['dy']);
  checkNHWC(dy.shape, 'dy');
  if (!want!.shape.every((d, i) => d === null || dy.shape[i] === null || d === dy.shape[i])) {
    throw new InferenceError(`dy is ${formatShape(dy.shape)}, but the pool's output is ${formatShape(want!.shape)}`);
  }
}

/** Pool attrs from user options (`strides` defaults to `poolSize`, padding to 'valid'). */
export function poolAttrs(options: { poolSize: Pair; strides?: Pair; padding?: Padding }): PoolAttrs {
  const poolSize = toPair(options?.poolSize);
  return { poolSize, strides: toPair(options?.strides, poolSize), padding: options?.padding ?? 'valid' };
}
