/**
 * Templates of the ops computed by their own code rather than as element expressions: BLAS
 * matmul, im2col/col2im convolution (conv.ts), pooling, the fused softmax cross-entropies, scatter ops
 * and random draws. One table, keyed by op type (STYLE.md); each entry returns C lines that
 * read the op's inputs through `env.read` and write its outputs through `out(i)`.
 */
import type { Operation, Tensor } from '../../src/graph/graph.js';
import { sizeOf, stridesOf } from '../../src/graph/shape.js';
import { geometry, poolWindow, type Geometry, type PoolAttrs } from '../../src/ops/conv/conv_util.js';
import { ctype } from './elementwise.js';
import { shapeOf, type ExternalRead } from './expr.js';
import { PARALLEL_MIN_ELEMENTS, type KernelEnv, type WriteTarget } from './loops.js';
import { cString, floatLit, i64 } from './names.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import { maxPool, maxPoolGrad, maxPoolGradCovers, maxPoolGradDirect } from './pool.js';

export interface AnchorArgs {
  op: Operation;
  env: KernelEnv;
  /** Where output `i` goes (the kernel's output buffer, or a scratch the epilogue reads). */
  out(i: number): WriteTarget;
  /** Unique suffix for local names. */
  id: string;
  /**
   * Present when the kernel's epilogue is pointwise on output 0 (codegen/cpp/emit.ts): a
   * template that calls `store` applies it in its own store, and must then not call `out(0)`.
   */
  epilogue?: StoreEpilogue;
}

/**
 * An elementwise epilogue applied at the anchor's store. Why: an epilogue run as its own loop
 * reads back the anchor's output from memory (bias + relu after a direct convolution, relu
 * gradient after a pool gradient: 5.5 MB each way on the bench's cnn); applied to the value in
 * registers it costs no memory traffic beyond its own inputs and outputs.
 */
export interface StoreEpilogue {
  /**
   * C lines that compute the epilogue for the anchor's output element at flat offset `flat`
   * (its innermost index is `inner`, so a bias over the last axis is a load at `inner`, not a
   * modulo) whose value is the C expression `v`, and store every output of the kernel there.
   */
  store(flat: string, inner: string, v: string): string[];
  /** Whether a template called `store` (else the epilogue runs as its own loop). */
  readonly used: boolean;
}

export type AnchorTemplate = (a: AnchorArgs) => string[];

/** A pointer expression for an input, materializing scalar literals and int-stored bools. */
function ptr(env: KernelEnv, t: Tensor): string {
  const r: ExternalRead = env.read(t);
  if (r.literal !== undefined || r.boolAsInt) throw new Error(`codegen: ${t} must be a float buffer here`);
  return r.ptr;
}

const par = (n: number): string[] => (n >= PARALLEL_MIN_ELEMENTS ? ['#pragma omp parallel for schedule(static)'] : []);

