import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { build } from './helpers.js';

const { fuse, optimize, explain, toDot } = kiln.passes;
type Tensor = kiln.Tensor;
const relu = (x: Tensor): Tensor => ((kiln as Record<string, unknown>)['relu'] as ((x: Tensor) => Tensor) | undefined)?.(x) ?? kiln.maximum(x, 0);

const kinds = (f: kiln.passes.FusedProgram): string[] => f.kernels.map((k) => k.kind);

describe('fuse', () => {
  it('fuses a Dense layer with relu into one matmul kernel with its epilogue', () => {
    const p = build(() => {
      const x = kiln.placeholder('float32', [4, 8], 'x');
      const w = kiln.variable('glorotUniform', { shape: [8, 16], name: 'kernel' });
      const b = kiln.variable('zeros', { shape: [16], name: 'bias' });
      return [relu(kiln.add(kiln.matmul(x, w), b))];
    });
    const f = fuse(p);
    expect(f.kernels).toHaveLength(1);
    const k = f.kernels[0]!;
    expect(k.kind).toBe('matmul');
    expect(k.anchor!.type).toBe('MatMul');
    expect(k.epilogue.map((o) => o.type)).toEqual(['Add', p.fetches[0]!.op.type]); // Relu, or Maximum(x, 0) before relu lands
    expect(k.inputs.filter((t) => t.op.type !== 'Const').map((t) => t.op.name).sort()).toEqual(['bias', 'kernel', 'x']);
    expect(k.outputs).toEqual([p.fetches[0]]);
  });

  it('fuses an elementwise/broadcast tree into one loop kernel', () => {
    const p = build(() => {
      const x = kiln.placeholder('float32', [4, 3], 'x');
      const y = kiln.placeholder('float32', [4, 3], 'y');
      const b = kiln.placeholder('float32', [3], 'b');
      return [kiln.sub(kiln.add(kiln.mul(x, 2), b), kiln.neg(y))];
    });
    const f = fuse(p);
    expect(kinds(f)).toEqual(['loop']);
    expect(f.kernels[0]!.ops.map((o) => o.type)).toEqual(['Mul', 'Add', 'Neg', 'Sub']);
  });

  it('fuses a reduction with its elementwise producers and consumers (mean squared error, softmax-like)', () => {
    const mse = build(() => {
      const a = kiln.placeholder('float32', [4, 3], 'a');
      const b = kiln.placeholder('float32', [4, 3], 'b');
      const d = kiln.sub(a, b);
      return [kiln.mean(kiln.mul(d, d))];
    });
    const r1 = optimize(mse);
    expect(kinds(r1.fused!)).toEqual(['reduction']);
    expect(r1.fused!.kernels[0]!.anchor!.type).toBe('Sum');

    const softmaxLike = build(() => {
      const x = kiln.placeholder('float32', [4, 5], 'x');
      const d = kiln.sub(x, kiln.max(x, 1, true));
      const e = kiln.mul(d, d);
      return [kiln.div(e, kiln.sum(e, 1, true))];
    });
    const f = fuse(softmaxLike);
    expect(kinds(f)).toEqual(['reduction']);
    expect(f.kernels[0]!.ops.map((o) => o.type)).toEqual(['Max', 'Sub', 'Mul', 'Sum', 'Div']);
  });

  it('refuses fusions that would create a cycle, and says why', () => {
    const p = build(() => {
      const x = kiln.placeholder('float32', [4, 4], 'x');
      const w = kiln.placeholder('float32', [4, 4], 'w');
      const a = kiln.mul(x, 2, 'a');
      return [kiln.add(a, kiln.matmul(a, w, {}), 'c')];
    });
    const f = fuse(p);
    expect(kinds(f)).toEqual(['loop', 'matmul']);
    expect(f.kernels[1]!.epilogue.map((o) => o.name)).toEqual(['c']);
    expect(f.refusals.map((r) => `${r.producer.name}->${r.consumer.name}`)).toContain('a->c');
    expect(f.refusals.find((r) => r.producer.name === 'a' && r.consumer.name === 'c')!.reason).toMatch(/cycle/);
    expect(f.refusals.find((r) => r.consumer.type === 'MatMul')!.reason).toMatch(/producers are not fused before it/);
  });

  it('sees a cycle that passes through another kernel between two of its ops (random graph seed 20206)', () => {
    // n's kernel -> p (matmul m's epilogue, reads n) -> m2 (reads m) -> q -> r. No op path leads
    // from n to r, but a kernel path does: putting r in n's kernel would make three kernels wait
    // on each other.
    const p = build(() => {
      const x = kiln.placeholder('float32', [3, 3], 'x');
      const n = kiln.neg(x, 'n');
      const m = kiln.matmul(x, kiln.constant(kiln.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])), { name: 'm' });
      const pm = kiln.mul(m, n, 'p');
      const q = kiln.neg(kiln.matmul(m, m, { name: 'm2' }), 'q');
      return [pm, kiln.sub(kiln.div(n, 2, 'd'), q, 'r')];
    });
    const f = fuse(p);
    const kernelOf = new Map(f.kernels.flatMap((k) => k.ops.map((o) => [o, k.id] as const)));
    for (const k of f.kernels) for (const t of k.inputs) if (kernelOf.has(t.op)) expect(kernelOf.get(t.op)!, `${k.name} reads ${t}`).toBeLessThan(k.id);
    expect(f.refusals.find((r) => r.producer.name === 'd' && r.consumer.name === 'r')!.reason).toMatch(/cycle/);
  });

  it('keeps re-indexing and axis broadcasts out of update kernels, which compute in place', () => {
    const p = build(() => {
      const x = kiln.placeholder('float32', [3, 3], 'x');
      const row = kiln.placeholder('float32', [3], 'row');
      const v = kiln.variable('zeros', { shape: [3, 3], name: 'v' });
      const w = kiln.variable('zeros', { shape: [3, 3], name: 'w' });
      const z = kiln.variable('zeros', { shape: [3, 3], name: 'z' });
      const t = kiln.transpose(v, undefined, 'vt');
      const b = kiln.mul(x, row, 'xrow');
      return { fetches: [], targets: [kiln.assign(v, kiln.add(t, x, 'vtx'), 'av').op, kiln.assignAdd(w, b, 'aw').op, kiln.assignSub(z, kiln.mul(x, 0.5, 'xh'), 'az').op] };
    });
    const f = fuse(p);
    const kernelOf = (name: string): kiln.passes.Kernel => f.kernels.find((k) => k.ops.some((o) => o.name === name))!;
    for (const k of f.kernels.filter((k) => k.kind === 'update')) expect(k.ops.map((o) => o.type)).not.toContain('Transpose');
    expect(kernelOf('vt')).not.toBe(kernelOf('av'));
    expect(kernelOf('xrow')).not.toBe(kernelOf('aw'));
    expect(f.refusals.find((r) => r.consumer.name === 'aw')!.reason).toMatch(/in place/);
    // Must not change: elementwise arithmetic with a single value joins its update.
    expect(kernelOf('xh')).toBe(kernelOf('az'));
    expect(kernelOf('xh').kind).toBe('update');
  });

  it('keeps a shared producer materialized instead of recomputing it in a larger space', () => {
    const p = build(() => {
      const s = kiln.placeholder('float32', [4, 1], 's');
      const x = kiln.placeholder('float32', [4, 3], 'x');
      const t = kiln.mul(s, 2, 't'); // [4,1], read by two consumers
      return [kiln.add(x, t, 'u'), kiln.sum(t)];
    });
    const f = fuse(p);
    expect(f.kernels).toHaveLength(2);
    expect(f.refusals.find((r) => r.consumer.name === 'u')!.reason).toMatch(/other consumers/);
    const producer = f.kernels.find((k) => k.ops.some((o) => o.name === 't'))!;
    expect(producer.kind).toBe('reduction'); // t joined the Sum as its prologue...
    expect(producer.outputs.map((t) => t.op.name)).toContain('t'); // ...and is written for u's kernel
  });

  it('keeps per-row values in their row: no transpose or cross-row broadcast in a reduction epilogue (random graph seed 5085)', () => {
    const p = build(() => {
      const x = kiln.placeholder('float32', [3, 3], 'x');
      const sm = kiln.softmax(x, 1, 'sm');
      const s = kiln.sum(x, 1, false, 's'); // [3]: one value per row
      const k = kiln.sum(x, 1, true, 'k'); // [3,1]
      return [kiln.transpose(sm, undefined, 't'), kiln.add(x, s, 'across'), kiln.add(x, k, 'along'), kiln.reshape(k, [3], 'flat')];
    });
    const f = fuse(p);
    const kernelOf = (name: string): kiln.passes.Kernel => f.kernels.find((k) => k.ops.some((o) => o.name === name))!;
    // t would read softmax values of other rows, `across` adds row j's sum to column j.
    expect(kernelOf('t')).not.toBe(kernelOf('sm'));
    expect(f.refusals.find((r) => r.consumer.name === 't')!.reason).toMatch(/re-indexes values computed per row/);
    expect(kernelOf('across')).not.toBe(kernelOf('s'));
    expect(f.refusals.find((r) => r.consumer.name === 'across')!.reason).toMatch(/across rows/);
    // Must not change: a keepDims broadcast and a flat reshape read the row being computed.
    expect(kernelOf('along')).toBe(kernelOf('k'));
    expect(kernelOf('flat')).toBe(kernelOf('k'));
  });

  it('must not fuse: a random op, an opaque op, a matmul into a reduction', () => {
    const p = build(() => {
      const x = kiln.placeholder('float32', [4, 3], 'x');
      const r = kiln.randomUniform([4, 3], { seed: 3 });
      const m = kiln.matmul(kiln.add(x, r), kiln.transpose(x));
      return [kiln.sum(m)];
    });
    const f = fuse(p);
    expect(kinds(f)).toEqual(['random', 'loop', 'loop', 'matmul', 'reduction']);
    expect(f.refusals.some((r) => r.producer.type === 'RandomUniform' && /random/.test(r.reason))).toBe(true);
    expect(f.refusals.some((r) => r.producer.type === 'MatMul' && r.consumer.type === 'Sum')).toBe(true);
  });

  it('explain() lists kernels, fused ops, shapes and refusals; toDot draws kernels as escaped clusters', () => {
    const p = build(() => {
      const x = kiln.placeholder('float32', [4, 4], 'in"put\\n');
      const w = kiln.placeholder('float32', [4, 4], 'w');
      const a = kiln.mul(x, 2, 'a');
      return [kiln.add(a, kiln.matmul(a, w), 'c')];
    });
    const f = fuse(p);
    const text = explain(f);
    expect(text).toMatch(/^2 kernels for \d+ ops/);
    expect(text).toMatch(/kernel k1_MatMul \(matmul, 2 ops, domain \[4,4\]\) anchor MatMul 'MatMul' epilogue \[Add\]/);
    expect(text).toMatch(/c = Add\(a:0, MatMul:0\) -> float32\[4,4\]/);
    expect(text).toMatch(/refused fusions:\n {4}a -> MatMul: MatMul reads its operands from memory/);
    const dot = toDot(f);
    expect(dot).toMatch(/^digraph "kiln" \{/);
    expect(dot.match(/subgraph cluster_\d+ \{/g)).toHaveLength(2);
    expect(dot).toContain('"in\\"put\\\\n"'); // quote and backslash escaped
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    expect(toDot(p)).not.toContain('cluster');
  });
});
