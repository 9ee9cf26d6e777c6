/**
 * Smoke test of the bench harness's pieces (bench/): argument parsing, FLOP formulas against
 * hand computation, the IDX reader, the report formats, and a tiny run (a few steps on a
 * generated 320-image data set) whose JSON is checked against the schema. The full
 * bench is `npm run bench`, never part of `npm test`. PyTorch is optional: without it, its rows
 * must say missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/cli.js';
import { loadFashionMnist, permutation, mulberry32, readIdxUint8, writeIdxUint8, writeTinyDataset } from '../../bench/data.js';
import { runBench, spawnRunner, type TaskRunner } from '../../bench/main.js';
import { FRAMEWORKS } from '../../bench/protocol.js';
import { combineRepeats, jsonRow, toJson, toMarkdown, type ResultRow } from '../../bench/report.js';
import { parseSgemmOutput } from '../../bench/sgemm.js';
import { epochFigures, runTask } from '../../bench/workers/common.js';
import { runKiln } from '../../bench/workers/kiln.js';
import { runTfjs } from '../../bench/workers/tfjs.js';
import { forwardMacs, inferFlopsPerSample, layerShapes, MODELS, parameterCount, trainFlopsPerSample } from '../../bench/workloads.js';

describe('bench options', () => {
  it('defaults to every workload and framework, all cores, one repeat', () => {
    const o = parseBenchArgs([]);
    expect(o.workloads).toEqual(['mlp_seed', 'mlp_wide', 'cnn', 'infer_latency', 'compile']);
    expect(o.frameworks).toEqual([...FRAMEWORKS]);
    expect(o.threads).toBeGreaterThanOrEqual(1);
    expect(o.repeats).toBe(1);
    expect(o.json).toBeNull();
    expect(o.kilnBackend).toBe('native');
    expect(o.maxSteps).toBeNull();
  });

  it('parses lists, numbers and files', () => {
    const o = parseBenchArgs(['--workloads', 'cnn,mlp_seed', '--peers', 'torch,tfjs-cpu', '--threads', '3', '--repeats', '2', '--json', 'out.json', '--kiln-backend', 'interpreter', '--max-steps', '5', '--time-limit', '1.5']);
    expect(o.workloads).toEqual(['cnn', 'mlp_seed']);
    expect(o.frameworks).toEqual(['torch', 'tfjs-cpu']);
    expect([o.threads, o.repeats, o.json, o.kilnBackend, o.maxSteps, o.timeLimitS]).toEqual([3, 2, 'out.json', 'interpreter', 5, 1.5]);
    expect(parseBenchArgs(['--frameworks', 'kiln']).frameworks).toEqual(['kiln']);
  });

  it('rejects unknown names, bad numbers and unknown options with a message', () => {
    expect(() => parseBenchArgs(['--workloads', 'resnet'])).toThrow(/unknown workload 'resnet'/);
    expect(() => parseBenchArgs(['--peers', 'jax'])).toThrow(/unknown framework 'jax'/);
    expect(() => parseBenchArgs(['--threads', '0'])).toThrow(/--threads must be a positive integer/);
    expect(() => parseBenchArgs(['--kiln-backend', 'cuda'])).toThrow(/--kiln-backend must be native or interpreter/);
    expect(() => parseBenchArgs(['--peers', 'kiln', '--frameworks', 'kiln'])).toThrow(/not both/);
    expect(() => parseBenchArgs(['--epochs', '3'])).toThrow();
  });
});

describe('FLOPs per sample', () => {
  it('match hand-computed MACs (training 6·MACs, inference 2·MACs)', () => {
    // mlp_seed: 784·32 + 32·10
    expect(forwardMacs(MODELS.mlp_seed)).toBe(25_408);
    expect(trainFlopsPerSample(MODELS.mlp_seed)).toBe(152_448);
    expect(inferFlopsPerSample(MODELS.mlp_seed)).toBe(50_816);
    // mlp_wide: 784·1024 + 1024·1024 + 1024·10
    expect(forwardMacs(MODELS.mlp_wide)).toBe(1_861_632);
    // cnn: conv1 26·26·32·(3·3·1) + conv2 11·11·64·(3·3·32) + 1600·128 + 128·10
    expect(forwardMacs(MODELS.cnn)).toBe(194_688 + 2_230_272 + 204_800 + 1_280);
    expect(trainFlopsPerSample(MODELS.cnn)).toBe(6 * 2_631_040);
  });

  it('give the issue figure: PyTorch mlp_wide at 11.5 s per epoch is about 58 GFLOP/s', () => {
    expect((trainFlopsPerSample(MODELS.mlp_wide) * 60_000) / 11.5 / 1e9).toBeCloseTo(58.3, 1);
  });

  it('follow the layer shapes (the Keras example CNN: 225,034 parameters)', () => {
    expect(layerShapes(MODELS.cnn)).toEqual([[26, 26, 32], [13, 13, 32], [11, 11, 64], [5, 5, 64], [1600], [128], [10]]);
    expect(parameterCount(MODELS.cnn)).toBe(320 + 18_496 + 204_928 + 1_290);
    expect(parameterCount(MODELS.mlp_seed)).toBe(25_450);
  });
});

describe('bench pieces', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-bench-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads IDX files, gzipped or not, and rejects other files', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
    writeIdxUint8(join(dir, 'a.gz'), [2, 3, 4], data);
    writeIdxUint8(join(dir, 'a'), [2, 3, 4], data);
    for (const f of ['a.gz', 'a']) {
      const r = readIdxUint8(join(dir, f));
      expect(r.shape).toEqual([2, 3, 4]);
      expect([...r.data]).toEqual([...data]);
    }
    writeFileSync(join(dir, 'bad'), Uint8Array.from([1, 2, 3, 4, 5]));
    expect(() => readIdxUint8(join(dir, 'bad'))).toThrow(/not a uint8 IDX file/);
    writeFileSync(join(dir, 'short'), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 9, 1, 2]));
    expect(() => readIdxUint8(join(dir, 'short'))).toThrow(/header says \[9\]/);
  });

  it('loads a data set in the Fashion-MNIST layout, pixels / 255', () => {
    const folder = mkdtempSync(join(dir, 'fm-'));
    writeTinyDataset(folder, 20, 7);
    const { train, test } = loadFashionMnist(folder);
    expect([train.n, test.n, train.x.length, test.y.length]).toEqual([20, 7, 20 * 784, 7]);
    expect(Math.max(...train.x)).toBeLessThanOrEqual(1);
    expect(() => loadFashionMnist(join(dir, 'nowhere'))).toThrow(/dataset-fashion-mnist/);
  });

  it('shuffles with a seeded permutation', () => {
    const p = permutation(100, mulberry32(7));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...permutation(100, mulberry32(7))]).toEqual([...p]);
  });

  it('scales a partial epoch and says so', () => {
    const f = epochFigures({ seconds: 2, steps: 10 }, 100, 32);
    expect(f).toMatchObject({ epoch_s: 20, steps: 10, steps_per_epoch: 100, samples_per_s: 160 });
    expect(f.note).toMatch(/scaled from 10\/100 steps/);
    expect(epochFigures({ seconds: 2, steps: 100 }, 100, 32).note).toBeUndefined();
  });

  it('parses the sgemm program output', () => {
    expect(parseSgemmOutput('sgemm n=1024 threads=2 best_gflops=91.047 median_gflops=80.5\n')).toEqual({ n: 1024, threads: 2, bestGflops: 91.047, medianGflops: 80.5 });
    expect(() => parseSgemmOutput('oops')).toThrow(/unexpected output/);
  });

  it('combines repeats (medians, max RSS) and reports failures', () => {
    const c = combineRepeats([
      { ok: true, threads: 2, epoch_s: 3, peak_rss_mb: 100 },
      { ok: true, threads: 2, epoch_s: 1, peak_rss_mb: 300 },
      { ok: true, threads: 2, epoch_s: 2, peak_rss_mb: 200 },
    ]);
    expect(c).toMatchObject({ ok: true, epoch_s: 2, peak_rss_mb: 300 });
    expect(combineRepeats([{ ok: true, threads: 1, peak_rss_mb: 1 }, { ok: false, missing: true, error: 'gone' }])).toEqual({ ok: false, missing: true, error: 'gone' });
  });

  it('writes rows with the issue fields first and absent fields omitted', () => {
    const row: ResultRow = { note: 'n', framework: 'torch', workload: 'mlp_seed', threads: 2, batch: 32, epoch_s: 0.123456789, latency_ms: undefined };
    expect(Object.keys(jsonRow(row))).toEqual(['workload', 'framework', 'threads', 'batch', 'epoch_s', 'note']);
    expect(jsonRow(row).epoch_s).toBe(0.12346);
    const md = toMarkdown({ machine: { cores: 2, sgemm_gflops: 90 }, results: [row, { workload: 'cnn', framework: 'tfjs-cpu', threads: 2, missing: 'not installed' }] });
    expect(md).toMatch(/\| workload \| framework \| threads \| batch \| epoch s \|/);
    expect(md).toMatch(/\| cnn \| tfjs-cpu \| 2 \|.*\*\*missing\*\*: not installed \|/);
  });
});

describe('a tiny bench run', () => {
  let data: string;
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'kiln-bench-data-'));
    writeTinyDataset(data, 320, 100);
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it('gives JSON of the issue schema, every framework present or missing', async () => {
    // kiln (interpreter) and tfjs-cpu run in this process; torch runs as the bench runs it.
    const runner: TaskRunner = (spec, env) =>
      spec.framework === 'torch' ? spawnRunner(spec, env) : runTask(spec.framework === 'kiln' ? runKiln : runTfjs, spec);
    const options = parseBenchArgs(['--workloads', 'mlp_seed,infer_latency', '--frameworks', 'kiln,torch,tfjs-cpu', '--threads', '1', '--kiln-backend', 'interpreter', '--max-steps', '3', '--latency-calls', '3', '--data', data]);
    const report = JSON.parse(toJson(await runBench(options, runner, () => {}))) as { machine: Record<string, unknown>; results: Record<string, unknown>[] };

    expect(report.machine.cores).toBeGreaterThanOrEqual(1);
    expect(typeof report.machine.sgemm_gflops).toBe('number');
    const allowed = new Set(['workload', 'framework', 'threads', 'batch', 'epoch_s', 'samples_per_s', 'gflops', 'peak_rss_mb', 'test_acc', 'latency_ms', 'compile_s', 'model', 'load_s', 'sgemm_fraction', 'steps', 'steps_per_epoch', 'note', 'missing', 'error']);
    expect(report.results).toHaveLength(3 + 2 * 3);
    for (const r of report.results) {
      for (const k of Object.keys(r)) expect(allowed.has(k), `unexpected field ${k}`).toBe(true);
      expect(typeof r.workload).toBe('string');
      expect(typeof r.threads).toBe('number');
      expect(r.error, `${String(r.workload)} ${String(r.framework)}`).toBeUndefined();
      if (r.missing !== undefined) {
        expect(r.framework).toBe('torch'); // only PyTorch may be absent (it is optional)
        continue;
      }
      expect(typeof r.peak_rss_mb).toBe('number');
      if (r.workload === 'mlp_seed') {
        expect(r).toMatchObject({ batch: 32, steps: 3, steps_per_epoch: 10 });
        for (const k of ['epoch_s', 'samples_per_s', 'gflops', 'sgemm_fraction', 'test_acc']) expect(typeof r[k], k).toBe('number');
        expect(r.test_acc as number).toBeGreaterThanOrEqual(0);
        expect(r.test_acc as number).toBeLessThanOrEqual(1);
        expect(r.note).toMatch(/scaled from 3\/10 steps/);
      } else {
        expect(['mlp_seed', 'cnn']).toContain(r.model);
        expect(r.latency_ms as number).toBeGreaterThan(0);
        expect(r.epoch_s).toBeUndefined();
      }
    }
  }, 180_000);
});
