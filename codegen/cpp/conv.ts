/**
 * Convolution lowering (NHWC input, HWIO filter): im2col + one cblas_sgemm per chunk of images.
 *
 * Design note. The im2col matrix of a chunk of `nb` images is `col` [nb·M, K] (M = oh·ow output
 * pixels per image, K = kh·kw·c taps), so each op is one large GEMM instead of one per image:
 *
 *   Conv2D                y  [nb·M, oc] = col [nb·M, K] · f [K, oc]
 *   Conv2DBackpropFilter  df [K, oc]   += colᵀ [K, nb·M] · dy [nb·M, oc]      (beta 0, then 1)
 *   Conv2DBackpropInput   dcol [nb·M, K] = dy [nb·M, oc] · fᵀ [oc, K], then col2im per image
 *
 * A small GEMM per image (conv 2 of the bench's cnn: 121 x 64 x 288) runs far below the BLAS
 * peak and pays OpenBLAS's thread hand-off 64 times per op; one GEMM of 7744 x 64 x 288 does
 * not. A chunk holds as many images as fit in COL_BUDGET_BYTES, so the arena stays bounded
 * for large batches or images. im2col and col2im run as OpenMP loops (serial code around them
 * calls cblas_sgemm, which threads itself: never call it inside a parallel region).
 *
 * im2col copies, per (output pixel, filter row), the kw·c contiguous input floats with one
 * memcpy when the row is inside the image and undilated; padding taps are zeros.
 *
 * Few taps (K <= SMALL_K, a first layer on 1-channel images) skip im2col and BLAS: a direct
 * loop for the forward (applying a pointwise epilogue such as bias + relu at its store) and
 * for the filter gradient.
 */
import type { Tensor } from '../../src/graph/graph.js';
import { geometry, type Geometry, type WindowAttrs } from '../../src/ops/conv/conv_util.js';
import type { AnchorArgs, AnchorTemplate } from './anchors.js';
import { shapeOf, type ExternalRead } from './expr.js';
import { PARALLEL_MIN_ELEMENTS, type KernelEnv } from './loops.js';
import { i64 } from './names.js';

/**
 * Most bytes of one im2col chunk. Why 32 MiB: the bench's cnn needs 9 MB for its whole batch
 * of 64 (so one GEMM per op), while a batch of large images (e.g. 32 x 224² x 64, 3x3) would
 * need gigabytes; past a few thousand GEMM rows a bigger chunk gains nothing.
 */
export const COL_BUDGET_BYTES = 32 * 1024 * 1024;

let colBudget = COL_BUDGET_BYTES;

/** Runs `f` (which compiles) with another chunk budget: lets tests reach the multi-chunk path on small shapes. */
export function withColBudget<T>(bytes: number, f: () => T): T {
  const saved = colBudget;
  colBudget = bytes;
  try {
    return f();
  } finally {
    colBudget = saved;
  }
}

function ptr(env: KernelEnv, t: Tensor): string {
  const r: ExternalRead = env.read(t);
  if (r.literal !== undefined || r.boolAsInt) throw new Error(`codegen: ${t} must be a float buffer here`);
  return r.ptr;
}

const par = (n: number): string[] => (n >= PARALLEL_MIN_ELEMENTS ? ['#pragma omp parallel for schedule(static)'] : []);

interface Chunking {
  /** Images per chunk. */
  nb: number;
  /** Chunks (the last may hold fewer images). */
  chunks: number;
}

function chunking(g: Geometry, K: number): Chunking {
  const perImage = g.oh * g.ow * K * 4;
  const nb = Math.max(1, Math.min(g.n, Math.floor(colBudget / Math.max(1, perImage))));
  return { nb, chunks: Math.ceil(g.n / nb) };
}

/**
 * Loop over the chunks: `body(n0, nb)` gets C expressions of the chunk's first image and its
 * image count. One chunk: no loop, constants.
 */
function overChunks(g: Geometry, c: Chunking, body: (n0: string, nb: string) => string[]): string[] {
  if (c.chunks === 1) return body('0', String(g.n));
  return [
    `for (int64_t n0 = 0; n0 < ${g.n}; n0 += ${c.nb}) {`,
    `  const int64_t nb = ${g.n} - n0 < ${c.nb} ? ${g.n} - n0 : ${c.nb};`,
    ...body('n0', 'nb').map((l) => '  ' + l),
    '}',
  ];
}

