import { apply, getDefaultGraph, Operation, Tensor } from '../graph/graph.js';
import { registerOp } from '../graph/op_def.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { toTensor, type TensorLike } from './constant.js';

registerOp({
  name: 'NoOp',
  apiName: 'group',
  kind: 'opaque',
  infer: () => [],
  evaluate: () => [],
});

registerOp({
  name: 'Identity',
  apiName: 'identity',
  kind: 'elementwise',
  infer: (inputs) => [inputs[0]!],
  evaluate: (inputs) => [inputs[0]!],
  gradient: (_ctx, dys) => [dys[0]],
});

registerOp({
  name: 'StopGradient',
  apiName: 'stopGradient',
  kind: 'elementwise',
  infer: (inputs) => [inputs[0]!],
  evaluate: (inputs) => [inputs[0]!],
  // No gradient flows back: the input is treated as a constant.
  gradient: () => [undefined],
});

/** Returns a tensor with the same value (a named node; removed by the simplifier). */
export function identity(x: TensorLike, name?: string): Tensor {
  return apply('Identity', [toTensor(x)], {}, name);
}

/**
 * Same value as `x`, but `gradients` treats it as a constant (TF's `stop_gradient`).
 * @example const target = kiln.stopGradient(kiln.add(y, 1));
 */
export function stopGradient(x: TensorLike, name?: string): Tensor {
  return apply('StopGradient', [toTensor(x)], {}, name);
}

/**
 * An op that does nothing but runs after all `inputs` (tensors or ops); fetch it to run
 * several updates at once (TF's `tf.group`).
 * @throws InvalidArgumentError when given no inputs or inputs from different graphs
 */
export function group(inputs: readonly (Tensor | Operation)[], name = 'NoOp'): Operation {
  if (inputs.length === 0) throw new InvalidArgumentError('group: needs at least one input');
  const g = inputs[0]!.graph ?? getDefaultGraph();
  return g.withControlDependencies(inputs, () => g.addOp('NoOp', [], {}, name));
}

/**
 * Runs `fn`; every op it creates depends on `deps` (TF's `tf.control_dependencies`).
 */
export function withControlDependencies<T>(deps: readonly (Tensor | Operation)[], fn: () => T): T {
  if (deps.length === 0) return fn();
  return deps[0]!.graph.withControlDependencies(deps, fn);
}
