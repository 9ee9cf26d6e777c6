/**
 * specialize: makes a graph fully static for one set of feed shapes, as a session does before
 * compiling (DESIGN: static shapes, one executable per concrete feed shape, as XLA).
 *
 *   placeholder x [?,784]  --feed shape [32,784]-->  placeholder x [32,784]
 *
 * Every op is rebuilt, so its shape is inferred again from the concrete inputs. Then the
 * internal "like" ops that gradients use while dims are unknown take their static forms:
 *   SumToLike(x, like)     -> x when shapes are equal, else Sum(x, axes, keepDims) [+ Reshape]
 *   ReshapeLike(x, like)   -> x when shapes are equal, else Reshape(x, like.shape)
 *   BroadcastLike(x, like) -> x when shapes are equal, else BroadcastTo(x, like.shape)
 *   BroadcastReduced(y, like, axes) -> [Reshape to kept dims] + BroadcastTo(like.shape)
 *   ReduceSize(x)          -> a float32 Const
 * A shape-only input left behind is not a data dependency: the fusion pass ignores it and
 * constantFold folds ops whose value inputs are constants.
 */
import type { Operation, Tensor } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { formatShape, shapesEqual, sizeOf } from '../graph/shape.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { rewrite, type PassResult, type Program, type RewriteContext } from './program.js';
import { hasStaticShape } from './util.js';

/** Concrete shapes for placeholders, by placeholder op name. */
export type FeedShapes = ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[]>>;

/**
 * Returns the specialize pass for `feedShapes`.
 * @throws InvalidArgumentError (when run) for a feed shape that does not match its placeholder
 */
export function specialize(feedShapes: FeedShapes): (program: Program) => PassResult {
  const shapes = feedShapes instanceof Map ? feedShapes : new Map(Object.entries(feedShapes as Record<string, readonly number[]>));
  return function specializePass(program: Program): PassResult {
    let changes = 0;
    const next = rewrite(program, (op, ctx) => {
      const out = specializeOp(op, ctx, shapes);
      if (out) changes++;
      return out;
    });
    return { program: next, changes };
  };
}

function specializeOp(op: Operation, ctx: RewriteContext, shapes: ReadonlyMap<string, readonly number[]>): readonly Tensor[] | undefined {
  const ins = ctx.inputs;
  switch (op.type) {
    case 'Placeholder': {
      const given = shapes.get(op.name);
      if (!given) return undefined;
      const declared = op.attrs['shape'] as readonly (number | null)[];
      const ok = given.length === declared.length && declared.every((d, i) => d === null || d === given[i]);
      if (!ok) {
        throw new InvalidArgumentError(`specialize: feed shape ${formatShape(given)} does not match placeholder '${op.name}' ${formatShape(declared)}`);
      }
      return shapesEqual(given, declared) ? undefined : ctx.copy([], { ...op.attrs, shape: [...given] }).outputs;
    }
    case 'SumToLike': {
      const [x, like] = ins as [Tensor, Tensor];
      if (!hasStaticShape(x) || !hasStaticShape(like)) return undefined;
      if (shapesEqual(x.shape, like.shape)) return [x];
      const lead = x.rank - like.rank;
      const axes: number[] = [];
      for (let i = 0; i < x.rank; i++) if (i < lead || (like.shape[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
      const summed = ctx.emit('Sum', [x], { axis: axes, keepDims: true }).outputs[0]!;
      return shapesEqual(summed.shape, like.shape) ? [summed] : ctx.emit('Reshape', [summed], { shape: [...like.shape] }, `${op.name}/Reshape`).outputs;
    }
    case 'ReshapeLike': {
      const [x, like] = ins as [Tensor, Tensor];
      if (!hasStaticShape(like)) return undefined;
      if (shapesEqual(x.shape, like.shape)) return [x];
      return ctx.emit('Reshape', [x], { shape: [...like.shape] }).outputs;
    }
    case 'BroadcastLike': {
      const [x, like] = ins as [Tensor, Tensor];
      if (!hasStaticShape(x) || !hasStaticShape(like)) return undefined;
      if (shapesEqual(x.shape, like.shape)) return [x];
      return ctx.emit('BroadcastTo', [x], { shape: [...like.shape] }).outputs;
    }
    case 'BroadcastReduced': {
      // y holds like reduced over axes: reshape it to the kept-dims shape, then broadcast NumPy-style.
      const [y, like] = ins as [Tensor, Tensor];
      if (!hasStaticShape(y) || !hasStaticShape(like)) return undefined;
      if (shapesEqual(y.shape, like.shape)) return [y];
      const axes = (op.attrs['axes'] as readonly number[]).map((a) => (a < 0 ? a + like.rank : a));
      const kept = like.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const src = shapesEqual(y.shape, kept) ? y : ctx.emit('Reshape', [y], { shape: kept }, `${op.name}/Reshape`).outputs[0]!;
      return shapesEqual(kept, like.shape) ? [src] : ctx.emit('BroadcastTo', [src], { shape: [...like.shape] }).outputs;
    }
    case 'ReduceSize': {
      const x = ins[0]!;
      const axes = (op.attrs['axes'] as readonly number[] | null) ?? x.shape.map((_, i) => i);
      const dims = axes.map((a) => x.shape[a]);
      if (dims.some((d) => d === null || d === undefined)) return undefined;
      const n = sizeOf(dims as number[]);
      return ctx.emit('Const', [], { value: new NDArray(Float32Array.of(n), [], 'float32') }).outputs;
    }
    default:
      return undefined;
  }
}
