/**
 * Max pooling and its gradient (NHWC), vectorized over channels.
 *
 * Design note. The generic window loop of anchors.ts (poolLoops) visits one channel at a time
 * and tracks an argmax index per output element: scalar code with a data-dependent load. Here
 * each window is visited once per tap with an inner loop over the `c` contiguous channels, which
 * the compiler turns into SIMD compares and blends:
 *
 *   MaxPool      y[c] = first tap; then y[c] = x_t[c] > y[c] ? x_t[c] : y[c] for later taps
 *   MaxPoolGrad  the same fold keeps the winning tap per channel; then every tap of the window
 *                writes dx = (winner == tap) ? dy : 0
 *
 * Both keep the reference's rule (forEachArgmax): the first strictly larger tap wins, so the
 * first tap wins ties and a NaN never wins (unless it is the first tap). The gradient's direct
 * write (instead of a memset and a scatter-add) needs windows that do not overlap (strides at
 * least the pool size); other geometries use the generic scatter. Windows do not overlap, so the
 * gradient runs in parallel over windows; inputs no window covers are zeroed first.
 */
import type { Geometry } from '../../src/ops/conv/conv_util.js';
import { PARALLEL_MIN_ELEMENTS } from './loops.js';
import { i64 } from './names.js';

/** Most channels of the per-window winner arrays on the stack (16 KiB of them). */
const MAX_STACK_CHANNELS = 2048;

const par = (n: number): string[] => (n >= PARALLEL_MIN_ELEMENTS ? ['#pragma omp parallel for schedule(static)'] : []);

/** The window of output pixel `nyx`: n, tap origin (y0, x0) and the in-image tap ranges. */
function windowHead(g: Geometry): string[] {
  return [
    `  const int64_t n = nyx / ${i64(g.oh * g.ow)}, oy = (nyx / ${g.ow}) % ${g.oh}, ox = nyx % ${g.ow};`,
    `  const int64_t y0 = oy * ${g.sh} - ${g.pt}, x0 = ox * ${g.sw} - ${g.pl};`,
    `  const int64_t ky0 = y0 < 0 ? -y0 : 0, ky1 = y0 + ${g.kh} > ${g.h} ? ${g.h} - y0 : ${g.kh};`,
    `  const int64_t kx0 = x0 < 0 ? -x0 : 0, kx1 = x0 + ${g.kw} > ${g.w} ? ${g.w} - x0 : ${g.kw};`,
  ];
}

const tapPtr = (g: Geometry, base: string): string => `${base} + ((n * ${g.h} + y0 + ky) * ${g.w} + x0 + kx) * ${i64(g.c)}`;

/** MaxPool: X [n, h, w, c] -> Y [n, oh, ow, c]. */
export function maxPool(g: Geometry, X: string, Y: string): string[] {
  const windows = g.n * g.oh * g.ow;
  if (windows * g.c === 0) return [];
  return [
    ...par(windows * g.c),
    `for (int64_t nyx = 0; nyx < ${i64(windows)}; ++nyx) {`,
    ...windowHead(g),
    `  float* KILN_RESTRICT y = ${Y} + nyx * ${i64(g.c)};`,
    '  bool first = true;',
    '  for (int64_t ky = ky0; ky < ky1; ++ky)',
    '    for (int64_t kx = kx0; kx < kx1; ++kx) {',
    `      const float* KILN_RESTRICT x = ${tapPtr(g, X)};`,
    `      if (first) { for (int64_t c = 0; c < ${g.c}; ++c) y[c] = x[c]; first = false; continue; }`,
    '      #pragma omp simd',
    `      for (int64_t c = 0; c < ${g.c}; ++c) y[c] = x[c] > y[c] ? x[c] : y[c];`,
    '    }',
    '}',
  ];
}

/** Whether maxPoolGrad handles the geometry (else the caller uses the generic scatter). */
export function maxPoolGradDirect(g: Geometry): boolean {
  return g.sh >= g.kh && g.sw >= g.kw && g.c <= MAX_STACK_CHANNELS;
}

/** Whether the windows tile the input exactly (every input element is written by one window). */
export function maxPoolGradCovers(g: Geometry): boolean {
  return g.sh === g.kh && g.sw === g.kw && g.pt === 0 && g.pl === 0 && g.oh * g.kh === g.h && g.ow * g.kw === g.w;
}

/**
 * Where maxPoolGrad writes: a buffer, or a store function (`flat`, channel, value) that applies
 * a pointwise epilogue there (only when the windows cover the input: an uncovered element would
 * skip the epilogue).
 */
export type PoolGradStore = string | ((flat: string, c: string, v: string) => string[]);

/** MaxPoolGrad for non-overlapping windows: DX [n, h, w, c] from X and DY [n, oh, ow, c]. */
export function maxPoolGrad(g: Geometry, X: string, DY: string, DX: PoolGradStore): string[] {
  const windows = g.n * g.oh * g.ow;
  const total = g.n * g.h * g.w * g.c;
  const covered = maxPoolGradCovers(g);
  if (typeof DX !== 'string' && !covered) throw new Error('codegen: maxPoolGrad: a store epilogue needs windows that cover the input');
  const lines = covered ? [] : [`memset(${DX}, 0, ${i64(total * 4)});`];
  if (windows * g.c === 0) return lines;
  return [
    ...lines,
    ...par(total),
    `for (int64_t nyx = 0; nyx < ${i64(windows)}; ++nyx) {`,
    ...windowHead(g),
    `  const float* KILN_RESTRICT dy = ${DY} + nyx * ${i64(g.c)};`,
    `  float best[${g.c}];`,
    `  int32_t win[${g.c}];`,
    '  int32_t tap = 0;',
    '  for (int64_t ky = ky0; ky < ky1; ++ky)',
    '    for (int64_t kx = kx0; kx < kx1; ++kx, ++tap) {',
    `      const float* KILN_RESTRICT x = ${tapPtr(g, X)};`,
    `      if (tap == 0) { for (int64_t c = 0; c < ${g.c}; ++c) { best[c] = x[c]; win[c] = 0; } continue; }`,
    '      #pragma omp simd',
    `      for (int64_t c = 0; c < ${g.c}; ++c) { const bool b = x[c] > best[c]; best[c] = b ? x[c] : best[c]; win[c] = b ? tap : win[c]; }`,
    '    }',
    '  tap = 0;',
    '  for (int64_t ky = ky0; ky < ky1; ++ky)',
    '    for (int64_t kx = kx0; kx < kx1; ++kx, ++tap) {',
    ...(typeof DX === 'string'
      ? [
          `      float* KILN_RESTRICT dx = ${tapPtr(g, DX)};`,
          '      #pragma omp simd',
          `      for (int64_t c = 0; c < ${g.c}; ++c) dx[c] = win[c] == tap ? dy[c] : 0.0f;`,
        ]
      : [
          `      const int64_t at = ((n * ${g.h} + y0 + ky) * ${g.w} + x0 + kx) * ${i64(g.c)};`,
          '      #pragma omp simd',
          `      for (int64_t c = 0; c < ${g.c}; ++c) {`,
          ...DX('at + c', 'c', '(win[c] == tap ? dy[c] : 0.0f)').map((l) => '        ' + l),
          '      }',
        ]),
    '    }',
    '}',
  ];
}