/** im2col of images [n0, n0 + nb) of `x` into `col` [nb·M, K], parallel over (image, output row). */
function im2col(g: Geometry, x: string, col: string, n0: string, nb: string, maxImages: number): string[] {
  const K = g.kh * g.kw * g.c;
  const row = g.kw * g.c;
  const contiguous = g.dw === 1;
  const fits = `ix0 >= 0 && ix0 + ${g.kw} <= ${g.w}`;
  return [
    ...par(maxImages * g.oh * g.ow * K),
    `for (int64_t r = 0; r < (${nb}) * ${g.oh}; ++r) {`,
    `  const int64_t n = ${n0} + r / ${g.oh}, oy = r % ${g.oh};`,
    `  float* dst_row = ${col} + r * ${i64(g.ow * K)};`,
    `  for (int64_t ox = 0; ox < ${g.ow}; ++ox) {`,
    `    float* dst = dst_row + ox * ${i64(K)};`,
    `    const int64_t ix0 = ox * ${g.sw} - ${g.pl};`,
    `    for (int64_t ky = 0; ky < ${g.kh}; ++ky) {`,
    `      const int64_t iy = oy * ${g.sh} - ${g.pt} + ky * ${g.dh};`,
    `      float* d = dst + ky * ${i64(row)};`,
    `      if (iy < 0 || iy >= ${g.h}) { memset(d, 0, ${i64(row * 4)}); continue; }`,
    `      const float* src = ${x} + ((n * ${g.h} + iy) * ${g.w}) * ${i64(g.c)};`,
    ...(contiguous ? [`      if (${fits}) { memcpy(d, src + ix0 * ${i64(g.c)}, ${i64(row * 4)}); continue; }`] : []),
    `      for (int64_t kx = 0; kx < ${g.kw}; ++kx) {`,
    `        const int64_t ix = ix0 + kx * ${g.dw};`,
    `        if (ix < 0 || ix >= ${g.w}) memset(d + kx * ${i64(g.c)}, 0, ${i64(g.c * 4)});`,
    `        else memcpy(d + kx * ${i64(g.c)}, src + ix * ${i64(g.c)}, ${i64(g.c * 4)});`,
    '      }',
    '    }',
    '  }',
    '}',
  ];
}

/**
 * col2im of images [n0, n0 + nb): each image of `dx` is zeroed, then every tap of its rows of
 * `col` is added back to its input pixel. Parallel over images (each writes its own image).
 */
function col2im(g: Geometry, col: string, dx: string, n0: string, nb: string, maxImages: number): string[] {
  const K = g.kh * g.kw * g.c;
  const M = g.oh * g.ow;
  const row = g.kw * g.c;
  const image = g.h * g.w * g.c;
  const contiguous = g.dw === 1;
  return [
    ...par(maxImages * Math.max(M * K, image)),
    `for (int64_t nl = 0; nl < ${nb}; ++nl) {`,
    `  float* img = ${dx} + (${n0} + nl) * ${i64(image)};`,
    `  memset(img, 0, ${i64(image * 4)});`,
    `  const float* src_img = ${col} + nl * ${i64(M * K)};`,
    `  for (int64_t oy = 0; oy < ${g.oh}; ++oy)`,
    `    for (int64_t ox = 0; ox < ${g.ow}; ++ox) {`,
    `      const float* src = src_img + (oy * ${g.ow} + ox) * ${i64(K)};`,
    `      const int64_t ix0 = ox * ${g.sw} - ${g.pl};`,
    `      for (int64_t ky = 0; ky < ${g.kh}; ++ky) {`,
    `        const int64_t iy = oy * ${g.sh} - ${g.pt} + ky * ${g.dh};`,
    `        if (iy < 0 || iy >= ${g.h}) continue;`,
    `        float* drow = img + iy * ${i64(g.w * g.c)};`,
    `        const float* s = src + ky * ${i64(row)};`,
    ...(contiguous
      ? [`        if (ix0 >= 0 && ix0 + ${g.kw} <= ${g.w}) { float* d = drow + ix0 * ${i64(g.c)}; for (int64_t j = 0; j < ${i64(row)}; ++j) d[j] += s[j]; continue; }`]
      : []),
    `        for (int64_t kx = 0; kx < ${g.kw}; ++kx) {`,
    `          const int64_t ix = ix0 + kx * ${g.dw};`,
    `          if (ix < 0 || ix >= ${g.w}) continue;`,
    `          float* d = drow + ix * ${i64(g.c)}; const float* sk = s + kx * ${i64(g.c)};`,
    `          for (int64_t c = 0; c < ${g.c}; ++c) d[c] += sk[c];`,
    '        }',
    '      }',
    '    }',
    '}',
  ];
}

