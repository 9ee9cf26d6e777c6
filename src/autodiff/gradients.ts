/**
 * Symbolic reverse-mode differentiation (TF1's `tf.gradients`). Walks the ops between `xs`
 * and `ys` in reverse creation order (creation order is topological), asks each op's gradient
 * function for its inputs' gradients given its outputs' gradients, and sums contributions
 * (micrograd's `+=`, as graph adds). The new ops go into the same graph under
 * `gradients/<op name>_grad/` with role 'gradient'.
 */
import { Tensor, type Operation } from '../graph/graph.js';
import { formatShape } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { isShapeOnlyInput } from '../graph/op_def.js';
import { add } from '../ops/binary/add.js';
import { constant, toTensor, type TensorLike } from '../ops/constant.js';
import { broadcastLike } from '../ops/like.js';
import { checkOptions } from '../graph/options.js';

export interface GradientsOptions {
  /**
   * What to return for an x that does not influence ys: `'none'` (default, TF1) gives
   * `undefined`; `'zero'` gives zeros of x's shape.
   */
  unconnectedGradients?: 'none' | 'zero';
}

function isFloat(t: Tensor): boolean {
  return t.dtype === 'float32';
}

/**
 * Gradients of `sum(ys)` with respect to each of `xs`, as new graph tensors.
 * @param ys one tensor or several (their gradients are summed)
 * @param xs the tensors to differentiate with respect to (usually variables)
 * @param gradYs seeds, one per y, of y's shape; default ones (so a non-scalar y means the sum)
 * @returns one entry per x, `undefined` where x does not influence ys (see `unconnectedGradients`)
 * @example const [dw] = kiln.gradients(loss, [w]);
 * @throws InvalidArgumentError for tensors of another graph, non-float ys or xs, a seed of the
 *   wrong shape, or an op on the path without a gradient
 */
export function gradients(
  ys: Tensor | readonly Tensor[],
  xs: Tensor | readonly Tensor[],
  gradYs?: TensorLike | readonly (TensorLike | undefined)[],
  options: GradientsOptions = {},
): (Tensor | undefined)[] {
  checkOptions('gradients', options, ['unconnectedGradients']);
  const yList = ys instanceof Tensor ? [ys] : [...ys];
  const xList = xs instanceof Tensor ? [xs] : [...xs];
  if (yList.length === 0) throw new InvalidArgumentError('gradients: ys is empty');
  const graph = yList[0]!.graph;
  for (const t of [...yList, ...xList]) {
    if (!(t instanceof Tensor)) throw new InvalidArgumentError(`gradients: expected Tensors, got ${String(t)}`);
    if (t.graph !== graph) throw new InvalidArgumentError(`gradients: ${t} belongs to another graph`);
    if (!isFloat(t)) throw new InvalidArgumentError(`gradients: ${t} is ${t.dtype}; only float32 tensors have gradients`);
  }
  const seeds: (TensorLike | undefined)[] =
    gradYs === undefined ? [] : Array.isArray(gradYs) && yList.length > 1 ? [...(gradYs as TensorLike[])] : [gradYs as TensorLike];

  // Ops reachable backward from ys (through data inputs).
  const fromY = new Set<Operation>();
  const stack = yList.map((y) => y.op);
  while (stack.length) {
    const op = stack.pop()!;
    if (fromY.has(op)) continue;
    fromY.add(op);
    op.inputs.forEach((t, i) => {
      if (!isShapeOnlyInput(op.def, i)) stack.push(t.op);
    });
  }
  // Ops reachable forward from xs, restricted to those that reach ys.
  const xOps = new Set(xList.map((x) => x.op));
  const onPath = new Set<Operation>();
  for (const op of graph.ops) {
    if (!fromY.has(op)) continue;
    if (xOps.has(op) || op.inputs.some((t, i) => onPath.has(t.op) && !isShapeOnlyInput(op.def, i))) onPath.add(op);
  }

  const grads = new Map<Tensor, Tensor[]>();
  const push = (t: Tensor, g: Tensor): void => {
    const list = grads.get(t);
    if (list) list.push(g);
    else grads.set(t, [g]);
  };
  const total = (t: Tensor): Tensor | undefined => {
    const list = grads.get(t);
    if (!list || list.length === 0) return undefined;
    let acc = list[0]!;
    for (let i = 1; i < list.length; i++) acc = add(acc, list[i]!);
    grads.set(t, [acc]);
    return acc;
  };

  return graph.withRole('gradient', () =>
    graph.nameScope('gradients', () => {
      yList.forEach((y, i) => {
        const seed = seeds[i];
        let g: Tensor;
        if (seed === undefined) {
          g = broadcastLike(constant(1, { dtype: 'float32', graph }), y);
        } else {
          g = toTensor(seed, 'float32', graph);
          const ok = g.shape.length === y.shape.length && g.shape.every((d, j) => d === null || y.shape[j] === null || d === y.shape[j]);
          if (!ok) throw new InvalidArgumentError(`gradients: seed for ${y} has shape ${formatShape(g.shape)}, expected ${formatShape(y.shape)}`);
        }
        push(y, g);
      });

      const ordered = graph.ops.filter((op) => onPath.has(op)).reverse();
      for (const op of ordered) {
        if (xOps.has(op) && op.inputs.length === 0) continue;
        const dys = op.outputs.map((t) => (isFloat(t) ? total(t) : undefined));
        if (dys.every((d) => d === undefined)) continue;
        const def = op.def;
        const needs = op.inputs.some((t, i) => onPath.has(t.op) && isFloat(t) && !isShapeOnlyInput(def, i));
        if (!needs) continue;
        if (!def.gradient) {
          throw new InvalidArgumentError(
            `gradients: op ${op.type} '${op.name}' has no gradient, but a gradient must flow through it (created at ${op.callSite})`,
          );
        }
        const inGrads = graph.nameScope(`${op.name}_grad`, () =>
          def.gradient!({ op, inputs: op.inputs, outputs: op.outputs, attrs: op.attrs }, dys),
        );
        op.inputs.forEach((t, i) => {
          const g = inGrads[i];
          if (g && onPath.has(t.op) && isFloat(t)) push(t, g);
        });
      }

      return xList.map((x) => {
        const g = total(x);
        if (g !== undefined || options.unconnectedGradients !== 'zero') return g;
        return broadcastLike(constant(0, { dtype: 'float32', graph }), x);
      });
    }),
  );
}
