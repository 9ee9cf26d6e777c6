/**
 * Every op of the op set, forward and gradient, compiled vs interpreter. All cases live in one
 * graph and run as one Session.run per backend, so the test compiles few modules.
 * Tolerances (relative, float32 code vs the float64 oracle): 1e-6 for exact-in-float32
 * arithmetic and data movement, 1e-5 for libm functions and short sums, 1e-4 for matmul/conv
 * (sgemm's summation order) and for gradients, which chain several rounded ops.
 */
import { describe, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { det, expectNativeMatches, type Case } from './helpers.js';

const EXACT = 1e-6;
const MATH = 1e-5;
const SUMS = 1e-4;

function build(): { g: kiln.Graph; fwd: Case[]; grads: Case[]; feeds: Record<string, Float32Array | Int32Array> } {
  const g = new kiln.Graph();
  g.seed = 7;
  const fwd: Case[] = [];
  const grads: Case[] = [];
  const feeds: Record<string, Float32Array | Int32Array> = {
    x: det(24, 1),
    p: det(24, 2, 0.5, 2),
    img: det(2 * 7 * 6 * 3, 3),
    lab: Int32Array.from([2, 0, 1, 3, 1, 2]),
  };
  g.asDefault(() => {
    const x = kiln.placeholder('float32', [2, 3, 4], 'x');
    const p = kiln.placeholder('float32', [2, 3, 4], 'p');
    const img = kiln.placeholder('float32', [null, 7, 6, 3], 'img');
    const lab = kiln.placeholder('int32', [6], 'lab');
    const v = kiln.variable(det(12, 4), { name: 'v', shape: [3, 4] });
    const row = kiln.constant(det(4, 5));
    const f = kiln.variable(det(3 * 3 * 3 * 5, 6), { name: 'filter', shape: [3, 3, 3, 5] });
    const add = (name: string, t: kiln.Tensor, tol: number, grad = t.dtype === 'float32'): void => {
      fwd.push({ name, t, tol });
      if (!grad) return;
      const w = kiln.constant(det(t.shape.reduce<number>((a, d) => a * (d ?? 2), 1), fwd.length + 100), { shape: t.shape.map((d) => d ?? 2) });
      const loss = kiln.sum(kiln.mul(t, w));
      const wrt = [x, p, v, img, f];
      const gs = kiln.gradients(loss, wrt);
      gs.forEach((gt, i) => gt && grads.push({ name: `d ${name} / d ${wrt[i]!.op.name}`, t: gt, tol: Math.max(tol, SUMS) }));
    };
    // Unary.
    add('neg', kiln.neg(x), EXACT);
    add('abs', kiln.abs(x), EXACT);
    add('sign', kiln.sign(x), EXACT);
    add('square', kiln.square(x), EXACT);
    add('exp', kiln.exp(x), MATH);
    add('log', kiln.log(p), MATH);
    add('sqrt', kiln.sqrt(p), MATH);
    add('rsqrt', kiln.rsqrt(p), MATH);
    add('reciprocal', kiln.reciprocal(p), MATH);
    add('tanh', kiln.tanh(x), MATH);
    add('erf', kiln.erf(x), MATH);
    add('erfc', kiln.erfc(x), MATH);
    add('sigmoid', kiln.sigmoid(x), MATH);
    add('softplus', kiln.softplus(x), MATH);
    add('relu', kiln.relu(x), EXACT);
    add('elu', kiln.elu(x, 0.7), MATH);
    add('leakyRelu', kiln.leakyRelu(x, 0.1), EXACT);
    add('gelu', kiln.gelu(x), MATH);
    add('gelu tanh', kiln.gelu(x, { approximate: true }), MATH);
    // Binary with broadcasting.
    add('add [?,3,4]+[3,4]', kiln.add(x, v), EXACT);
    add('sub [?,3,4]-[4]', kiln.sub(x, row), EXACT);
    add('mul [2,3,4]*[?,3,4]', kiln.mul(p, x), EXACT);
    add('div', kiln.div(x, p), EXACT);
    add('maximum', kiln.maximum(x, kiln.reshape(row, [4])), EXACT);
    add('minimum', kiln.minimum(x, 0.25), EXACT);
    add('pow', kiln.pow(p, x), MATH);
    // Comparisons, logic, select, cast.
    const pos = kiln.greater(x, 0);
    add('where', kiln.where(pos, x, kiln.mul(x, 0.1)), EXACT);
    add('greater', pos, 0);
    add('less', kiln.less(x, v), 0);
    add('lessEqual', kiln.lessEqual(x, 0.5), 0);
    add('greaterEqual', kiln.greaterEqual(x, -0.5), 0);
    add('equal', kiln.equal(kiln.cast(kiln.mul(x, 2), 'int32'), 0), 0);
    add('notEqual', kiln.notEqual(pos, kiln.less(x, 0.5)), 0);
    add('logicalAnd/Or/Not', kiln.logicalOr(kiln.logicalAnd(pos, kiln.less(x, 0.5)), kiln.logicalNot(kiln.less(x, -0.5))), 0);
    add('cast bool->float', kiln.cast(pos, 'float32'), 0);
    add('cast float->int', kiln.cast(kiln.mul(x, 10), 'int32'), 0);
    add('int arithmetic', kiln.mul(kiln.add(kiln.cast(kiln.mul(x, 10), 'int32'), 3), kiln.cast(kiln.mul(p, 7), 'int32')), 0);
    // Reductions over each axis.
    for (const axis of [0, 1, 2, -1]) add(`sum axis ${axis}`, kiln.sum(x, axis), MATH);
    add('sum [0,2] keepDims', kiln.sum(x, [0, 2], true), MATH);
    add('sum all', kiln.sum(x), MATH);
    add('sum int32', kiln.sum(kiln.cast(kiln.mul(x, 100), 'int32'), 1), 0);
    add('mean axis 1', kiln.mean(x, 1), MATH);
    add('max axis 1', kiln.max(x, 1), EXACT);
    add('min axis 0 keepDims', kiln.min(x, 0, true), EXACT);
    add('max int32', kiln.max(kiln.cast(kiln.mul(x, 100), 'int32'), 2), 0);
    add('argmax', kiln.argmax(x), 0);
    add('argmin axis 0', kiln.argmin(x, 0), 0);
    add('softmax', kiln.softmax(x), MATH);
    add('softmax axis 1', kiln.softmax(x, 1), MATH);
    add('logSoftmax', kiln.logSoftmax(x), MATH);
    add('logSumExp', kiln.logSumExp(x, [1, 2]), MATH);
    // Shape ops.
    add('reshape', kiln.reshape(x, [-1, 6]), EXACT);
    add('transpose', kiln.transpose(x, [2, 0, 1]), EXACT);
    add('transpose+exp', kiln.exp(kiln.transpose(x, [0, 2, 1])), MATH);
    add('expandDims', kiln.expandDims(x, 1), EXACT);
    add('squeeze', kiln.squeeze(kiln.slice(x, [0, 1, 0], [2, 1, 4]), 1), EXACT);
    add('slice', kiln.slice(x, [1, 1, 1], [1, 2, -1]), EXACT);
    add('pad', kiln.pad(x, [[0, 1], [2, 0], [1, 1]], 0.5), EXACT);
    add('concat', kiln.concat([x, p, kiln.exp(x)], 2), MATH);
    add('broadcastTo', kiln.broadcastTo(row, [3, 4]), EXACT, false);
    add('gather', kiln.gather(v, kiln.constant(Int32Array.from([2, 0, 2]), { dtype: 'int32' }), 0), EXACT);
    add('gather axis 1', kiln.gather(x, kiln.constant(Int32Array.from([3, 1]), { dtype: 'int32' }), 2), EXACT);
    add('oneHot', kiln.oneHot(lab, 4), 0, false);
    // Matmul: 2-D, transposes, batched, broadcast batch.
    const a = kiln.reshape(x, [-1, 4]);
    add('matmul', kiln.matmul(a, kiln.transpose(v)), SUMS);
    add('matmul tA', kiln.matmul(a, kiln.reshape(p, [6, 4]), { transposeA: true }), SUMS);
    add('matmul tB', kiln.matmul(a, v, { transposeB: true }), SUMS);
    add('matmul tA tB', kiln.matmul(kiln.transpose(a), v, { transposeA: true, transposeB: true }), SUMS);
    add('batched matmul', kiln.matmul(x, kiln.transpose(p, [0, 2, 1])), SUMS);
    add('batched matmul broadcast', kiln.matmul(x, kiln.transpose(v)), SUMS);
    add('matmul+bias+relu', kiln.relu(kiln.add(kiln.matmul(a, kiln.transpose(v)), kiln.constant(det(3, 9)))), SUMS);
    // Convolution and pooling.
    add('conv2d same', kiln.conv2d(img, f, { padding: 'same' }), SUMS);
    add('conv2d valid stride 2', kiln.conv2d(img, f, { padding: 'valid', strides: 2 }), SUMS);
    add('conv2d same stride 2 dilation', kiln.conv2d(img, f, { padding: 'same', strides: [2, 1] }), SUMS);
    add('maxPool same stride 2', kiln.maxPool2d(img, { poolSize: 3, strides: 2, padding: 'same' }), EXACT);
    add('maxPool valid', kiln.maxPool2d(img, { poolSize: 2, padding: 'valid' }), EXACT);
    add('avgPool same', kiln.avgPool2d(img, { poolSize: 3, strides: 2, padding: 'same' }), MATH);
    add('avgPool valid stride 1', kiln.avgPool2d(img, { poolSize: 2, strides: 1, padding: 'valid' }), MATH);
    // Losses.
    const logits = kiln.reshape(x, [6, 4]);
    add('softmaxCrossEntropyWithLogits', kiln.softmaxCrossEntropyWithLogits(kiln.softmax(kiln.reshape(p, [6, 4])), logits), MATH);
    add('sparseSoftmaxCrossEntropyWithLogits', kiln.sparseSoftmaxCrossEntropyWithLogits(lab, logits), MATH);
  });
  return { g, fwd, grads, feeds };
}

describe('every op compiled vs interpreter', () => {
  const { g, fwd, grads, feeds } = build();
  it('forward and gradients (one executable)', () => {
    expectNativeMatches(g, [...fwd, ...grads], feeds);
  });
});

describe('the op test covers the op set', () => {
  it('holds forward and gradient cases, and the compiled module is the native one', () => {
    const { g, fwd, grads, feeds } = build();
    const sn = expectNativeMatches(g, fwd.slice(0, 3), feeds);
    if (fwd.length < 80 || grads.length < 60) throw new Error(`only ${fwd.length} forward and ${grads.length} gradient cases`);
    if (!sn.native?.lastBuild || sn.native.lastBuild.generated.kernels < 1) throw new Error('no native executable was built');
  });
});
