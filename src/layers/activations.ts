/**
 * Activation functions by Keras name (`activation: 'relu'` on Dense, Conv2D, Activation).
 * Each maps a float32 tensor to one of the same shape. Formulas and defaults as Keras:
 * - relu: max(x, 0); sigmoid: 1 / (1 + e^-x); tanh; linear: x (no op added);
 * - softmax: over the last axis, e^x_i / sum_j e^x_j (max-subtracted by the op);
 * - elu: x for x > 0, alpha·(e^x − 1) otherwise, alpha = 1 (Clevert et al. 2015, Keras);
 * - leakyRelu: x for x > 0, 0.2·x otherwise (Keras 3's `leaky_relu` and tf.nn.leaky_relu
 *   default slope; Keras 2's LeakyReLU *layer* defaulted to 0.3);
 * - softplus: log(1 + e^x), computed stably.
 */
import type { Tensor } from '../graph/graph.js';
import { InvalidArgumentError } from '../graph/errors.js';
import * as ops from '../ops/index.js';

export type ActivationName = 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'linear' | 'elu' | 'leakyRelu' | 'softplus';

/** An activation: a name from `ActivationName` or a function of a tensor. */
export type ActivationIdentifier = ActivationName | ((x: Tensor) => Tensor);

const TABLE: Record<ActivationName, (x: Tensor) => Tensor> = {
  relu: (x) => ops.relu(x),
  sigmoid: (x) => ops.sigmoid(x),
  tanh: (x) => ops.tanh(x),
  softmax: (x) => ops.softmax(x, -1),
  linear: (x) => x,
  elu: (x) => ops.elu(x),
  leakyRelu: (x) => ops.leakyRelu(x, 0.2),
  softplus: (x) => ops.softplus(x),
};

/** Keras's snake_case spellings, accepted as aliases. */
const ALIASES: Record<string, ActivationName> = { leaky_relu: 'leakyRelu' };

/** The known activation names. */
export const ACTIVATIONS: readonly ActivationName[] = Object.keys(TABLE) as ActivationName[];

/**
 * Resolves an activation; `undefined`/`null` means linear.
 * @returns the function and its name (`'custom'` for a user function)
 * @throws InvalidArgumentError for an unknown name, listing the known ones
 */
export function getActivation(id: ActivationIdentifier | null | undefined, who = 'activation'): { name: string; fn: (x: Tensor) => Tensor } {
  if (id === undefined || id === null) return { name: 'linear', fn: TABLE.linear };
  if (typeof id === 'function') return { name: 'custom', fn: id };
  const name = (ALIASES[id] ?? id) as ActivationName;
  const fn = TABLE[name];
  if (!fn) throw new InvalidArgumentError(`${who}: unknown activation '${String(id)}'; known: ${ACTIVATIONS.join(', ')}`);
  return { name, fn };
}
