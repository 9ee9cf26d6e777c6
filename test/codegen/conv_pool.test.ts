/**
 * The convolution, max-pool and column-sum lowerings (codegen/cpp/conv.ts, pool.ts, loops.ts
 * columnSums) compiled vs interpreter on the geometries their fast paths single out: dilation,
 * 1x1 (no im2col), few taps (direct loop), several im2col chunks with a partial last one, pools with gaps between
 * windows, clipped windows and ties, and bias-gradient sums over the leading axes, serial and
 * split into parts.
 */
import { describe, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { withColBudget } from '../../codegen/cpp/conv.js';
import { det, expectNativeMatches, type Case } from './helpers.js';

const EXACT = 1e-6;
const SUMS = 1e-4;

/** Values on a grid of quarters, so that pooling windows hold ties. */
function ties(n: number, seed: number): Float32Array {
  return det(n, seed).map((v) => Math.round(v * 4) / 4);
}

function cases(build: (add: (name: string, t: kiln.Tensor, tol: number, wrt: kiln.Tensor[]) => void) => void): { g: kiln.Graph; all: Case[] } {
  const g = new kiln.Graph();
  const all: Case[] = [];
  g.asDefault(() =>
    build((name, t, tol, wrt) => {
      all.push({ name, t, tol });
      const w = kiln.constant(det(t.shape.reduce<number>((a, d) => a * (d ?? 1), 1), all.length + 50), { shape: t.shape.map((d) => d ?? 1) });
      const gs = kiln.gradients(kiln.sum(kiln.mul(t, w)), wrt);
      gs.forEach((gt, i) => gt && all.push({ name: `d ${name} / d ${wrt[i]!.op.name}`, t: gt, tol: SUMS }));
    }),
  );
  return { g, all };
}

describe('convolution lowering', () => {
  const feeds = { img: det(5 * 9 * 8 * 3, 3), img4: det(5 * 9 * 8 * 4, 4) };
  const build = () =>
    cases((add) => {
      const img = kiln.placeholder('float32', [null, 9, 8, 3], 'img');
      const f = kiln.variable(det(3 * 3 * 3 * 4, 6), { name: 'filter', shape: [3, 3, 3, 4] });
      const f1 = kiln.variable(det(3 * 4, 7), { name: 'filter1x1', shape: [1, 1, 3, 4] });
      // 3 input channels: 27 taps (the direct small-K loop forward); 4 channels: 36 (im2col + sgemm).
      const img4 = kiln.placeholder('float32', [null, 9, 8, 4], 'img4');
      const f4 = kiln.variable(det(3 * 3 * 4 * 4, 8), { name: 'filter4', shape: [3, 3, 4, 4] });
      add('conv2d valid', kiln.conv2d(img, f, { padding: 'valid' }), SUMS, [img, f]);
      add('conv2d valid, 36 taps', kiln.conv2d(img4, f4, { padding: 'valid' }), SUMS, [img4, f4]);
      add('conv2d same stride 2 dilation 2, 36 taps', kiln.conv2d(img4, f4, { padding: 'same', strides: 2, dilations: 2 }), SUMS, [img4, f4]);
      add('conv2d same dilation 2', kiln.conv2d(img, f, { padding: 'same', dilations: 2 }), SUMS, [img, f]);
      add('conv2d valid stride [2,1] dilation [1,2]', kiln.conv2d(img, f, { padding: 'valid', strides: [2, 1], dilations: [1, 2] }), SUMS, [img, f]);
      add('conv2d 1x1', kiln.conv2d(img, f1, { padding: 'valid' }), SUMS, [img, f1]);
      add('conv2d 1x1 stride 2', kiln.conv2d(img, f1, { padding: 'same', strides: 2 }), SUMS, [img, f1]);
    });
  it('matches the interpreter with the whole batch in one im2col chunk', () => {
    const { g, all } = build();
    expectNativeMatches(g, all, feeds);
  });
  it('matches the interpreter with 2 images per chunk (3 chunks, the last partial)', () => {
    const { g, all } = build();
    // One image of the 3x3 'valid' conv of img4: 7·6 pixels x 36 taps x 4 bytes.
    withColBudget(2 * 7 * 6 * 36 * 4, () => expectNativeMatches(g, all, feeds));
  });
});

describe('max-pool lowering', () => {
  it('matches the interpreter (gaps between windows, clipped windows, uncovered rows, ties)', () => {
    const { g, all } = cases((add) => {
      const img = kiln.placeholder('float32', [null, 7, 7, 3], 'img');
      add('maxPool 2 stride 3', kiln.maxPool2d(img, { poolSize: 2, strides: 3, padding: 'valid' }), EXACT, [img]);
      add('maxPool 2 same (clipped)', kiln.maxPool2d(img, { poolSize: 2, strides: 2, padding: 'same' }), EXACT, [img]);
      add('maxPool 3 valid (uncovered row)', kiln.maxPool2d(img, { poolSize: 3, padding: 'valid' }), EXACT, [img]);
      add('maxPool 3 stride 1 (overlap)', kiln.maxPool2d(img, { poolSize: 3, strides: 1, padding: 'same' }), EXACT, [img]);
    });
    expectNativeMatches(g, all, { img: ties(2 * 7 * 7 * 3, 9) });
  });
  it('matches the interpreter on windows that tile the input exactly (no zero fill)', () => {
    const { g, all } = cases((add) => {
      const img = kiln.placeholder('float32', [null, 8, 6, 5], 'img');
      add('maxPool 2', kiln.maxPool2d(img, { poolSize: 2, padding: 'valid' }), EXACT, [img]);
    });
    expectNativeMatches(g, all, { img: ties(3 * 8 * 6 * 5, 10) });
  });
});

describe('epilogues applied at the anchor store', () => {
  // The direct (few-tap) convolution applies bias + relu in its store, and a max-pool gradient
  // whose windows tile the input applies the relu gradient in its own (codegen/cpp/emit.ts
  // pointwiseEpilogue); an uncovered pool keeps the separate epilogue loop.
  it('match the interpreter: conv + bias + relu + pool and their gradients', () => {
    const { g, all } = cases((add) => {
      const img = kiln.placeholder('float32', [null, 8, 6, 3], 'img');
      const f = kiln.variable(det(3 * 3 * 3 * 4, 21), { name: 'filter', shape: [3, 3, 3, 4] });
      const b = kiln.variable(det(4, 22), { name: 'bias', shape: [4] });
      const conv = kiln.conv2d(img, f, { padding: 'same' });
      const act = kiln.relu(kiln.add(conv, b));
      add('conv + bias + relu, pool 2 (tiles)', kiln.maxPool2d(act, { poolSize: 2, padding: 'valid' }), SUMS, [img, f, b]);
      add('conv + bias + relu, pool 3 (uncovered)', kiln.maxPool2d(act, { poolSize: 3, padding: 'valid' }), SUMS, [img, f, b]);
      add('conv output and its biased tanh both fetched', kiln.add(conv, kiln.tanh(kiln.add(conv, b))), SUMS, [img, b]);
    });
    expectNativeMatches(g, all, { img: det(3 * 8 * 6 * 3, 23) });
  });
});

describe('column sums', () => {
  it('match the interpreter, serial and split into parts', () => {
    const g = new kiln.Graph();
    const all: Case[] = g.asDefault(() => {
      const small = kiln.placeholder('float32', [6, 5, 7], 'small');
      const big = kiln.placeholder('float32', [64, 8, 8, 16], 'big');
      const k = kiln.placeholder('int32', [40, 3], 'k');
      return [
        { name: 'sum leading axis', t: kiln.sum(small, 0), tol: SUMS },
        { name: 'sum leading axes, scaled', t: kiln.mul(kiln.sum(small, [0, 1]), kiln.constant(0.5)), tol: SUMS },
        { name: 'sum leading axes, parts', t: kiln.sum(kiln.relu(big), [0, 1, 2]), tol: SUMS },
        { name: 'two sums, parts', t: kiln.add(kiln.sum(big, [0, 1, 2]), kiln.sum(kiln.square(big), [0, 1, 2])), tol: SUMS },
        { name: 'int32 sum leading axis', t: kiln.sum(k, 0), tol: 0 },
      ];
    });
    const ints = Int32Array.from({ length: 120 }, (_, i) => (i * 37) % 11 - 5);
    expectNativeMatches(g, all, { small: det(6 * 5 * 7, 11), big: det(64 * 8 * 8 * 16, 12), k: ints });
  });
});
