/**
 * `npm run bench`: kiln against PyTorch and TensorFlow.js on the same machine in the same run
 * (issue 6). Each (framework, workload, repeat) runs in its own process — so that its peak RSS
 * is its own and no framework's threads or caches disturb another's — with the same thread
 * count in OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / KILN_NUM_THREADS / torch.set_num_threads.
 * See bench/README.md for the method and recorded figures.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseBenchArgs, USAGE, type BenchOptions } from './cli.js';
import { RESULT_PREFIX, type Framework, type TaskResult, type TaskSpec } from './protocol.js';
import { combineRepeats, toJson, toMarkdown, type BenchReport, type MachineInfo, type ResultRow } from './report.js';
import { measureSgemm } from './sgemm.js';
import { LATENCY_MODELS, MODELS, trainFlopsPerSample, TRAIN_WORKLOADS, type ModelName } from './workloads.js';

/** Runs one task somewhere (a child process by default; in-process in the smoke test). */
export type TaskRunner = (spec: TaskSpec, env?: Record<string, string>) => Promise<TaskResult>;

const HERE = dirname(fileURLToPath(import.meta.url));

let python: string | undefined;

/**
 * The Python that runs the PyTorch worker: KILN_BENCH_PYTHON, else the first of `python3` and
 * Debian's `/usr/bin/python3` that imports torch (a `python3` earlier on PATH, e.g. pyenv's, does
 * not see Debian's python3-torch), else `python3` (whose worker then reports torch missing).
 */
export function torchPython(): string {
  if (process.env.KILN_BENCH_PYTHON) return process.env.KILN_BENCH_PYTHON;
  python ??=
    ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 }).status === 0) ?? 'python3';
  return python;
}

/** The worker command of a framework: a compiled TS worker, or the Python script for torch. */
function workerCommand(framework: Framework): { cmd: string; args: string[] } {
  if (framework === 'torch') {
    const candidates = [join(HERE, 'workers', 'torch_peer.py'), join(HERE, '..', '..', 'bench', 'workers', 'torch_peer.py')];
    const script = candidates.find((p) => existsSync(p)) ?? candidates[0]!;
    return { cmd: torchPython(), args: [script] };
  }
  const script = join(HERE, 'workers', `${framework === 'kiln' ? 'kiln' : 'tfjs'}.js`);
  return { cmd: process.execPath, args: [script] };
}

/** The environment that pins every framework's thread pools to `threads`. */
export function threadEnv(threads: number): Record<string, string> {
  const n = String(threads);
  return { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n, KILN_NUM_THREADS: n };
}

