/**
 * 2-D max pooling (TF `tf.nn.max_pool2d`, Keras `MaxPooling2D`), NHWC, with its gradient op
 * MaxPoolGrad and that op's gradient MaxPoolGradGrad. All three pick, in each window, the first
 * maximal element in row-major scan order (TF's CPU convention), so ties resolve the same way
 * in the forward value and both gradients.
 */
import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import type { NDArray } from '../../graph/ndarray.js';
import { InferenceError } from '../../graph/errors.js';
import { formatShape } from '../../graph/shape.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { checkFloat, checkPoolDy, forEachWindow, poolAttrs, poolGeometry, poolOutput, type Padding, type Geometry, type Pair, type PoolAttrs } from './conv_util.js';
import { checkOptions } from '../../graph/options.js';

/**
 * Calls `visit(xIndex, yIndex)` for every output element with the flat index of the element of
 * `x` that wins its window: the first maximum in row-major order (a later equal value does not
 * replace it). Padded positions never take part.
 */
function forEachArgmax(x: NDArray, g: Geometry, visit: (xi: number, yi: number) => void): void {
  const X = x.data;
  forEachWindow(g, (yb, taps) => {
    for (let c = 0; c < g.c; c++) {
      let best = taps[0]! + c;
      for (let t = 1; t < taps.length; t++) {
        const i = taps[t]! + c;
        if (X[i]! > X[best]!) best = i;
      }
      visit(best, yb + c);
    }
  });
}

registerOp<PoolAttrs>({
  name: 'MaxPool',
  apiName: 'maxPool2d',
  kind: 'pool',
  infer: ([x], attrs) => poolOutput(x!, attrs),
  evaluate: ([x], attrs) => {
    const g = poolGeometry(x!.shape, attrs);
    const out = zerosValue('float32', [g.n, g.oh, g.ow, g.c]);
    const [X, Y] = [x!.data, out.data];
    forEachArgmax(x!, g, (xi, yi) => (Y[yi] = X[xi]!));
    return [out];
  },
  gradient: (ctx, [dy]) => [maxPoolGrad(ctx.inputs[0]!, dy!, ctx.attrs)],
});

registerOp<PoolAttrs>({
  name: 'MaxPoolGrad',
  apiName: 'maxPoolGrad',
  kind: 'pool',
  infer: ([x, dy], attrs) => {
    checkPoolDy(x!, dy!, attrs);
    return [{ shape: x!.shape, dtype: 'float32' }];
  },
  evaluate: ([x, dy], attrs) => {
    const out = zerosValue('float32', x!.shape);
    const [DX, DY] = [out.data, dy!.data];
    forEachArgmax(x!, poolGeometry(x!.shape, attrs, dy!.shape), (xi, yi) => (DX[xi] += DY[yi]!));
    return [out];
  },
  // Piecewise constant in x (no gradient); linear in dy, whose adjoint gathers at the winners.
  gradient: (ctx, [g]) => [undefined, apply('MaxPoolGradGrad', [ctx.inputs[0]!, g!], ctx.attrs)],
});

registerOp<PoolAttrs>({
  name: 'MaxPoolGradGrad',
  apiName: 'maxPoolGradGrad',
  kind: 'pool',
  infer: ([x, g], attrs) => {
    const out = poolOutput(x!, attrs);
    checkFloat([g!], ['g']);
    const same = g!.shape.length === 4 && x!.shape.every((d, i) => d === null || g!.shape[i] === null || d === g!.shape[i]);
    if (!same) throw new InferenceError(`g is ${formatShape(g!.shape)}, expected the shape of x ${formatShape(x!.shape)}`);
    return out;
  },
  evaluate: ([x, g], attrs) => {
    if (!x!.shape.every((d, i) => d === g!.shape[i])) {
      throw new InferenceError(`g is ${formatShape(g!.shape)}, expected the shape of x ${formatShape(x!.shape)}`);
    }
    const geo = poolGeometry(x!.shape, attrs);
    const out = zerosValue('float32', [geo.n, geo.oh, geo.ow, geo.c]);
    const [G, Y] = [g!.data, out.data];
    forEachArgmax(x!, geo, (xi, yi) => (Y[yi] = G[xi]!));
    return [out];
  },
  gradient: (ctx, [dy]) => [undefined, maxPoolGrad(ctx.inputs[0]!, dy!, ctx.attrs)],
});

/** dL/dx of `maxPool2d(x)` given dy (TF's MaxPoolGrad, taking x and dy; the output is recomputed). */
export function maxPoolGrad(x: Tensor, dy: Tensor, attrs: PoolAttrs): Tensor {
  return apply('MaxPoolGrad', [x, dy], attrs);
}

export interface PoolOptions {
  /** Window size (TF's ksize), one number or `[ph, pw]`; required. */
  poolSize: Pair;
  /** Step of the window, one number or `[sh, sw]`; default `poolSize`. */
  strides?: Pair;
  /** 'valid' (default): windows inside the input; 'same': output ceil(in / stride), padded. */
  padding?: Padding;
  name?: string;
}

/**
 * 2-D max pooling (TF `tf.nn.max_pool2d`, Keras `MaxPooling2D` option names); float32 only.
 *
 * Shapes: x `[batch, height, width, channels]` (NHWC) gives `[batch, outHeight, outWidth,
 * channels]` with conv2d's sizes (TF): 'valid' ceil((in − k + 1) / stride), 'same'
 * ceil(in / stride) with total padding max((out−1)·stride + k − in, 0), floor(total/2) before.
 * Padded positions never win the max (as TF, they act as −∞). The batch may be unknown.
 *
 * Gradient: primitive op MaxPoolGrad routes each dy to the first maximal element of its window
 * in row-major scan order (TF's CPU convention: of tied maxima, the top-left one gets it all);
 * overlapping windows add up. Second order: MaxPoolGradGrad.
 * @example const y = kiln.maxPool2d(x, { poolSize: 2 }); // [?,28,28,8] -> [?,14,14,8]
 * @throws ShapeError when x is not rank 4 or a 'valid' window is larger than x;
 *   InvalidArgumentError for a bad poolSize, strides or padding; DTypeError for non-float32 x
 */
export function maxPool2d(x: TensorLike, options: PoolOptions): Tensor {
  checkOptions('maxPool2d', options, ['poolSize', 'strides', 'padding', 'name']);
  return apply('MaxPool', [toTensor(x, 'float32')], poolAttrs(options), options?.name);
}