/**
 * Why a direct loop for few taps (a first layer on 1-channel images: K = 9): a GEMM with K = 9
 * does 9 multiply-adds per output it loads and stores, so sgemm runs memory-bound (about 16
 * GFLOP/s on the bench's cnn, plus writing and reading the im2col matrix). The direct loop keeps
 * one output pixel's `oc` accumulators in registers, SIMD over the output channels.
 */
const SMALL_K = 32;
const MAX_STACK_OC = 1024;

function smallConv(g: Geometry, X: string, F: string, oc: number, store: (flat: string, o: string, v: string) => string[]): string[] {
  return [
    ...par(g.n * g.oh * g.ow * oc),
    `for (int64_t r = 0; r < ${g.n * g.oh}; ++r) {`,
    `  const int64_t n = r / ${g.oh}, oy = r % ${g.oh};`,
    `  for (int64_t ox = 0; ox < ${g.ow}; ++ox) {`,
    `    float acc[${oc}];`,
    `    for (int64_t o = 0; o < ${oc}; ++o) acc[o] = 0.0f;`,
    `    const int64_t ix0 = ox * ${g.sw} - ${g.pl};`,
    `    for (int64_t ky = 0; ky < ${g.kh}; ++ky) {`,
    `      const int64_t iy = oy * ${g.sh} - ${g.pt} + ky * ${g.dh};`,
    `      if (iy < 0 || iy >= ${g.h}) continue;`,
    `      for (int64_t kx = 0; kx < ${g.kw}; ++kx) {`,
    `        const int64_t ix = ix0 + kx * ${g.dw};`,
    `        if (ix < 0 || ix >= ${g.w}) continue;`,
    `        const float* KILN_RESTRICT xs = ${X} + ((n * ${g.h} + iy) * ${g.w} + ix) * ${i64(g.c)};`,
    `        const float* KILN_RESTRICT fs = ${F} + (ky * ${g.kw} + kx) * ${i64(g.c * oc)};`,
    `        for (int64_t ci = 0; ci < ${g.c}; ++ci) {`,
    `          const float xv = xs[ci];`,
    '          #pragma omp simd',
    `          for (int64_t o = 0; o < ${oc}; ++o) acc[o] += xv * fs[ci * ${i64(oc)} + o];`,
    '        }',
    '      }',
    '    }',
    `    const int64_t y0 = (r * ${g.ow} + ox) * ${i64(oc)};`,
    '    #pragma omp simd',
    `    for (int64_t o = 0; o < ${oc}; ++o) {`,
    ...store('y0 + o', 'o', 'acc[o]').map((l) => '      ' + l),
    '    }',
    '  }',
    '}',
  ];
}

/**
 * Filter gradient for few taps (the same K <= SMALL_K as smallConv). Why: with K = 9 the GEMM
 * colᵀ·dy is 9 x 32 outputs reduced over 43K pixels (38 GFLOP/s on the bench's cnn, plus the
 * im2col matrix written and read back). Here each output row of dy is read once per tap from L1,
 * the tap's `oc` sums for that row kept in registers and added into per-part double partials.
 *
 * The rows are split into FILTER_PARTS fixed parts (scratch partials), added in part order at
 * the end: the result does not depend on the thread count.
 */
const FILTER_PARTS = 8;

