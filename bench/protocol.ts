/**
 * What the harness sends to a worker (one framework, one workload, in its own process so that
 * its peak RSS is its own) and what the worker sends back: the spec as one JSON argument, the
 * result as one stdout line `KILN_BENCH_RESULT {...}`. The PyTorch worker
 * (bench/workers/torch_peer.py) speaks the same protocol.
 */
import type { ModelSpec } from './workloads.js';

export type Framework = 'kiln' | 'torch' | 'tfjs-wasm' | 'tfjs-cpu';
export const FRAMEWORKS: readonly Framework[] = ['kiln', 'torch', 'tfjs-wasm', 'tfjs-cpu'];

export type KilnBackend = 'native' | 'interpreter';

export interface TaskSpec {
  framework: Framework;
  /** train: one epoch; latency: batch-1 inference; compile: the first training step's cost. */
  kind: 'train' | 'latency' | 'compile';
  model: ModelSpec;
  threads: number;
  /** Folder of the four Fashion-MNIST IDX files (gzipped or not). */
  dataDir: string;
  seed: number;
  /** Stop training after this many steps and scale the time to the epoch (null: no cap). */
  maxSteps: number | null;
  /** Stop training once this many seconds have passed and scale the time to the epoch. */
  timeLimitS: number;
  /** Timed batch-1 calls for `latency` (after warm-up calls). */
  latencyCalls: number;
  kilnBackend: KilnBackend;
}

/** A worker's figures, in the units; absent fields do not apply. */
export interface TaskFigures {
  threads: number;
  epoch_s?: number;
  /** Steps run and steps in the epoch; fewer run than in the epoch means epoch_s was scaled. */
  steps?: number;
  steps_per_epoch?: number;
  samples_per_s?: number;
  test_acc?: number;
  latency_ms?: number;
  compile_s?: number;
  peak_rss_mb: number;
  note?: string;
}

export type TaskResult = ({ ok: true } & TaskFigures) | { ok: false; missing: boolean; error: string };

export const RESULT_PREFIX = 'KILN_BENCH_RESULT ';

/** A framework that is not installed or not available yet: reported as missing, not dropped. */
export class MissingFramework extends Error {
  override readonly name = 'MissingFramework';
}

/** Peak resident set size of this process in MB (Linux VmHWM; ru_maxrss elsewhere). */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
