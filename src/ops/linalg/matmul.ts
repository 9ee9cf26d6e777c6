/**
 * Matrix product, plain (rank 2) and batched (rank >= 3, NumPy broadcasting of the batch dims,
 * as TF's BatchMatMulV2). One op type, `MatMul`, covers both; `transposeA`/`transposeB` stay on
 * the op so the passes can absorb explicit transposes into them and codegen can hand them to
 * `cblas_sgemm` as-is.
 */
import { apply, type Tensor } from '../../graph/graph.js';
import { registerOp, type TensorSpec } from '../../graph/op_def.js';
import { broadcastShapes, formatShape, type Shape } from '../../graph/shape.js';
import { InferenceError } from '../../graph/errors.js';
import { broadcastIndex, broadcastConcrete, zerosValue } from '../../interpreter/values.js';
import { toTensorPair, type TensorLike } from '../constant.js';
import { sumToLike } from '../like.js';
import { checkOptions } from '../../graph/options.js';

export interface MatMulAttrs {
  [k: string]: unknown;
  transposeA: boolean;
  transposeB: boolean;
}

/** The (rows, cols) of `s` as used in the product: the last two dims, swapped when transposed. */
function matDims(s: Shape, transposed: boolean): [number | null, number | null] {
  const r = s[s.length - 2]!;
  const c = s[s.length - 1]!;
  return transposed ? [c, r] : [r, c];
}

function flags(attrs: MatMulAttrs): string {
  return attrs.transposeA || attrs.transposeB ? ` (transposeA=${attrs.transposeA}, transposeB=${attrs.transposeB})` : '';
}

function inferMatMul([a, b]: readonly TensorSpec[], attrs: MatMulAttrs): TensorSpec[] {
  if (typeof attrs.transposeA !== 'boolean' || typeof attrs.transposeB !== 'boolean') {
    throw new InferenceError(
      `transposeA and transposeB must be booleans, got ${String(attrs.transposeA)} and ${String(attrs.transposeB)}`,
      'argument',
    );
  }
  if (a!.dtype !== 'float32' || b!.dtype !== 'float32') {
    throw new InferenceError(`expected float32 inputs, got a ${a!.dtype} and b ${b!.dtype}`, 'dtype');
  }
  if (a!.shape.length < 2 || b!.shape.length < 2) {
    throw new InferenceError(
      `inputs must have rank >= 2, got a ${formatShape(a!.shape)} (rank ${a!.shape.length}) and b ${formatShape(b!.shape)} (rank ${b!.shape.length})`,
    );
  }
  const [m, ka] = matDims(a!.shape, attrs.transposeA);
  const [kb, n] = matDims(b!.shape, attrs.transposeB);
  if (ka !== null && kb !== null && ka !== kb) {
    throw new InferenceError(`inner dimensions differ: a is ${formatShape(a!.shape)}, b is ${formatShape(b!.shape)}${flags(attrs)}`);
  }
  let batch: (number | null)[];
  try {
    batch = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2));
  } catch {
    throw new InferenceError(`batch dimensions cannot broadcast: a is ${formatShape(a!.shape)}, b is ${formatShape(b!.shape)}`);
  }
  return [{ shape: [...batch, m, n], dtype: 'float32' }];
}