function smallConvFilter(g: Geometry, X: string, DY: string, oc: number, env: KernelEnv, store: (flat: string, o: string, v: string) => string[]): string[] {
  const K = g.kh * g.kw * g.c;
  const rowsTotal = g.n * g.oh;
  const parts = g.n * g.oh * g.ow * oc * K >= PARALLEL_MIN_ELEMENTS ? Math.min(FILTER_PARTS, rowsTotal) : 1;
  const P = env.scratch(parts * K * oc * 8, 'double');
  return [
    ...(parts > 1 ? ['#pragma omp parallel for schedule(static)'] : []),
    `for (int64_t p = 0; p < ${parts}; ++p) {`,
    `  double* KILN_RESTRICT acc = ${P} + p * ${i64(K * oc)};`,
    `  for (int64_t j = 0; j < ${i64(K * oc)}; ++j) acc[j] = 0.0;`,
    `  const int64_t r0 = p * ${rowsTotal} / ${parts}, r1 = (p + 1) * ${rowsTotal} / ${parts};`,
    '  for (int64_t r = r0; r < r1; ++r) {',
    `    const int64_t n = r / ${g.oh}, oy = r % ${g.oh};`,
    `    const float* KILN_RESTRICT dyr = ${DY} + r * ${i64(g.ow * oc)};`,
    `    for (int64_t ky = 0; ky < ${g.kh}; ++ky) {`,
    `      const int64_t iy = oy * ${g.sh} - ${g.pt} + ky * ${g.dh};`,
    `      if (iy < 0 || iy >= ${g.h}) continue;`,
    `      const float* KILN_RESTRICT xr = ${X} + (n * ${g.h} + iy) * ${i64(g.w * g.c)};`,
    `      for (int64_t kx = 0; kx < ${g.kw}; ++kx) {`,
    // The output columns whose tap kx is inside the image: ix = ox·sw + base in [0, w).
    `        const int64_t base = kx * ${g.dw} - ${g.pl};`,
    `        const int64_t ox0 = base >= 0 ? 0 : (-base + ${g.sw - 1}) / ${g.sw};`,
    `        int64_t ox1 = ${g.w - 1} - base >= 0 ? (${g.w - 1} - base) / ${g.sw} + 1 : 0;`,
    `        if (ox1 > ${g.ow}) ox1 = ${g.ow};`,
    `        for (int64_t ci = 0; ci < ${g.c}; ++ci) {`,
    `          double* KILN_RESTRICT t = acc + ((ky * ${g.kw} + kx) * ${g.c} + ci) * ${i64(oc)};`,
    `          const float* KILN_RESTRICT xc = xr + base * ${i64(g.c)} + ci;`,
    // SIMD over the output channels, each lane's sum in registers across the row's columns:
    // four sums (columns mod 4), so that four multiply-add chains run at once, not one.
    '          #pragma omp simd',
    `          for (int64_t o = 0; o < ${oc}; ++o) {`,
    '            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;',
    '            int64_t ox = ox0;',
    '            for (; ox + 3 < ox1; ox += 4) {',
    ...[0, 1, 2, 3].map((u) => `              a${u} += xc[(ox + ${u}) * ${i64(g.sw * g.c)}] * dyr[(ox + ${u}) * ${i64(oc)} + o];`),
    '            }',
    `            for (; ox < ox1; ++ox) a0 += xc[ox * ${i64(g.sw * g.c)}] * dyr[ox * ${i64(oc)} + o];`,
    '            t[o] += (double)((a0 + a1) + (a2 + a3));',
    '          }',
    '        }',
    '      }',
    '    }',
    '  }',
    '}',
    `for (int64_t j = 0; j < ${i64(K)}; ++j)`,
    `  for (int64_t o = 0; o < ${oc}; ++o) {`,
    `    double s = ${P}[j * ${i64(oc)} + o];`,
    ...(parts > 1 ? [`    for (int64_t p = 1; p < ${parts}; ++p) s += ${P}[p * ${i64(K * oc)} + j * ${i64(oc)} + o];`] : []),
    ...store(`j * ${i64(oc)} + o`, 'o', '(float)s').map((l) => '    ' + l),
    '  }',
  ];
}

function convGeometry(op: AnchorArgs['op'], xShape: readonly number[], fShape: readonly number[]): Geometry {
  return geometry(xShape, [fShape[0]!, fShape[1]!], op.attrs as WindowAttrs);
}

/** A 1x1, stride-1, unpadded convolution is a plain GEMM over the pixels: no im2col. */
const isDirect = (g: Geometry): boolean => g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0;

const sgemm = (ta: boolean, tb: boolean, m: string | number, n: string | number, k: string | number, a: string, lda: number, b: string, ldb: number, beta: string, c: string, ldc: number): string =>
  `cblas_sgemm(CblasRowMajor, ${ta ? 'CblasTrans' : 'CblasNoTrans'}, ${tb ? 'CblasTrans' : 'CblasNoTrans'}, ${m}, ${n}, ${k}, 1.0f, ${a}, ${lda}, ${b}, ${ldb}, ${beta}, ${c}, ${ldc});`;

const at = (base: string, n0: string, stride: number): string => (n0 === '0' ? base : `${base} + ${n0} * ${i64(stride)}`);
const rows = (nb: string, m: number): string => (/^[0-9]+$/.test(nb) ? String(Number(nb) * m) : `${nb} * ${m}`);