function matmul({ op, env, out }: AnchorArgs): string[] {
  const [a, b] = op.inputs as [Tensor, Tensor];
  const ta = op.attrs['transposeA'] === true;
  const tb = op.attrs['transposeB'] === true;
  const as = shapeOf(a);
  const bs = shapeOf(b);
  const ys = shapeOf(op.outputs[0]!);
  const ra = as.length;
  const rb = bs.length;
  const m = ta ? as[ra - 1]! : as[ra - 2]!;
  const k = ta ? as[ra - 2]! : as[ra - 1]!;
  const n = tb ? bs[rb - 2]! : bs[rb - 1]!;
  const batch = ys.slice(0, -2);
  const nb = sizeOf(batch);
  const y = out(0).ptr;
  if (nb === 0 || m === 0 || n === 0) return [];
  if (k === 0) return [`memset(${y}, 0, ${i64(nb * m * n * 4)});`];
  // Batch offsets: broadcast the batch dims of a and b to the output's.
  const offsets = (s: readonly number[]): number[] => {
    const bdims = s.slice(0, -2);
    const off = batch.length - bdims.length;
    const st = stridesOf(bdims);
    const ys2 = stridesOf(batch);
    const res: number[] = [];
    for (let t = 0; t < nb; t++) {
      let j = 0;
      batch.forEach((_, d) => {
        const c = Math.floor(t / ys2[d]!) % batch[d]!;
        if (d >= off && bdims[d - off] !== 1) j += c * st[d - off]!;
      });
      res.push(j * s[s.length - 2]! * s[s.length - 1]!);
    }
    return res;
  };
  const oa = offsets(as);
  const ob = offsets(bs);
  const call = (ea: string, eb: string, ey: string): string =>
    `cblas_sgemm(CblasRowMajor, ${ta ? 'CblasTrans' : 'CblasNoTrans'}, ${tb ? 'CblasTrans' : 'CblasNoTrans'}, ${m}, ${n}, ${k}, 1.0f, ${ptr(env, a)} + ${ea}, ${ta ? m : k}, ${ptr(env, b)} + ${eb}, ${tb ? k : n}, 0.0f, ${y} + ${ey}, ${n});`;
  if (nb === 1) return [call('0', '0', '0')];
  const regular = oa.every((v, t) => v === t * m * k) && ob.every((v, t) => v === t * k * n);
  if (regular) return [`for (int64_t t = 0; t < ${nb}; ++t) ${call(`t * ${i64(m * k)}`, `t * ${i64(k * n)}`, `t * ${i64(m * n)}`)}`];
  return [
    `static const int64_t oa_[] = {${oa.join(', ')}};`,
    `static const int64_t ob_[] = {${ob.join(', ')}};`,
    `for (int64_t t = 0; t < ${nb}; ++t) ${call('oa_[t]', 'ob_[t]', `t * ${i64(m * n)}`)}`,
  ];
}

/** Loops over pooling windows: `visit` gets C lines run per (n, oy, ox, c) with `yi` and the tap loop. */
function poolLoops(g: Geometry, perWindow: (yi: string) => { before: string[]; tap: (xi: string) => string[]; after: string[] }): string[] {
  const w = perWindow('yi');
  return [
    ...par(g.n * g.oh * g.ow * g.c),
    `for (int64_t nyx = 0; nyx < ${i64(g.n * g.oh * g.ow)}; ++nyx) {`,
    `  const int64_t n = nyx / ${i64(g.oh * g.ow)}, oy = (nyx / ${g.ow}) % ${g.oh}, ox = nyx % ${g.ow};`,
    `  const int64_t y0 = oy * ${g.sh} - ${g.pt}, x0 = ox * ${g.sw} - ${g.pl};`,
    `  const int64_t ky0 = y0 < 0 ? -y0 : 0, ky1 = y0 + ${g.kh} > ${g.h} ? ${g.h} - y0 : ${g.kh};`,
    `  const int64_t kx0 = x0 < 0 ? -x0 : 0, kx1 = x0 + ${g.kw} > ${g.w} ? ${g.w} - x0 : ${g.kw};`,
    `  for (int64_t c = 0; c < ${g.c}; ++c) {`,
    `    const int64_t yi = nyx * ${g.c} + c;`,
    ...w.before.map((l) => '    ' + l),
    '    for (int64_t ky = ky0; ky < ky1; ++ky)',
    '      for (int64_t kx = kx0; kx < kx1; ++kx) {',
    `        const int64_t xi = ((n * ${g.h} + y0 + ky) * ${g.w} + x0 + kx) * ${g.c} + c;`,
    ...w.tap('xi').map((l) => '        ' + l),
    '      }',
    ...w.after.map((l) => '    ' + l),
    '  }',
    '}',
  ];
}

function poolGeo(op: Operation, x: Tensor): Geometry {
  const attrs = op.attrs as PoolAttrs;
  return geometry(shapeOf(x), attrs.poolSize, poolWindow(attrs));
}

/** max-pool winner: first strictly larger tap (NaN never wins), as the reference's forEachArgmax. */
const argmaxWindow = (X: string, act: (best: string) => string[]) => (_yi: string) => ({
  before: ['int64_t best = -1;'],
  tap: (xi: string) => [`if (best < 0 || ${X}[${xi}] > ${X}[best]) best = ${xi};`],
  after: ['if (best >= 0) {', ...act('best').map((l) => '  ' + l), '}'],
});

