/**
 * 2-D convolution (TF `tf.nn.conv2d`, really a cross-correlation), NHWC input and HWIO filter,
 * with its two gradient ops Conv2DBackpropInput and Conv2DBackpropFilter (TF's names, input
 * orders and semantics). The three evaluators share one walk over (batch, output pixel, filter
 * tap) pairs that land inside the input; padded taps contribute nothing.
 */
import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { formatShape, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import type { NDArray } from '../../graph/ndarray.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensorPair, type TensorLike } from '../constant.js';
import {
  checkFloat,
  checkNHWC,
  checkWindowAttrs,
  geometry,
  outputSpatial,
  toPair,
  type Geometry,
  type Padding,
  type Pair,
  type WindowAttrs,
} from './conv_util.js';
import { checkOptions } from '../../graph/options.js';

export type Conv2DAttrs = WindowAttrs;

const HWIO = '[filterHeight, filterWidth, inChannels, outChannels] (HWIO)';

/** Output spec of Conv2D for input `x` and filter `f` (also used to check the backprop ops). */
function convOutput(x: Shape, f: Shape, attrs: Conv2DAttrs): Shape {
  checkWindowAttrs(attrs);
  checkNHWC(x, 'x');
  checkNHWC(f, 'filter', HWIO);
  if (x[3] !== null && f[2] !== null && x[3] !== f[2]) {
    throw new InferenceError(
      `input channels differ: x is ${formatShape(x)} (${x[3]} channels), filter is ${formatShape(f)} (expects ${f[2]})`,
    );
  }
  if (f[0] === null || f[1] === null) return [x[0]!, null, null, f[3]!];
  const [oh, ow] = outputSpatial(x, [f[0], f[1]], attrs);
  return [x[0]!, oh, ow, f[3]!];
}

/** Checks a gradient `dy` against the output a conv of `x` and `f` would have. */
function checkDy(x: Shape, f: Shape, dy: Shape, attrs: Conv2DAttrs): void {
  checkNHWC(dy, 'dy');
  const want = convOutput(x, f, attrs);
  if (!want.every((d, i) => d === null || dy[i] === null || d === dy[i])) {
    throw new InferenceError(`dy is ${formatShape(dy)}, but the convolution's output is ${formatShape(want)}`);
  }
}

/**
 * Calls `visit(xBase, fBase, yBase)` for every (n, oy, ox, ky, kx) whose input pixel is inside
 * the input: xBase/fBase/yBase are the flat offsets of x[n,iy,ix,0], f[ky,kx,0,0], y[n,oy,ox,0].
 */
function forEachTap(g: Geometry, cout: number, visit: (xBase: number, fBase: number, yBase: number) => void): void {
  for (let n = 0; n < g.n; n++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) {
        const yBase = ((n * g.oh + oy) * g.ow + ox) * cout;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh - g.pt + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw - g.pl + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            visit(((n * g.h + iy) * g.w + ix) * g.c, (ky * g.kw + kx) * g.c * cout, yBase);
          }
        }
      }
    }
  }
}

function runtimeGeometry(x: readonly number[], f: readonly number[], attrs: Conv2DAttrs, dy?: NDArray): Geometry {
  const shape = convOutput(x, f, attrs) as number[];
  if (dy && !shape.every((d, i) => d === dy.shape[i])) {
    throw new InferenceError(`dy is ${formatShape(dy.shape)}, but the convolution's output is ${formatShape(shape)}`);
  }
  return geometry(x, [f[0]!, f[1]!], attrs);
}

registerOp<Conv2DAttrs>({
  name: 'Conv2D',
  apiName: 'conv2d',
  kind: 'conv',
  infer: ([x, f], attrs) => {
    checkFloat([x!, f!], ['x', 'filter']);
    return [{ shape: convOutput(x!.shape, f!.shape, attrs), dtype: 'float32' }];
  },
  evaluate: ([x, f], attrs) => {
    const g = runtimeGeometry(x!.shape, f!.shape, attrs);
    const cout = f!.shape[3]!;
    const out = zerosValue('float32', [g.n, g.oh, g.ow, cout]);
    const [X, F, Y] = [x!.data, f!.data, out.data];
    forEachTap(g, cout, (xb, fb, yb) => {
      for (let ci = 0; ci < g.c; ci++) {
        const xv = X[xb + ci]!;
        for (let co = 0; co < cout; co++) Y[yb + co] += xv * F[fb + ci * cout + co]!;
      }
    });
    return [out];
  },
  gradient: (ctx, [dy]) => {
    const [x, f] = ctx.inputs as [Tensor, Tensor];
    return [conv2dBackpropInput(x, f, dy!, ctx.attrs), conv2dBackpropFilter(x, f, dy!, ctx.attrs)];
  },
});

