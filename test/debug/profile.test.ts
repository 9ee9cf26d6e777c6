/**
 * The kernel profiler (API and `kiln profile`) and the dump switch of compiled executables.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { main, type CliIO } from '../../src/cli/main.js';
import { det } from '../codegen/helpers.js';

function mlp(g: kiln.Graph) {
  return g.asDefault(() => {
    const x = kiln.placeholder('float32', [null, 32], 'x');
    const labels = kiln.placeholder('int32', [null], 'labels');
    const w1 = kiln.variable('glorotUniform', { shape: [32, 64], name: 'w1' });
    const b1 = kiln.variable('zeros', { shape: [64], name: 'b1' });
    const w2 = kiln.variable('glorotUniform', { shape: [64, 10], name: 'w2' });
    const h = kiln.relu(kiln.add(kiln.matmul(x, w1), b1));
    const logits = kiln.matmul(h, w2);
    const loss = kiln.mean(kiln.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    const train = new kiln.SGD({ lr: 0.1 }).minimize(loss);
    return { x, labels, loss, train, w1 };
  });
}

describe('kernel profiler', () => {
  it('times every kernel; shares sum to 100%; matmuls get GFLOP/s; variables are put back', () => {
    const g = new kiln.Graph();
    g.seed = 1;
    const m = mlp(g);
    const sess = new kiln.Session(g);
    const feeds = { x: det(64 * 32, 3), labels: Int32Array.from({ length: 64 }, (_, i) => i % 10) };
    sess.run([m.loss, m.train], feeds);
    const w1 = Array.from(sess.getValue(m.w1).data);
    const report = kiln.profile(sess, [m.loss, m.train], feeds, { runs: 5 });
    expect(Array.from(sess.getValue(m.w1).data)).toEqual(w1);
    const order = sess.native!.lastBuild!.generated.order;
    expect(report.runs).toBe(5);
    expect(report.kernels.map((k) => k.name)).toEqual(order.map((k) => k.name));
    const shares = report.kernels.reduce((a, k) => a + k.share, 0);
    expect(Math.abs(shares - 100)).toBeLessThan(0.5);
    const sum = report.kernels.reduce((a, k) => a + k.us, 0);
    expect(Math.abs(sum - report.kernelUs)).toBeLessThan(1e-6 * Math.max(1, sum));
    for (const k of report.kernels) expect(k.us).toBeGreaterThanOrEqual(0);
    // The kernels are (nearly all) of the compiled run; the call adds the addon's checks.
    expect(report.kernelUs).toBeLessThanOrEqual(report.runUs * 1.02 + 1);
    expect(report.runUs).toBeLessThanOrEqual(report.wallUs * 1.02 + 1);
    expect(report.kernelUs).toBeGreaterThan(0.5 * report.runUs);
    // Forward x@w1 [64,32]x[32,64]: 2*64*64*32 flops.
    const fwd = report.kernels.find((k) => k.kind === 'matmul' && k.ops.some((o) => o.startsWith('MatMul')) && k.flops === 2 * 64 * 64 * 32);
    expect(fwd).toBeDefined();
    expect(fwd!.gflops).toBeGreaterThan(0);
    const table = kiln.formatProfile(report);
    expect(table.split('\n')[0]).toMatch(/^#\s+kernel\s+kind\s+time \(us\)\s+share\s+GFLOP\/s\s+fused ops$/);
    for (const k of order) expect(table).toContain(k.name);
    expect(table).toMatch(/kernels, mean of 5 runs/);
    // The plain executable is another one, and runs as before.
    const [loss] = sess.run([m.loss], feeds);
    expect(Number.isFinite(loss.data[0])).toBe(true);
    expect(sess.native!.lastBuild!.flags).toEqual([]);
    sess.close();
  });

  it('needs the native backend and a positive run count', () => {
    const g = new kiln.Graph();
    const m = mlp(g);
    const feeds = { x: det(2 * 32, 3), labels: Int32Array.from([1, 2]) };
    expect(() => new kiln.Session(g, { backend: 'interpreter' }).profile(m.loss, feeds)).toThrow(/needs the 'native' backend/);
    expect(() => new kiln.Session(g).profile(m.loss, feeds, { runs: 0 })).toThrow(/runs must be a positive integer/);
  });

  it('kiln profile <module> prints the table', async () => {
    const io: CliIO & { out: string; err: string } = { out: '', err: '', stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) };
    const fixture = join(import.meta.dirname, '..', 'viz', 'fixtures', 'cnn_module.ts');
    expect(await main(['profile', fixture, '--runs', '2', '--batch', '4'], io)).toBe(0);
    expect(io.out).toMatch(/^#\s+kernel/);
    expect(io.out).toMatch(/conv/);
    expect(io.out).toMatch(/kernels, mean of 2 runs/);
    const json = { ...io, out: '' } as typeof io;
    json.stdout = (t) => void (json.out += t);
    expect(await main(['profile', fixture, '--runs', '1', '--batch', '2', '--json'], json)).toBe(0);
    const parsed = JSON.parse(json.out) as kiln.ProfileReport;
    expect(parsed.runs).toBe(1);
    expect(Math.abs(parsed.kernels.reduce((a, k) => a + k.share, 0) - 100)).toBeLessThan(0.5);
    expect(await main(['profile'], io)).toBe(2);
  });
});

describe('dump switch of compiled executables', () => {
  it('writes the passes, the kernels, the source, the memory plan and the schedule', () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-dump-build-'));
    const g = new kiln.Graph();
    const m = mlp(g);
    const sess = new kiln.Session(g, { dump: root });
    sess.run([m.loss, m.train], { x: det(4 * 32, 3), labels: Int32Array.from([1, 2, 3, 4]) });
    const b = sess.native!.lastBuild!;
    expect(b.dumpDir).toBeDefined();
    const dirs = readdirSync(root);
    expect(dirs).toHaveLength(1);
    expect(dirs[0]).toMatch(new RegExp(`^Mean\\w*_4x32_4-${process.pid}-\\d+$`));
    const dir = join(root, dirs[0]!);
    const files = readdirSync(dir);
    for (const f of ['00_input.dot', '00_input.txt', '01_after_specialize.dot', 'explain.txt', 'module.cpp', 'memory_plan.json', 'schedule.txt', 'build.json']) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => /^\d+_fused\.dot$/.test(f))).toBe(true);
    expect(readFileSync(join(dir, 'module.cpp'), 'utf8')).toBe(b.generated.source);
    const plan = JSON.parse(readFileSync(join(dir, 'memory_plan.json'), 'utf8')) as { arenaPeakBytes: number; buffers: { name: string; offset: number }[] };
    expect(plan.arenaPeakBytes).toBe(b.generated.plan.peak);
    expect(plan.buffers.length).toBe(b.generated.buffers.length);
    const schedule = readFileSync(join(dir, 'schedule.txt'), 'utf8');
    expect(schedule).toMatch(new RegExp(`^${b.generated.order.length} kernels in execution order`));
    for (const k of b.generated.order) expect(schedule).toContain(k.name);
    expect(JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8')).cacheKey).toBe(b.library.key);
    // A second run of the same executable writes nothing more; dump: false writes nothing.
    sess.run([m.loss, m.train], { x: det(4 * 32, 3), labels: Int32Array.from([1, 2, 3, 4]) });
    expect(readdirSync(root)).toHaveLength(1);
    const saved = process.env['KILN_DUMP'];
    process.env['KILN_DUMP'] = root;
    try {
      new kiln.Session(g, { dump: false }).run(m.loss, { x: det(4 * 32, 3), labels: Int32Array.from([1, 2, 3, 4]) });
    } finally {
      if (saved === undefined) delete process.env['KILN_DUMP'];
      else process.env['KILN_DUMP'] = saved;
    }
    expect(readdirSync(root)).toHaveLength(1);
    sess.close();
  });
});
