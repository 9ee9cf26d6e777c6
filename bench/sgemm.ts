/**
 * The reference ceiling: `cblas_sgemm` GFLOP/s at 1024x1024x1024 with the bench's threads,
 * measured by bench/sgemm.cpp, compiled once with the same compiler and BLAS link flags as
 * kiln's generated code (codegen/toolchain.ts: KILN_CXX, KILN_BLAS_LIBS) and kept in the cache.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blasLibs, cacheDir } from '../codegen/toolchain.js';

/** bench/sgemm.cpp, from bench/ (run from TS) or dist/bench/ (run compiled). */
export function sgemmSourcePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const p of [join(here, 'sgemm.cpp'), join(here, '..', '..', 'bench', 'sgemm.cpp')]) if (existsSync(p)) return p;
  throw new Error(`sgemm: bench/sgemm.cpp not found from ${here}`);
}

/** Compiles the measuring program (cached by source and flags) and returns its path. */
export function buildSgemm(): string {
  const src = sgemmSourcePath();
  const cxx = process.env.KILN_CXX || 'g++';
  const flags = ['-O2', '-std=c++17', src, ...blasLibs()];
  const key = createHash('sha256').update(readFileSync(src)).update(JSON.stringify([cxx, flags.slice(0, 2), blasLibs()])).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), 'bench');
  const exe = join(dir, `sgemm-${key}`);
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const tmp = `${exe}.${process.pid}.tmp`;
  execFileSync(cxx, [...flags, '-o', tmp], { stdio: ['ignore', 'pipe', 'pipe'] });
  renameSync(tmp, exe); // atomic: a concurrent bench never runs a half-written program
  return exe;
}

export interface SgemmResult {
  n: number;
  threads: number;
  bestGflops: number;
  medianGflops: number;
}

/** Parses the program's output line. */
export function parseSgemmOutput(line: string): SgemmResult {
  const m = /sgemm n=(\d+) threads=(\d+) best_gflops=([\d.]+) median_gflops=([\d.]+)/.exec(line);
  if (!m) throw new Error(`sgemm: unexpected output '${line.trim()}'`);
  return { n: Number(m[1]), threads: Number(m[2]), bestGflops: Number(m[3]), medianGflops: Number(m[4]) };
}

/** Measures sgemm GFLOP/s (the best of `repeats` runs: the machine's ceiling, not its average). */
export function measureSgemm(threads: number, n = 1024, repeats = 10): SgemmResult {
  const exe = buildSgemm();
  const out = execFileSync(exe, [String(n), String(threads), String(repeats)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
  });
  return parseSgemmOutput(out);
}
