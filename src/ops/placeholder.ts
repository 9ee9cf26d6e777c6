import { apply, getDefaultGraph, type Graph, type Tensor } from '../graph/graph.js';
import { registerOp } from '../graph/op_def.js';
import { isDType, type DType } from '../graph/dtype.js';
import type { Shape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { describeValue } from '../graph/describe.js';

registerOp<{ shape: Shape; dtype: DType }>({
  name: 'Placeholder',
  apiName: 'placeholder',
  kind: 'source',
  infer: (_inputs, attrs) => [{ shape: attrs.shape, dtype: attrs.dtype }],
  evaluate: (_inputs, _attrs, ctx) => {
    // The interpreter substitutes feeds before evaluating; reaching here means no feed.
    throw new InvalidArgumentError(`placeholder '${ctx.op.name}' was not fed`);
  },
});

/**
 * A graph input, fed at `Session.run`. `null` in `shape` marks a dimension known only when
 * fed (usually the batch); a compiled session specializes per concrete feed shape.
 * @param dtype 'float32' | 'int32' | 'bool'
 * @param shape e.g. `[null, 784]`
 * @example const x = kiln.placeholder('float32', [null, 784], 'x');
 * @throws InvalidArgumentError for an unknown dtype or a dim that is not a non-negative integer or null
 */
export function placeholder(dtype: DType, shape: Shape, name = 'Placeholder', graph?: Graph): Tensor {
  if (typeof name !== 'string' || name === '') {
    // A common slip from tf.placeholder(dtype, shape, name=...) habits: placeholder('float32', [null, 3], { name: 'x' }).
    throw new InvalidArgumentError(`placeholder: name must be a non-empty string (the third argument: placeholder(dtype, shape, name, graph)), got ${describeValue(name)}`);
  }
  if (!isDType(dtype)) throw new InvalidArgumentError(`placeholder '${name}': unknown dtype ${String(dtype)}`);
  if (!Array.isArray(shape) || shape.some((d) => d !== null && !(Number.isInteger(d) && d >= 0))) {
    throw new InvalidArgumentError(`placeholder '${name}': shape must be an array of non-negative integers or null, got ${JSON.stringify(shape)}`);
  }
  return apply('Placeholder', [], { shape: [...shape], dtype }, name, graph ?? getDefaultGraph());
}

