import { defineUnary } from '../elementwise_util.js';
import { mul } from '../binary/mul.js';
import { sub } from '../binary/sub.js';
import { sigmoid64 } from './math64.js';


/**
 * The logistic function `1 / (1 + e^-x)` elementwise, any shape; float32 only. Computed
 * stably: for x < 0 as `e^x / (1 + e^x)`, so sigmoid(-1000) = 0 and sigmoid(1000) = 1 (no NaN).
 * Gradient: `dy · y · (1 − y)` (reuses the output, as TF's SigmoidGrad).
 * @example kiln.sigmoid(kiln.constant([0, 1000])) // [0.5, 1]
 * @throws DTypeError for int32 or bool
 */
export const sigmoid = defineUnary({
  name: 'Sigmoid',
  apiName: 'sigmoid',
  f: sigmoid64,
  grad: (dy, _x, y) => mul(dy, mul(y, sub(1, y))),
});