/** Runs a task in a fresh process and reads its result line; a crash or timeout is an error row. */
export const spawnRunner: TaskRunner = (spec, env = {}) =>
  new Promise((resolve) => {
    const { cmd, args } = workerCommand(spec.framework);
    const child = spawn(cmd, [...args, JSON.stringify(spec)], {
      env: { ...process.env, ...threadEnv(spec.threads), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Generous: the time limit bounds the timed steps; loading, evaluation and compiling add to it.
    const timeout = setTimeout(() => child.kill('SIGKILL'), (3 * spec.timeLimitS + 600) * 1000);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timeout);
      resolve({ ok: false, missing: e.code === 'ENOENT', error: `${cmd}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (line) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as TaskResult);
      const last = stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0] ?? '';
      resolve({ ok: false, missing: false, error: `worker exited (${signal ?? `code ${code}`}) without a result${last ? `: ${last}` : ''}` });
    });
  });

function baseSpec(o: BenchOptions, framework: Framework, kind: TaskSpec['kind'], model: ModelName): TaskSpec {
  return {
    framework,
    kind,
    model: MODELS[model],
    threads: o.threads,
    dataDir: o.dataDir,
    seed: o.seed,
    maxSteps: o.maxSteps,
    timeLimitS: o.timeLimitS,
    latencyCalls: o.latencyCalls,
    kilnBackend: o.kilnBackend,
  };
}

/** A row from a (combined) result; failures keep workload/framework/threads and say why. */
function toRow(base: Omit<ResultRow, 'threads'> & { threads: number }, r: TaskResult): ResultRow {
  if (!r.ok) return { ...base, ...(r.missing ? { missing: r.error } : { error: r.error }) };
  const { ok: _ok, ...figures } = r;
  return { ...base, ...figures };
}

async function repeat(o: BenchOptions, run: () => Promise<TaskResult>): Promise<TaskResult> {
  const results: TaskResult[] = [];
  for (let i = 0; i < o.repeats; i++) {
    const r = await run();
    results.push(r);
    if (!r.ok) break; // a missing framework stays missing
  }
  return combineRepeats(results);
}

function stderrLog(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

function cpuName(): string | undefined {
  return cpus()[0]?.model.trim();
}

/** Runs the selected workloads and frameworks and returns the report. */
export async function runBench(o: BenchOptions, runner: TaskRunner = spawnRunner, log: (msg: string) => void = stderrLog): Promise<BenchReport> {
  const machine: MachineInfo = { cores: availableParallelism() };
  const cpu = cpuName();
  if (cpu) machine.cpu = cpu;
  // The ceiling is measured before and after the workloads and the best kept: on a shared
  // machine one measurement can land in a busy moment and make every fraction look too high.
  const sgemm = () => {
    try {
      log(`sgemm 1024³ with ${o.threads} threads`);
      const s = measureSgemm(o.threads);
      machine.sgemm_gflops = Math.max(machine.sgemm_gflops ?? 0, s.bestGflops);
      machine.sgemm_threads = s.threads;
    } catch (e) {
      machine.note = `sgemm not measured: ${(e as Error).message.split('\n')[0]}`;
    }
  };
  sgemm();
  const results: ResultRow[] = [];
  const push = (row: ResultRow) => {
    results.push(row);
    const status = row.missing ? `missing (${row.missing})` : row.error ? `error (${row.error})` : 'ok';
    log(`${row.workload}${row.model ? `/${row.model}` : ''} ${row.framework}: ${status}`);
  };

  for (const workload of o.workloads) {
    if ((TRAIN_WORKLOADS as readonly string[]).includes(workload)) {
      const model = MODELS[workload as ModelName];
      for (const framework of o.frameworks) {
        log(`${workload} ${framework} ...`);
        const r = await repeat(o, () => runner(baseSpec(o, framework, 'train', model.name)));
        const row = toRow({ workload, framework, threads: o.threads, batch: model.batch }, r);
        if (row.samples_per_s !== undefined) row.gflops = (trainFlopsPerSample(model) * row.samples_per_s) / 1e9;
        push(row);
      }
    } else if (workload === 'infer_latency') {
      for (const name of LATENCY_MODELS) {
        for (const framework of o.frameworks) {
          log(`infer_latency/${name} ${framework} ...`);
          const r = await repeat(o, () => runner(baseSpec(o, framework, 'latency', name)));
          push(toRow({ workload, model: name, framework, threads: o.threads, batch: 1 }, r));
        }
      }
    } else {
      // compile: kiln only — PyTorch (eager) and tfjs have no compile step to time.
      if (!o.frameworks.includes('kiln')) continue;
      for (const name of TRAIN_WORKLOADS) {
        log(`compile/${name} kiln ...`);
        const r = await repeat(o, async () => {
          const cache = mkdtempSync(join(tmpdir(), 'kiln-bench-cache-'));
          try {
            const spec = baseSpec(o, 'kiln', 'compile', name);
            const cold = await runner(spec, { KILN_CACHE_DIR: cache });
            if (!cold.ok) return cold;
            const warm = await runner(spec, { KILN_CACHE_DIR: cache });
            if (!warm.ok) return warm;
            return { ...cold, load_s: warm.compile_s, peak_rss_mb: Math.max(cold.peak_rss_mb, warm.peak_rss_mb) } as TaskResult;
          } finally {
            rmSync(cache, { recursive: true, force: true });
          }
        });
        push(toRow({ workload, model: name, framework: 'kiln', threads: o.threads, batch: MODELS[name].batch }, r));
      }
    }
  }
  sgemm();
  if (machine.sgemm_gflops) {
    for (const row of results) if (row.gflops !== undefined) row.sgemm_fraction = row.gflops / machine.sgemm_gflops;
  }
  return { machine, results };
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const report = await runBench(options);
  process.stdout.write(`${toMarkdown(report)}\n`);
  if (options.json) {
    writeFileSync(options.json, toJson(report));
    stderrLog(`wrote ${options.json}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
