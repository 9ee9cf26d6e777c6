/**
 * The kernel profiler's report: per-kernel time of a compiled executable over N runs, measured
 * by the executable itself (built with -DKILN_PROFILE: a monotonic clock around each kernel
 * block, codegen/cpp/prelude.ts), with each kernel's share of the kernel time and its GFLOP/s
 * where the work is known (matmul 2·M·N·K, conv 2·N·Ho·Wo·Co·Kh·Kw·Ci and its two gradients).
 *
 * Times are means per run. `kernelUs` is the sum of the kernels (shares are of it, so they sum
 * to 100%); `runUs` is the whole compiled function (kernels plus the copies of fetched sources
 * and snapshots before them); `wallUs` adds what the addon and JS spend around the call.
 */
import type { Operation } from '../graph/graph.js';
import { sizeOf } from '../graph/shape.js';
import type { Kernel } from '../passes/fuse.js';
import type { FeedDict } from './feeds.js';
import type { Fetch, Session } from './session.js';
import { checkOptions } from '../graph/options.js';

export interface ProfileOptions {
  /** Timed runs (default 10). */
  runs?: number;
  /** Untimed runs first, to warm caches and threads (default 1). */
  warmup?: number;
}

export interface KernelProfile {
  /** Position in the execution order. */
  index: number;
  name: string;
  kind: string;
  /** The fused ops, as `Type 'name'`. */
  ops: string[];
  /** Mean microseconds per run. */
  us: number;
  /** Percent of the summed kernel time. */
  share: number;
  /** Floating-point operations per run, where known. */
  flops?: number;
  /** flops / time, where known. */
  gflops?: number;
}

export interface ProfileReport {
  runs: number;
  kernels: KernelProfile[];
  /** Mean per run: the sum of the kernels' times. */
  kernelUs: number;
  /** Mean per run: the compiled function from entry to return. */
  runUs: number;
  /** Mean per run: measured around the native call in JS. */
  wallUs: number;
}

const dims = (op: Operation, i: number): number[] => op.inputs[i]!.shape as number[];

/** Floating-point operations of one op, where kiln knows them (multiply and add count as two). */
export function opFlops(op: Operation): number | undefined {
  switch (op.type) {
    case 'MatMul': {
      const a = dims(op, 0);
      const k = op.attrs['transposeA'] ? a[a.length - 2]! : a[a.length - 1]!;
      return 2 * sizeOf(op.outputs[0]!.shape as number[]) * k;
    }
    case 'Conv2D': {
      const [kh, kw, ci] = dims(op, 1);
      return 2 * sizeOf(op.outputs[0]!.shape as number[]) * kh! * kw! * ci!;
    }
    case 'Conv2DBackpropInput': {
      const [kh, kw, ci] = dims(op, 1);
      return 2 * sizeOf(dims(op, 2)) * kh! * kw! * ci!;
    }
    case 'Conv2DBackpropFilter': {
      const [kh, kw, ci] = dims(op, 1);
      return 2 * sizeOf(dims(op, 2)) * kh! * kw! * ci!;
    }
    default:
      return undefined;
  }
}

/** The report from per-kernel microsecond sums over `runs` runs (`sums[kernels.length]`: whole runs). */
export function profileReport(kernels: readonly Kernel[], sums: ArrayLike<number>, runs: number, wallUsTotal: number): ProfileReport {
  const us = kernels.map((_, i) => sums[i]! / runs);
  const kernelUs = us.reduce((a, b) => a + b, 0);
  const rows = kernels.map((k, i): KernelProfile => {
    const known = k.ops.map(opFlops).filter((f): f is number => f !== undefined);
    const flops = known.length ? known.reduce((a, b) => a + b, 0) : undefined;
    return {
      index: i,
      name: k.name,
      kind: k.kind,
      ops: k.ops.map((o) => `${o.type} '${o.name}'`),
      us: us[i]!,
      share: kernelUs > 0 ? (100 * us[i]!) / kernelUs : 0,
      ...(flops !== undefined ? { flops, ...(us[i]! > 0 ? { gflops: flops / (us[i]! * 1e3) } : {}) } : {}),
    };
  });
  return { runs, kernels: rows, kernelUs, runUs: sums[kernels.length]! / runs, wallUs: wallUsTotal / runs };
}

/** The report as a text table, slowest kernels first. */
export function formatProfile(report: ProfileReport, options: { sort?: 'time' | 'order'; maxOps?: number } = {}): string {
  checkOptions('formatProfile', options, ['sort', 'maxOps']);
  const rows = [...report.kernels];
  if ((options.sort ?? 'time') === 'time') rows.sort((a, b) => b.us - a.us);
  const maxOps = options.maxOps ?? 4;
  const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const table = [
    ['#', 'kernel', 'kind', 'time (us)', 'share', 'GFLOP/s', 'fused ops'],
    ...rows.map((r) => [
      String(r.index),
      r.name,
      r.kind,
      fmt(r.us),
      `${r.share.toFixed(1)}%`,
      r.gflops !== undefined ? fmt(r.gflops) : '-',
      r.ops.slice(0, maxOps).join(', ') + (r.ops.length > maxOps ? `, ... (${r.ops.length} ops)` : ''),
    ]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => (c === 6 ? 0 : row[c]!.length))));
  const lines = table.map((row) => row.map((cell, c) => (c === 6 ? cell : c >= 3 && c <= 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '));
  lines.splice(1, 0, '-'.repeat(Math.min(120, lines[0]!.length + 10)));
  const coverage = report.runUs > 0 ? ` (${((100 * report.kernelUs) / report.runUs).toFixed(1)}% of the compiled run)` : '';
  lines.push(
    '',
    `${report.kernels.length} kernels, mean of ${report.runs} runs: kernels ${fmt(report.kernelUs)} us${coverage}, compiled run ${fmt(report.runUs)} us, call ${fmt(report.wallUs)} us`,
  );
  return lines.join('\n');
}

/**
 * Times each kernel of `session`'s compiled executable for `fetches` and `feeds` (see
 * `Session.profile`).
 * @example console.log(kiln.formatProfile(kiln.profile(sess, [loss, train], { x, y }, { runs: 20 })));
 */
export function profile(session: Session, fetches: Fetch, feeds?: FeedDict, options: ProfileOptions = {}): ProfileReport {
  return session.profile(fetches, feeds, options);
}
