/**
 * 2-D average pooling (TF `tf.nn.avg_pool2d`, Keras `AveragePooling2D`), NHWC, with its gradient
 * op AvgPoolGrad. Each window averages over its elements inside the input only (TF: padded
 * positions are not counted), so the gradient spreads dy / count over the same elements.
 */
import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp } from '../../graph/op_def.js';
import { zerosValue } from '../../interpreter/values.js';
import { toTensor, type TensorLike } from '../constant.js';
import { checkPoolDy, forEachWindow, poolAttrs, poolGeometry, poolOutput, type PoolAttrs } from './conv_util.js';
import type { PoolOptions } from './max_pool.js';
import { checkOptions } from '../../graph/options.js';

registerOp<PoolAttrs>({
  name: 'AvgPool',
  apiName: 'avgPool2d',
  kind: 'pool',
  infer: ([x], attrs) => poolOutput(x!, attrs),
  evaluate: ([x], attrs) => {
    const g = poolGeometry(x!.shape, attrs);
    const out = zerosValue('float32', [g.n, g.oh, g.ow, g.c]);
    const [X, Y] = [x!.data, out.data];
    forEachWindow(g, (yb, taps) => {
      for (let c = 0; c < g.c; c++) {
        let s = 0;
        for (const t of taps) s += X[t + c]!;
        Y[yb + c] = s / taps.length;
      }
    });
    return [out];
  },
  gradient: (ctx, [dy]) => [avgPoolGrad(ctx.inputs[0]!, dy!, ctx.attrs)],
});

registerOp<PoolAttrs>({
  name: 'AvgPoolGrad',
  apiName: 'avgPoolGrad',
  kind: 'pool',
  shapeOnlyInputs: [0],
  infer: ([like, dy], attrs) => {
    checkPoolDy(like!, dy!, attrs);
    return [{ shape: like!.shape, dtype: 'float32' }];
  },
  evaluate: ([like, dy], attrs) => {
    const g = poolGeometry(like!.shape, attrs, dy!.shape);
    const out = zerosValue('float32', like!.shape);
    const [DX, DY] = [out.data, dy!.data];
    forEachWindow(g, (yb, taps) => {
      for (let c = 0; c < g.c; c++) {
        const share = DY[yb + c]! / taps.length;
        for (const t of taps) DX[t + c] += share;
      }
    });
    return [out];
  },
  // Linear in dy; its adjoint is the average pool itself.
  gradient: (ctx, [g]) => [undefined, apply('AvgPool', [g!], ctx.attrs)],
});

/** dL/dx of `avgPool2d(x)` given dy (TF's AvgPoolGrad); `x` is used for its shape only. */
export function avgPoolGrad(x: Tensor, dy: Tensor, attrs: PoolAttrs): Tensor {
  return apply('AvgPoolGrad', [x, dy], attrs);
}

/**
 * 2-D average pooling (TF `tf.nn.avg_pool2d`, Keras `AveragePooling2D` option names); float32 only.
 *
 * Shapes and options as `maxPool2d`: x `[batch, height, width, channels]` (NHWC), `poolSize`,
 * `strides` (default `poolSize`), `padding` 'valid' (default) or 'same' with TF's sizes and
 * split (floor(total/2) before). With 'same', a window at the border averages over its elements
 * inside the input only: padding is not counted (TF's behaviour, not zero padding).
 *
 * Gradient: primitive op AvgPoolGrad gives each element of a window dy / (that window's count of
 * valid elements); overlapping windows add up. Second order: AvgPool of the incoming gradient.
 * @example const y = kiln.avgPool2d(x, { poolSize: 2, strides: 1, padding: 'same' }); // [?,5,5,3] -> [?,5,5,3]
 * @throws ShapeError when x is not rank 4 or a 'valid' window is larger than x;
 *   InvalidArgumentError for a bad poolSize, strides or padding; DTypeError for non-float32 x
 */
export function avgPool2d(x: TensorLike, options: PoolOptions): Tensor {
  checkOptions('avgPool2d', options, ['poolSize', 'strides', 'padding', 'name']);
  return apply('AvgPool', [toTensor(x, 'float32')], poolAttrs(options), options?.name);
}