export const conv2d: AnchorTemplate = ({ op, env, out, epilogue }) => {
  const [x, f] = op.inputs as [Tensor, Tensor];
  const fs = shapeOf(f);
  const g = convGeometry(op, shapeOf(x), fs);
  const oc = fs[3]!;
  const K = g.kh * g.kw * g.c;
  const M = g.oh * g.ow;
  if (g.n * M * oc === 0) return [];
  const X = K === 0 ? '' : ptr(env, x);
  const F = K === 0 ? '' : ptr(env, f);
  // The direct loop applies a pointwise epilogue (bias, activation) at its store.
  if (K > 0 && K <= SMALL_K && oc <= MAX_STACK_OC && !isDirect(g)) {
    if (epilogue) return smallConv(g, X, F, oc, (flat, o, v) => epilogue.store(flat, o, v));
    const y = out(0).ptr;
    return smallConv(g, X, F, oc, (flat, _o, v) => [`${y}[${flat}] = ${v};`]);
  }
  const y = out(0).ptr;
  if (K === 0) return [`memset(${y}, 0, ${i64(g.n * M * oc * 4)});`];
  if (isDirect(g)) return [sgemm(false, false, g.n * M, oc, K, X, K, F, oc, '0.0f', y, oc)];
  const ch = chunking(g, K);
  const col = env.scratch(ch.nb * M * K * 4, 'float');
  return overChunks(g, ch, (n0, nb) => [
    ...im2col(g, X, col, n0, nb, ch.nb),
    sgemm(false, false, rows(nb, M), oc, K, col, K, F, oc, '0.0f', at(y, n0, M * oc), oc),
  ]);
};

export const conv2dBackpropInput: AnchorTemplate = ({ op, env, out }) => {
  const [like, f, dy] = op.inputs as [Tensor, Tensor, Tensor];
  const fs = shapeOf(f);
  const g = convGeometry(op, shapeOf(like), fs);
  const oc = fs[3]!;
  const K = g.kh * g.kw * g.c;
  const M = g.oh * g.ow;
  const dx = out(0).ptr;
  const total = g.n * g.h * g.w * g.c;
  if (total === 0) return [];
  if (M * K * oc === 0) return [`memset(${dx}, 0, ${i64(total * 4)});`];
  const DY = ptr(env, dy);
  const F = ptr(env, f);
  // dx [N·M, c] = dy [N·M, oc] · fᵀ [oc, c]: every input pixel is one output pixel.
  if (isDirect(g)) return [sgemm(false, true, g.n * M, K, oc, DY, oc, F, oc, '0.0f', dx, K)];
  const ch = chunking(g, K);
  const col = env.scratch(ch.nb * M * K * 4, 'float');
  return overChunks(g, ch, (n0, nb) => [
    sgemm(false, true, rows(nb, M), K, oc, at(DY, n0, M * oc), oc, F, oc, '0.0f', col, K),
    ...col2im(g, col, dx, n0, nb, ch.nb),
  ]);
};

export const conv2dBackpropFilter: AnchorTemplate = ({ op, env, out, epilogue }) => {
  const [x, like, dy] = op.inputs as [Tensor, Tensor, Tensor];
  const fs = shapeOf(like);
  const g = convGeometry(op, shapeOf(x), fs);
  const oc = fs[3]!;
  const K = g.kh * g.kw * g.c;
  const M = g.oh * g.ow;
  if (K * oc === 0) return [];
  if (g.n * M > 0 && K <= SMALL_K && oc <= MAX_STACK_OC && !isDirect(g)) {
    const X = ptr(env, x);
    const DY = ptr(env, dy);
    if (epilogue) return smallConvFilter(g, X, DY, oc, env, (flat, o, v) => epilogue.store(flat, o, v));
    const df = out(0).ptr;
    return smallConvFilter(g, X, DY, oc, env, (flat, _o, v) => [`${df}[${flat}] = ${v};`]);
  }
  const df = out(0).ptr;
  if (g.n * M === 0) return [`memset(${df}, 0, ${i64(K * oc * 4)});`];
  const X = ptr(env, x);
  const DY = ptr(env, dy);
  // df [c, oc] = xᵀ [c, N·M] · dy [N·M, oc].
  if (isDirect(g)) return [sgemm(true, false, K, oc, g.n * M, X, K, DY, oc, '0.0f', df, oc)];
  const ch = chunking(g, K);
  const col = env.scratch(ch.nb * M * K * 4, 'float');
  return overChunks(g, ch, (n0, nb) => [
    ...im2col(g, X, col, n0, nb, ch.nb),
    sgemm(true, false, K, oc, rows(nb, M), col, K, at(DY, n0, M * oc), oc, n0 === '0' ? '0.0f' : 'n0 == 0 ? 0.0f : 1.0f', df, oc),
  ]);
};
