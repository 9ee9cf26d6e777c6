import { InvalidArgumentError } from '../graph/errors.js';
import { Adagrad, Adam, Optimizer, RMSprop, SGD } from '../train/optimizers.js';

/** An optimizer instance, or a Keras name made with that class's Keras defaults. */
export type OptimizerIdentifier = 'sgd' | 'adam' | 'rmsprop' | 'adagrad' | Optimizer | string;

const BY_NAME: Record<string, () => Optimizer> = {
  sgd: () => new SGD(),
  adam: () => new Adam(),
  rmsprop: () => new RMSprop(),
  adagrad: () => new Adagrad(),
};

/**
 * Resolves `'sgd' | 'adam' | 'rmsprop' | 'adagrad'` (any case) to a new optimizer with Keras's
 * defaults, or returns an instance as is.
 * @throws InvalidArgumentError for an unknown name
 */
export function getOptimizer(id: OptimizerIdentifier): Optimizer {
  if (id instanceof Optimizer) return id;
  const make = typeof id === 'string' ? BY_NAME[id.toLowerCase()] : undefined;
  if (!make) throw new InvalidArgumentError(`unknown optimizer '${String(id)}'; known: ${Object.keys(BY_NAME).join(', ')}, or an optimizer instance`);
  return make();
}
