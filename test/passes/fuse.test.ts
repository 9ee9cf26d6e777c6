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
