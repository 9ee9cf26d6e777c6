import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradient, expectClose, f64, randomData, values } from '../helpers.js';

function refLogSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
  return row.map((v) => v - m - Math.log(s));
}

/** Rows of `n` random probabilities (softmax of random numbers): valid soft labels. */
function softLabels(rows: number, n: number, seed: number): number[] {
  const r = Array.from(randomData(rows * n, seed, -2, 2));
  const out: number[] = [];
  for (let i = 0; i < rows; i++) out.push(...refLogSoftmax(r.slice(i * n, i * n + n)).map(Math.exp));
  return out;
}

describe('softmaxCrossEntropyWithLogits', () => {
  it('computes -sum(labels * logSoftmax(logits)) per example, args positional or as an object', () => {
    new kiln.Graph().asDefault(() => {
      const labels = kiln.constant([[0, 1, 0], [0.25, 0.25, 0.5]]);
      const logits = kiln.constant([[1, 2, 3], [0, -1, 2]]);
      const l1 = refLogSoftmax([1, 2, 3]);
      const l2 = refLogSoftmax([0, -1, 2]);
      const want = [-l1[1]!, -(0.25 * l2[0]! + 0.25 * l2[1]! + 0.5 * l2[2]!)];
      const loss = kiln.softmaxCrossEntropyWithLogits(labels, logits);
      expect(loss.shape).toEqual([2]);
      expectClose(values(loss), want);
      expectClose(values(kiln.softmaxCrossEntropyWithLogits({ labels, logits, name: 'xent' })), want);
      expect(kiln.softmaxCrossEntropyWithLogits({ labels, logits, name: 'xent' }).op.name).toBe('xent_1');
    });
  });

  it('is finite for logits of magnitude 1e4, with gradient softmax - labels', () => {
    new kiln.Graph().asDefault(() => {
      const labels = kiln.placeholder('float32', [null, 3], 'labels');
      const logits = kiln.placeholder('float32', [null, 3], 'logits');
      const loss = kiln.softmaxCrossEntropyWithLogits(labels, logits);
      expect(loss.shape).toEqual([null]);
      const [dlogits, dlabels] = kiln.gradients(loss, [logits, labels]);
      const feeds = new Map([
        [labels, f64([0, 1, 0, 1, 0, 0], [2, 3])],
        [logits, f64([1e4, 0, -1e4, 1e4, 0, -1e4], [2, 3])],
      ]);
      expectClose(values(loss, feeds), [1e4, 0], 1e-12);
      expectClose(values(dlogits!, feeds), [1, -1, 0, 0, 0, 0], 1e-12);
      // d/dlabels = -logSoftmax(logits) = [0, 1e4, 2e4]
      expectClose(values(dlabels!, feeds), [0, 1e4, 2e4, 0, 1e4, 2e4], 1e-12);
    });
  });

  it('has gradients w.r.t. logits and labels matching finite differences', () => {
    checkGradient((p, z) => kiln.softmaxCrossEntropyWithLogits(p, z), [
      f64(softLabels(3, 4, 1), [3, 4]),
      f64(randomData(12, 2, -3, 3), [3, 4]),
    ]);
    checkGradient((p, z) => kiln.softmaxCrossEntropyWithLogits(p, z), [
      f64(softLabels(1, 5, 3), [1, 5]),
      f64(randomData(5, 4, -3, 3), [1, 5]),
    ]);
    checkGradient((p, z) => kiln.softmaxCrossEntropyWithLogits(p, z), [
      f64(softLabels(6, 2, 5), [2, 3, 2]),
      f64(randomData(12, 6, -3, 3), [2, 3, 2]),
    ]);
  });

  it('rejects mismatched shapes at build and run time, naming the node', () => {
    new kiln.Graph().asDefault(() => {
      const labels = kiln.placeholder('float32', [null, 4], 'labels');
      const logits = kiln.placeholder('float32', [null, 3], 'logits');
      expect(() => kiln.softmaxCrossEntropyWithLogits(labels, logits, 'loss')).toThrowError(
        /^softmaxCrossEntropyWithLogits 'loss': labels shape \[\?,4\] must equal logits shape \[\?,3\] \(created at test\/ops\/softmax_cross_entropy\.test\.ts:\d+\)$/,
      );
      const l2 = kiln.placeholder('float32', [null, 3], 'l2');
      const loss = kiln.softmaxCrossEntropyWithLogits(l2, logits);
      const feeds = new Map([[l2, f64([0, 0, 1], [1, 3])], [logits, f64([1, 2, 3, 4, 5, 6], [2, 3])]]);
      expect(() => values(loss, feeds)).toThrowError(/labels shape \[1,3\] must equal logits shape \[2,3\]/);
      expect(() => kiln.softmaxCrossEntropyWithLogits(kiln.placeholder('int32', [2, 3]), logits)).toThrowError(kiln.DTypeError);
    });
  });
});