registerOp<MatMulAttrs>({
  name: 'MatMul',
  apiName: 'matmul',
  kind: 'matmul',
  infer: inferMatMul,
  evaluate: ([a, b], { transposeA, transposeB }) => {
    const ra = a!.shape.length;
    const rb = b!.shape.length;
    const m = transposeA ? a!.shape[ra - 1]! : a!.shape[ra - 2]!;
    const k = transposeA ? a!.shape[ra - 2]! : a!.shape[ra - 1]!;
    const kb = transposeB ? b!.shape[rb - 1]! : b!.shape[rb - 2]!;
    const n = transposeB ? b!.shape[rb - 2]! : b!.shape[rb - 1]!;
    if (k !== kb) throw new InferenceError(`inner dimensions differ: a is ${formatShape(a!.shape)}, b is ${formatShape(b!.shape)}`);
    const batchA = a!.shape.slice(0, -2);
    const batchB = b!.shape.slice(0, -2);
    const batch = broadcastConcrete(batchA, batchB);
    const ia = broadcastIndex(batchA, batch);
    const ib = broadcastIndex(batchB, batch);
    const out = zerosValue('float32', [...batch, m, n]);
    const A = a!.data;
    const B = b!.data;
    const Y = out.data;
    // Element (i, p) of the (possibly transposed) matrix, as strides into the stored row-major data.
    const [aRow, aCol] = transposeA ? [1, m] : [k, 1];
    const [bRow, bCol] = transposeB ? [1, k] : [n, 1];
    for (let t = 0; t < ia.length; t++) {
      const offA = ia[t]! * m * k;
      const offB = ib[t]! * k * n;
      const offY = t * m * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += A[offA + i * aRow + p * aCol]! * B[offB + p * bRow + j * bCol]!;
          Y[offY + i * n + j] = s;
        }
      }
    }
    return [out];
  },
  gradient: (ctx, [dy]) => {
    const [a, b] = ctx.inputs as [Tensor, Tensor];
    const { transposeA: ta, transposeB: tb } = ctx.attrs;
    const mm = (x: Tensor, y: Tensor, transposeA: boolean, transposeB: boolean): Tensor =>
      apply('MatMul', [x, y], { transposeA, transposeB });
    // TF's _BatchMatMulV2 gradient, one case per transpose combination.
    let da: Tensor;
    let db: Tensor;
    if (!ta && !tb) {
      da = mm(dy!, b, false, true);
      db = mm(a, dy!, true, false);
    } else if (!ta && tb) {
      da = mm(dy!, b, false, false);
      db = mm(dy!, a, true, false);
    } else if (ta && !tb) {
      da = mm(b, dy!, false, true);
      db = mm(a, dy!, false, false);
    } else {
      da = mm(b, dy!, true, true);
      db = mm(dy!, a, true, true);
    }
    return [mayBroadcast(a, b) ? sumToLike(da, a) : da, mayBroadcast(b, a) ? sumToLike(db, b) : db];
  },
});

/**
 * Could `x`'s batch dims be broadcast against `other`'s (so its gradient needs a sum)? Not when
 * `other` has no batch dims beyond x's rank and all of them are 1: then the output's batch dims
 * are x's own, whatever the unknown dims turn out to be (the common `[?,K] x [K,N]` case).
 */
function mayBroadcast(x: Tensor, other: Tensor): boolean {
  const bx = x.shape.length - 2;
  const bo = other.shape.length - 2;
  return bo > bx || other.shape.slice(0, bo).some((d) => d !== 1);
}

export interface MatMulOptions {
  /** Use aᵀ (the last two dims swapped); default false. */
  transposeA?: boolean;
  /** Use bᵀ (the last two dims swapped); default false. */
  transposeB?: boolean;
  name?: string;
}

/**
 * Matrix product `a · b` (TF `tf.linalg.matmul` / BatchMatMulV2); float32 only.
 *
 * Shapes: a `[..., M, K]` (`[..., K, M]` with `transposeA`), b `[..., K, N]` (`[..., N, K]` with
 * `transposeB`) give `[..., M, N]`. Rank 2 is a plain product; with rank >= 3 the leading batch
 * dims broadcast NumPy-style (`[?,1,M,K] x [H,K,N] -> [?,H,M,N]`). Unknown dims (`null`) are
 * allowed anywhere; the inner dims are checked when both are known.
 *
 * Gradient (TF's MatMul grad, kept in transpose flags rather than explicit transposes), e.g.
 * without transposes `da = dy · bᵀ`, `db = aᵀ · dy`; a batch dim that was broadcast is summed back.
 * @example const y = kiln.matmul(x, w); // [?,784] x [784,32] -> [?,32]
 * @throws ShapeError when a rank is below 2, the inner dims differ or batch dims cannot broadcast;
 *   DTypeError for non-float32 inputs
 */
export function matmul(a: TensorLike, b: TensorLike, options: MatMulOptions = {}): Tensor {
  checkOptions('matmul', options, ['transposeA', 'transposeB', 'name']);
  const attrs: MatMulAttrs = { transposeA: options.transposeA ?? false, transposeB: options.transposeB ?? false };
  return apply('MatMul', toTensorPair(a, b), attrs, options.name);
}