registerOp<Conv2DAttrs>({
  name: 'Conv2DBackpropInput',
  apiName: 'conv2dBackpropInput',
  kind: 'conv',
  shapeOnlyInputs: [0],
  infer: ([like, f, dy], attrs) => {
    checkFloat([f!, dy!], ['filter', 'dy']);
    checkDy(like!.shape, f!.shape, dy!.shape, attrs);
    return [{ shape: like!.shape, dtype: 'float32' }];
  },
  evaluate: ([like, f, dy], attrs) => {
    const g = runtimeGeometry(like!.shape, f!.shape, attrs, dy);
    const cout = f!.shape[3]!;
    const out = zerosValue('float32', like!.shape);
    const [DX, F, DY] = [out.data, f!.data, dy!.data];
    forEachTap(g, cout, (xb, fb, yb) => {
      for (let ci = 0; ci < g.c; ci++) {
        let s = 0;
        for (let co = 0; co < cout; co++) s += DY[yb + co]! * F[fb + ci * cout + co]!;
        DX[xb + ci] += s;
      }
    });
    return [out];
  },
  // Linear in filter and dy: its adjoints are the forward conv and the filter gradient.
  gradient: (ctx, [g]) => {
    const [, f, dy] = ctx.inputs as [Tensor, Tensor, Tensor];
    return [undefined, conv2dBackpropFilter(g!, f, dy, ctx.attrs), apply('Conv2D', [g!, f], ctx.attrs)];
  },
});

registerOp<Conv2DAttrs>({
  name: 'Conv2DBackpropFilter',
  apiName: 'conv2dBackpropFilter',
  kind: 'conv',
  shapeOnlyInputs: [1],
  infer: ([x, like, dy], attrs) => {
    checkFloat([x!, dy!], ['x', 'dy']);
    checkDy(x!.shape, like!.shape, dy!.shape, attrs);
    return [{ shape: like!.shape, dtype: 'float32' }];
  },
  evaluate: ([x, like, dy], attrs) => {
    const g = runtimeGeometry(x!.shape, like!.shape, attrs, dy);
    const cout = like!.shape[3]!;
    const out = zerosValue('float32', like!.shape);
    const [X, DF, DY] = [x!.data, out.data, dy!.data];
    forEachTap(g, cout, (xb, fb, yb) => {
      for (let ci = 0; ci < g.c; ci++) {
        const xv = X[xb + ci]!;
        for (let co = 0; co < cout; co++) DF[fb + ci * cout + co] += xv * DY[yb + co]!;
      }
    });
    return [out];
  },
  gradient: (ctx, [g]) => {
    const [x, , dy] = ctx.inputs as [Tensor, Tensor, Tensor];
    return [conv2dBackpropInput(x, g!, dy, ctx.attrs), undefined, apply('Conv2D', [x, g!], ctx.attrs)];
  },
});

/**
 * dL/dx of `conv2d(x, filter)` given dy (TF's Conv2DBackpropInput); `x` is used for its shape only.
 * Its own gradient (second order) is defined.
 */
export function conv2dBackpropInput(x: Tensor, filter: Tensor, dy: Tensor, attrs: Conv2DAttrs): Tensor {
  return apply('Conv2DBackpropInput', [x, filter, dy], attrs);
}

/**
 * dL/dfilter of `conv2d(x, filter)` given dy (TF's Conv2DBackpropFilter); `filter` is used for
 * its shape only. Its own gradient (second order) is defined.
 */
export function conv2dBackpropFilter(x: Tensor, filter: Tensor, dy: Tensor, attrs: Conv2DAttrs): Tensor {
  return apply('Conv2DBackpropFilter', [x, filter, dy], attrs);
}

export interface Conv2DOptions {
  /** Step of the window, one number or `[sh, sw]`; default 1. */
  strides?: Pair;
  /** 'valid' (default, as TF): no padding; 'same': output ceil(in / stride), zero padded. */
  padding?: Padding;
  /** Spacing of filter taps, one number or `[dh, dw]`; default 1. */
  dilations?: Pair;
  name?: string;
}

/**
 * 2-D convolution (cross-correlation, as TF's `tf.nn.conv2d`); float32 only.
 *
 * Shapes: x `[batch, height, width, inChannels]` (NHWC), filter `[kh, kw, inChannels, outChannels]`
 * (HWIO) give `[batch, outHeight, outWidth, outChannels]`, with TF's sizes: 'valid' gives
 * ceil((in − (k−1)·dilation) / stride); 'same' gives ceil(in / stride), padded with zeros, total
 * padding max((out−1)·stride + (k−1)·dilation + 1 − in, 0) split floor(total/2) before (top/left)
 * and the rest after. The batch (and height/width) may be unknown (`null`). Unlike TF's CPU
 * kernel, strides > 1 together with dilations > 1 are allowed.
 *
 * Gradient: primitive ops Conv2DBackpropInput (dx, from x's shape, filter and dy) and
 * Conv2DBackpropFilter (dfilter, from x, filter's shape and dy), as TF.
 * @example const y = kiln.conv2d(x, kernel, { strides: 2, padding: 'same' }); // [?,28,28,1] * [3,3,1,8] -> [?,14,14,8]
 * @throws ShapeError for inputs that are not rank 4, differing input channels, or a 'valid'
 *   window larger than the input; InvalidArgumentError for bad strides/dilations/padding;
 *   DTypeError for non-float32 inputs
 */
export function conv2d(x: TensorLike, filter: TensorLike, options: Conv2DOptions = {}): Tensor {
  checkOptions('conv2d', options, ['strides', 'padding', 'dilations', 'name']);
  const attrs: Conv2DAttrs = {
    strides: toPair(options.strides, 1),
    dilations: toPair(options.dilations, 1),
    padding: options.padding ?? 'valid',
  };
  return apply('Conv2D', toTensorPair(x, filter), attrs, options.name);
}