describe('sparseSoftmaxCrossEntropyWithLogits', () => {
  it('computes logSumExp(logits) - logits[label] per example', () => {
    new kiln.Graph().asDefault(() => {
      const labels = kiln.constant(Int32Array.of(2, 0), { shape: [2] });
      const logits = kiln.constant([[1, 2, 3], [0, -1, 2]]);
      const loss = kiln.sparseSoftmaxCrossEntropyWithLogits(labels, logits);
      expect(loss.shape).toEqual([2]);
      expectClose(values(loss), [-refLogSoftmax([1, 2, 3])[2]!, -refLogSoftmax([0, -1, 2])[0]!]);
      expectClose(values(kiln.sparseSoftmaxCrossEntropyWithLogits({ labels, logits })), values(loss));
    });
  });

  it('is finite for logits of magnitude 1e4, with gradient softmax - oneHot(labels), unknown batch', () => {
    new kiln.Graph().asDefault(() => {
      const labels = kiln.placeholder('int32', [null], 'labels');
      const logits = kiln.placeholder('float32', [null, 3], 'logits');
      const loss = kiln.sparseSoftmaxCrossEntropyWithLogits(labels, logits);
      expect(loss.shape).toEqual([null]);
      const [dlogits] = kiln.gradients(loss, [logits], kiln.constant([1, 3]));
      const feeds = new Map([
        [labels, kiln.array(Int32Array.of(1, 0), [2])],
        [logits, f64([1e4, 0, -1e4, 1e4, 0, -1e4], [2, 3])],
      ]);
      expectClose(values(loss, feeds), [1e4, 0], 1e-12);
      expectClose(values(dlogits!, feeds), [1, -1, 0, 0, 0, 0], 1e-12);
    });
  });

  it('has a gradient w.r.t. logits matching finite differences, none w.r.t. labels', () => {
    const lab = (xs: number[], shape: number[]) => kiln.array(Int32Array.from(xs), shape);
    checkGradient((p, z) => kiln.sparseSoftmaxCrossEntropyWithLogits(p, z), [lab([0, 3, 1], [3]), f64(randomData(12, 2, -3, 3), [3, 4])]);
    checkGradient((p, z) => kiln.sparseSoftmaxCrossEntropyWithLogits(p, z), [lab([4], [1]), f64(randomData(5, 3, -3, 3), [1, 5])]);
    checkGradient((p, z) => kiln.sparseSoftmaxCrossEntropyWithLogits(p, z), [
      lab([0, 1, 1, 0, 2, 2], [2, 3]),
      f64(randomData(18, 4, -3, 3), [2, 3, 3]),
    ]);
    new kiln.Graph().asDefault(() => {
      const labels = kiln.placeholder('int32', [2], 'labels');
      const logits = kiln.placeholder('float32', [2, 3], 'logits');
      const loss = kiln.sparseSoftmaxCrossEntropyWithLogits(labels, logits);
      expect(() => kiln.gradients(loss, [labels])).toThrowError(/only float32 tensors have gradients/);
    });
  });

  it('fails at run time on an out-of-range label, naming the node, label and position', () => {
    new kiln.Graph().asDefault(() => {
      const labels = kiln.placeholder('int32', [null], 'labels');
      const logits = kiln.placeholder('float32', [null, 3], 'logits');
      const loss = kiln.sparseSoftmaxCrossEntropyWithLogits(labels, logits, 'loss');
      const run = (ls: number[]) =>
        values(loss, new Map([[labels, kiln.array(Int32Array.from(ls), [ls.length])], [logits, f64(new Array(ls.length * 3).fill(0), [ls.length, 3])]]));
      expect(() => run([0, 2, 3])).toThrowError(
        /^sparseSoftmaxCrossEntropyWithLogits 'loss': label 3 at position \[2\] is out of range \[0, 3\) for 3 classes \(created at test\/ops\/softmax_cross_entropy\.test\.ts:\d+\)$/,
      );
      expect(() => run([-1])).toThrowError(kiln.InvalidArgumentError);
      expect(() => run([-1])).toThrowError(/label -1 at position \[0\]/);
    });
  });

  it('rejects mismatched shapes and dtypes at build time', () => {
    new kiln.Graph().asDefault(() => {
      const logits = kiln.placeholder('float32', [null, 3], 'logits');
      expect(() => kiln.sparseSoftmaxCrossEntropyWithLogits(kiln.placeholder('int32', [null, 3]), logits, 'loss')).toThrowError(
        /^sparseSoftmaxCrossEntropyWithLogits 'loss': labels shape \[\?,3\] must equal logits shape \[\?,3\] without its last \(classes\) axis \(created at test\/ops\/softmax_cross_entropy\.test\.ts:\d+\)$/,
      );
      expect(() => kiln.sparseSoftmaxCrossEntropyWithLogits(kiln.placeholder('float32', [2]), logits)).toThrowError(
        /labels must be int32, got float32/,
      );
    });
  });
});
