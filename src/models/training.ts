/**
 * The batch loops of `fit`, `evaluate` and `predict`, over a Session: one `Session.run` per
 * batch. Epoch and evaluation means are weighted by batch size, so a partial last batch counts
 * for what it holds. A batch size that does not divide the data gives one more feed shape (a
 * compiled backend specializes once more for it, then reuses both).
 */
import type { Tensor, Operation } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { InvalidArgumentError } from '../graph/errors.js';
import type { Session } from '../session/session.js';
import { CallbackList, type Logs } from '../callbacks/callback.js';
import { sliceRows, takeRows } from '../data/utils.js';
import type { Objective } from './model_graph.js';

/** Weighted means of named values over batches. */
export class MeanAccumulator {
  private readonly sums = new Map<string, number>();
  private count = 0;

  add(values: Logs, size: number): void {
    for (const [k, v] of Object.entries(values)) this.sums.set(k, (this.sums.get(k) ?? 0) + v * size);
    this.count += size;
  }

  means(prefix = ''): Logs {
    const out: Logs = {};
    for (const [k, s] of this.sums) out[prefix + k] = s / this.count;
    return out;
  }
}

/** Batch `[start, end)` boundaries for `n` examples. */
export function batches(n: number, batchSize: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += batchSize) out.push([s, Math.min(n, s + batchSize)]);
  return out;
}

export interface EpochArgs {
  session: Session;
  x: Tensor;
  y: Tensor;
  objective: Objective;
  step: Operation;
  metricNames: readonly string[];
  X: NDArray;
  Y: NDArray;
  batchSize: number;
  /** Example order for this epoch (a permutation, or undefined for in order). */
  order: Int32Array | undefined;
  callbacks: CallbackList;
  /** Checked after each batch (EarlyStopping or a user callback may set it). */
  stopped: () => boolean;
}

/** Runs one training epoch; returns the weighted means of loss and metrics. */
export function trainEpoch(a: EpochArgs): Logs {
  const acc = new MeanAccumulator();
  const n = a.X.shape[0]!;
  const fetches = { loss: a.objective.loss, metrics: a.objective.metrics, step: a.step };
  // One pair of batch buffers per batch size (at most two: full and partial), refilled each step.
  const buffers = new Map<number, [NDArray, NDArray]>();
  const order = a.order ?? Int32Array.from({ length: n }, (_, i) => i);
  batches(n, a.batchSize).forEach(([s, e], b) => {
    if (a.stopped()) return;
    a.callbacks.onBatchBegin(b, { batch: b, size: e - s });
    const buf = buffers.get(e - s);
    const xb = takeRows(a.X, order, s, e, buf?.[0]);
    const yb = takeRows(a.Y, order, s, e, buf?.[1]);
    if (!buf) buffers.set(e - s, [xb, yb]);
    const r = a.session.run(fetches, new Map([[a.x, xb], [a.y, yb]]));
    const values: Logs = { loss: r.loss.item() };
    r.metrics.forEach((m, i) => (values[a.metricNames[i]!] = m.item()));
    acc.add(values, e - s);
    a.callbacks.onBatchEnd(b, { batch: b, size: e - s, ...values });
  });
  return acc.means();
}

/** Loss and metrics over a data set, batch by batch, weighted by batch size. */
export function evaluateArrays(
  session: Session,
  x: Tensor,
  y: Tensor,
  objective: Objective,
  metricNames: readonly string[],
  X: NDArray,
  Y: NDArray,
  batchSize: number,
): Logs {
  const acc = new MeanAccumulator();
  const fetches = { loss: objective.loss, metrics: objective.metrics };
  for (const [s, e] of batches(X.shape[0]!, batchSize)) {
    const r = session.run(fetches, new Map([[x, sliceRows(X, s, e)], [y, sliceRows(Y, s, e)]]));
    const values: Logs = { loss: r.loss.item() };
    r.metrics.forEach((m, i) => (values[metricNames[i]!] = m.item()));
    acc.add(values, e - s);
  }
  return acc.means();
}

/** The output for every example, batch by batch, concatenated (float32). */
export function predictArrays(session: Session, x: Tensor, output: Tensor, X: NDArray, batchSize: number): NDArray {
  const n = X.shape[0]!;
  const rowShape = output.shape.slice(1) as number[];
  const rowSize = rowShape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n * rowSize);
  for (const [s, e] of batches(n, batchSize)) {
    const r = session.run(output, new Map([[x, sliceRows(X, s, e)]]));
    data.set(r.data, s * rowSize);
  }
  return new NDArray(data, [n, ...rowShape], 'float32');
}

/** @throws InvalidArgumentError unless `n` is a positive integer */
export function checkBatchSize(n: number, who: string): number {
  if (!(Number.isInteger(n) && n > 0)) throw new InvalidArgumentError(`${who}: batchSize must be a positive integer, got ${n}`);
  return n;
}

/** @throws InvalidArgumentError when x and y hold different numbers of examples, or none */
export function checkCounts(X: NDArray, Y: NDArray, who: string): void {
  if (X.shape[0] !== Y.shape[0]) {
    throw new InvalidArgumentError(`${who}: x has ${X.shape[0]} examples but y has ${Y.shape[0]}; they must match`);
  }
  if (X.shape[0] === 0) throw new InvalidArgumentError(`${who}: no examples`);
}