const ANCHORS: Record<string, AnchorTemplate> = {
  MatMul: matmul,
  Conv2D: conv2d,
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  MaxPool: ({ op, env, out }) => maxPool(poolGeo(op, op.inputs[0]!), ptr(env, op.inputs[0]!), out(0).ptr),
  MaxPoolGrad: ({ op, env, out, epilogue }) => {
    const [x, dy] = op.inputs as [Tensor, Tensor];
    const X = ptr(env, x);
    const g = poolGeo(op, x);
    // The relu gradient after a pool gradient applied at its store: one pass over dx, not three.
    if (epilogue && maxPoolGradDirect(g) && maxPoolGradCovers(g)) return maxPoolGrad(g, X, ptr(env, dy), (flat, c, v) => epilogue.store(flat, c, v));
    const DX = out(0).ptr;
    if (maxPoolGradDirect(g)) return maxPoolGrad(g, X, ptr(env, dy), DX);
    // Windows overlap when strides < poolSize: the scatter-add runs serially.
    const loops = poolLoops(g, argmaxWindow(X, (b) => [`${DX}[${b}] += ${ptr(env, dy)}[yi];`])).filter((l) => !l.startsWith('#pragma'));
    return [`memset(${DX}, 0, ${i64(sizeOf(shapeOf(x)) * 4)});`, ...loops];
  },
  MaxPoolGradGrad: ({ op, env, out }) => {
    const [x, gg] = op.inputs as [Tensor, Tensor];
    const X = ptr(env, x);
    const Y = out(0).ptr;
    return poolLoops(poolGeo(op, x), argmaxWindow(X, (b) => [`${Y}[yi] = ${ptr(env, gg)}[${b}];`]));
  },
  AvgPool: ({ op, env, out }) => {
    const X = ptr(env, op.inputs[0]!);
    const Y = out(0).ptr;
    return poolLoops(poolGeo(op, op.inputs[0]!), () => ({
      before: ['double s = 0.0; int64_t cnt = 0;'],
      tap: (xi) => [`s += (double)${X}[${xi}]; ++cnt;`],
      after: [`${Y}[yi] = (float)(s / (double)cnt);`],
    }));
  },
  AvgPoolGrad: ({ op, env, out }) => {
    const [like, dy] = op.inputs as [Tensor, Tensor];
    const DX = out(0).ptr;
    const DY = ptr(env, dy);
    const g = poolGeo(op, like);
    const loops = poolLoops(g, () => ({
      before: [`const float share = ${DY}[yi] / (float)((ky1 - ky0) * (kx1 - kx0));`],
      tap: (xi) => [`${DX}[${xi}] += share;`],
      after: [],
    })).filter((l) => !l.startsWith('#pragma'));
    return [`memset(${DX}, 0, ${i64(sizeOf(shapeOf(like)) * 4)});`, ...loops];
  },
  SoftmaxCrossEntropyWithLogits: ({ op, env, out }) => {
    const [labels, logits] = op.inputs as [Tensor, Tensor];
    const ls = shapeOf(logits);
    const n = ls[ls.length - 1]!;
    const rows = sizeOf(ls.slice(0, -1));
    const P = ptr(env, labels);
    const X = ptr(env, logits);
    return [
      ...par(rows * n),
      `for (int64_t r = 0; r < ${i64(rows)}; ++r) {`,
      `  const float* x = ${X} + r * ${i64(n)}; const float* p = ${P} + r * ${i64(n)};`,
      '  float m = -INFINITY;',
      `  for (int64_t k = 0; k < ${n}; ++k) m = kiln_maxf(m, x[k]);`,
      '  double s = 0.0;',
      `  for (int64_t k = 0; k < ${n}; ++k) s += (double)expf(x[k] - m);`,
      '  const double ls = log(s); double loss = 0.0;',
      `  for (int64_t k = 0; k < ${n}; ++k) loss -= (double)p[k] * ((double)x[k] - (double)m - ls);`,
      `  ${out(0).ptr}[r] = (float)loss;`,
      '}',
    ];
  },
  SparseSoftmaxCrossEntropyWithLogits: ({ op, env, out, id }) => {
    const [labels, logits] = op.inputs as [Tensor, Tensor];
    const ls = shapeOf(logits);
    const n = ls[ls.length - 1]!;
    const rows = sizeOf(ls.slice(0, -1));
    const L = ptr(env, labels);
    const X = ptr(env, logits);
    const bad = `bad${id}`;
    return [
      `kiln_bad ${bad} = {-1, 0};`,
      ...par(rows * n),
      `for (int64_t r = 0; r < ${i64(rows)}; ++r) {`,
      `  const float* x = ${X} + r * ${i64(n)}; const int32_t label = ${L}[r];`,
      `  if (KILN_UNLIKELY((uint32_t)label >= ${n}u)) { kiln_note_bad(&${bad}, r, label); ${out(0).ptr}[r] = NAN; continue; }`,
      '  float m = -INFINITY;',
      `  for (int64_t k = 0; k < ${n}; ++k) m = kiln_maxf(m, x[k]);`,
      '  double s = 0.0;',
      `  for (int64_t k = 0; k < ${n}; ++k) s += (double)expf(x[k] - m);`,
      `  ${out(0).ptr}[r] = (float)(log(s) + (double)m - (double)x[label]);`,
      '}',
      `if (${bad}.pos >= 0) {`,
      `  static const int64_t shape_[] = {${ls.length > 1 ? ls.slice(0, -1).join(', ') : 1}};`,
      '  char where_[128];',
      `  kiln_fmt_index(where_, sizeof where_, ${bad}.pos, shape_, ${ls.length - 1});`,
      `  return KILN_FAIL(call, KILN_ERR_INVALID_ARGUMENT, "%s: label %lld at position %s is out of range [0, ${n}) for ${n} classes", ${cString(`${op.def.apiName} '${op.name}'`)}, (long long)${bad}.value, where_);`,
      '}',
    ];
  },
  GatherGrad: ({ op, env, out, id }) => {
    const [dy, indices, like] = op.inputs as [Tensor, Tensor, Tensor];
    const ps = shapeOf(like);
    const a0 = op.attrs['axis'] as number;
    const axis = a0 < 0 ? a0 + ps.length : a0;
    const nAxis = ps[axis]!;
    const outer = sizeOf(ps.slice(0, axis));
    const inner = sizeOf(ps.slice(axis + 1));
    const k = sizeOf(shapeOf(indices));
    const I = env.read(indices).ptr;
    const DY = ptr(env, dy);
    const DX = out(0).ptr;
    const bad = `bad${id}`;
    const is = shapeOf(indices);
    return [
      `memset(${DX}, 0, ${i64(sizeOf(ps) * 4)});`,
      `kiln_bad ${bad} = {-1, 0};`,
      `for (int64_t j = 0; j < ${i64(k)}; ++j) if (KILN_UNLIKELY((uint32_t)${I}[j] >= ${nAxis}u)) { kiln_note_bad(&${bad}, j, ${I}[j]); break; }`,
      `if (${bad}.pos >= 0) {`,
      `  static const int64_t shape_[] = {${is.length ? is.join(', ') : 1}};`,
      '  char where_[128];',
      `  kiln_fmt_index(where_, sizeof where_, ${bad}.pos, shape_, ${is.length});`,
      `  return KILN_FAIL(call, KILN_ERR_INVALID_ARGUMENT, "%s: indices%s = %lld is not in [0, ${nAxis})", ${cString(`${op.def.apiName} '${op.name}'`)}, where_, (long long)${bad}.value);`,
      '}',
      `for (int64_t o = 0; o < ${i64(outer)}; ++o)`,
      `  for (int64_t j = 0; j < ${i64(k)}; ++j) {`,
      `    float* d = ${DX} + (o * ${nAxis} + ${I}[j]) * ${i64(inner)}; const float* s = ${DY} + (o * ${i64(k)} + j) * ${i64(inner)};`,
      `    for (int64_t i = 0; i < ${i64(inner)}; ++i) d[i] += s[i];`,
      '  }',
    ];
  },
  ConcatGrad: ({ op, env, out }) => {
    const dy = op.inputs[0]!;
    const ds = shapeOf(dy);
    const axis = op.attrs['axis'] as number;
    const outer = sizeOf(ds.slice(0, axis));
    const inner = sizeOf(ds.slice(axis + 1));
    const row = ds[axis]! * inner;
    const DY = env.read(dy).ptr;
    let offset = 0;
    const lines: string[] = [];
    op.outputs.forEach((t, i) => {
      const w = shapeOf(t)[axis]! * inner;
      lines.push(`for (int64_t o = 0; o < ${i64(outer)}; ++o) memcpy(${out(i).ptr} + o * ${i64(w)}, ${DY} + o * ${i64(row)} + ${i64(offset)}, ${i64(w * 4)});`);
      offset += w;
    });
    return lines;
  },
  RandomUniform: ({ op, env, out }) => {
    const n = sizeOf(shapeOf(op.outputs[0]!));
    const [k0, k1] = op.attrs['seed'] as [number, number];
    const lo = op.attrs['minval'] as number;
    const hi = op.attrs['maxval'] as number;
    const Y = out(0).ptr;
    if (op.attrs['dtype'] === 'int32') {
      return [
        ...par(n),
        `for (int64_t i = 0; i < ${i64(n)}; ++i) {`,
        `  kiln_u32x4 b = kiln_philox((uint32_t)(i >> 2), ${env.runIndex}, 0u, 0u, ${k0 >>> 0}u, ${k1 >>> 0}u);`,
        `  ${Y}[i] = (int32_t)((int64_t)(${lo}) + (int64_t)(b.v[i & 3] % ${hi - lo}u));`,
        '}',
      ];
    }
    return [
      ...par(n),
      `for (int64_t i = 0; i < ${i64(n)}; ++i) ${Y}[i] = (float)(${lo} + ${hi - lo} * kiln_uniform_at(i, ${env.runIndex}, 0u, ${k0 >>> 0}u, ${k1 >>> 0}u));`,
    ].map((l) => l.replace(/\(\s*(-?[0-9.e+-]+) \+/, '((double)$1 +'));
  },
  RandomNormal: (a) => normal(a, false),
  TruncatedNormal: (a) => normal(a, true),
  Dropout: dropout,
  DropoutGrad: dropout,
};

function normal({ op, env, out }: AnchorArgs, truncate: boolean): string[] {
  const n = sizeOf(shapeOf(op.outputs[0]!));
  const [k0, k1] = op.attrs['seed'] as [number, number];
  const mean = op.attrs['mean'] as number;
  const sd = op.attrs['stddev'] as number;
  return [
    ...par(n),
    `for (int64_t i = 0; i < ${i64(n)}; ++i) ${out(0).ptr}[i] = (float)((double)(${mean}) + (double)(${sd}) * kiln_normal_at(i, ${env.runIndex}, 0u, ${k0 >>> 0}u, ${k1 >>> 0}u, ${truncate ? 1 : 0}));`,
  ];
}

function dropout({ op, env, out }: AnchorArgs): string[] {
  const x = op.inputs[0]!;
  const xs = shapeOf(x);
  const noise = (op.attrs['noiseShape'] as (number | null)[] | null)?.map((d, i) => d ?? xs[i]!) ?? xs;
  const [k0, k1] = op.attrs['seed'] as [number, number];
  const rate = op.attrs['rate'] as number;
  const n = sizeOf(xs);
  const X = ptr(env, x);
  // The noise element of output element i (noiseShape broadcast to x's shape).
  const st = stridesOf(xs);
  const ns = stridesOf(noise);
  const terms = xs.map((d, k) => (noise[k] === 1 || d === 1 ? '' : `((i / ${i64(st[k]!)}) % ${i64(d)}) * ${i64(ns[k]!)}`)).filter((s) => s);
  const u = noise === xs || terms.length === xs.length && noise.every((d, k) => d === xs[k]) ? 'i' : terms.join(' + ') || '0';
  return [
    ...par(n),
    `for (int64_t i = 0; i < ${i64(n)}; ++i) {`,
    `  const double u = kiln_uniform_at(${u}, ${env.runIndex}, 0u, ${k0 >>> 0}u, ${k1 >>> 0}u);`,
    `  ${out(0).ptr}[i] = u >= (double)(${rate}) ? (float)((double)${X}[i] * (1.0 / (1.0 - (double)(${rate})))) : 0.0f;`,
    '}',
  ];
}

/** The anchor template table; the CUDA emitter overrides entries. */
export const CPP_ANCHORS: Readonly<Record<string, AnchorTemplate>> = ANCHORS;

export { ctype, floatLit };
