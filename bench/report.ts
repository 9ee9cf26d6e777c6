/**
 * The bench's output: rows in the issue's JSON form and the markdown table.
 *
 * JSON (issue 6): `{"machine": {"cores", "sgemm_gflops"}, "results": [{"workload", "framework",
 * "threads", "batch", "epoch_s", "samples_per_s", "gflops", "peak_rss_mb", "test_acc",
 * "latency_ms", "compile_s"}]}`, fields that do not apply omitted. Added, also omitted when they
 * do not apply: `model` (which model infer_latency and compile measured), `load_s` (compile:
 * the warm, cached load; `compile_s` is the cold compile), `sgemm_fraction`, `steps` and
 * `steps_per_epoch` (fewer steps than the epoch's: epoch_s was scaled), `note`, and `missing`
 * or `error` (the reason a row has no figures).
 */
import type { Framework, TaskFigures, TaskResult } from './protocol.js';
import { median } from './workers/common.js';
import type { ModelName, WorkloadName } from './workloads.js';

export interface ResultRow {
  workload: WorkloadName;
  framework: Framework;
  threads: number;
  batch?: number;
  epoch_s?: number;
  samples_per_s?: number;
  gflops?: number;
  peak_rss_mb?: number;
  test_acc?: number;
  latency_ms?: number;
  compile_s?: number;
  model?: ModelName;
  load_s?: number;
  sgemm_fraction?: number;
  steps?: number;
  steps_per_epoch?: number;
  note?: string;
  missing?: string;
  error?: string;
}

export interface MachineInfo {
  cores: number;
  sgemm_gflops?: number;
  /** The threads the sgemm ran with (= the bench's threads). */
  sgemm_threads?: number;
  cpu?: string;
  note?: string;
}

export interface BenchReport {
  machine: MachineInfo;
  results: ResultRow[];
}

/**
 * Combines repeats of one task: the median of each figure, the max of peak RSS; a failure in
 * any repeat makes the row a failure (missing wins over error: the framework is simply absent).
 */
export function combineRepeats(results: readonly TaskResult[]): TaskResult {
  const failed = results.filter((r): r is Extract<TaskResult, { ok: false }> => !r.ok);
  if (failed.length > 0) return failed.find((r) => r.missing) ?? failed[0]!;
  const ok = results as (Extract<TaskResult, { ok: true }>)[];
  if (ok.length === 1) return ok[0]!;
  const out: Record<string, unknown> = { ok: true };
  for (const key of Object.keys(ok[0]!) as (keyof TaskFigures)[]) {
    const values = ok.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
    if (key === 'note') out.note = ok[0]!.note;
    else if (key === 'peak_rss_mb') out[key] = Math.max(...values);
    else if (values.length === ok.length) out[key] = median(values);
  }
  out.note = [out.note, `median of ${ok.length} runs`].filter(Boolean).join('; ');
  return out as TaskResult;
}

/** Rounds for the JSON file (3 significant-ish decimals; counts stay integers). */
function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const digits = Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 1 ? 3 : 5;
  return Number(x.toFixed(digits));
}

/** The JSON key order: the issue's fields first, in its order, then the additions. */
const KEY_ORDER: readonly (keyof ResultRow)[] = [
  'workload', 'framework', 'threads', 'batch', 'epoch_s', 'samples_per_s', 'gflops', 'peak_rss_mb', 'test_acc', 'latency_ms', 'compile_s',
  'model', 'load_s', 'sgemm_fraction', 'steps', 'steps_per_epoch', 'note', 'missing', 'error',
];

/** The row as written to JSON: undefined fields dropped, figures rounded, keys in KEY_ORDER. */
export function jsonRow(row: ResultRow): ResultRow {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) {
    const v = row[k];
    if (v !== undefined) out[k] = typeof v === 'number' ? round(v) : v;
  }
  return out as unknown as ResultRow;
}

export function toJson(report: BenchReport): string {
  return `${JSON.stringify({ machine: report.machine, results: report.results.map(jsonRow) }, null, 2)}\n`;
}

function fmt(x: number | undefined, digits: number): string {
  return x === undefined ? '' : x.toFixed(digits);
}

/** The markdown table (stdout). */
export function toMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [];
  lines.push(
    `Machine: ${m.cores} cores${m.cpu ? ` (${m.cpu})` : ''}; sgemm 1024³: ${m.sgemm_gflops === undefined ? 'not measured' : `${m.sgemm_gflops.toFixed(1)} GFLOP/s`}${m.sgemm_threads ? ` with ${m.sgemm_threads} threads` : ''}${m.note ? `; ${m.note}` : ''}`,
  );
  lines.push('');
  const header = ['workload', 'framework', 'threads', 'batch', 'epoch s', 'samples/s', 'GFLOP/s', '% sgemm', 'peak RSS MB', 'test acc', 'latency ms', 'compile s', 'warm load s', 'note'];
  lines.push(`| ${header.join(' | ')} |`);
  lines.push(`|${header.map((h, i) => (i < 2 || i === header.length - 1 ? '---' : '---:')).join('|')}|`);
  for (const r of report.results) {
    const workload = r.model ? `${r.workload} (${r.model})` : r.workload;
    const note = r.missing ? `**missing**: ${r.missing}` : r.error ? `**error**: ${r.error}` : (r.note ?? '');
    const cells = [
      workload,
      r.framework,
      String(r.threads),
      r.batch === undefined ? '' : String(r.batch),
      fmt(r.epoch_s, 2),
      fmt(r.samples_per_s, 0),
      fmt(r.gflops, 1),
      r.sgemm_fraction === undefined ? '' : `${(100 * r.sgemm_fraction).toFixed(0)}%`,
      fmt(r.peak_rss_mb, 0),
      fmt(r.test_acc, 4),
      fmt(r.latency_ms, 3),
      fmt(r.compile_s, 3),
      r.load_s === undefined ? '' : (1000 * r.load_s).toFixed(1) + ' ms',
      note.replace(/\|/g, '\\|'),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');
  lines.push(
    'FLOPs per sample: training 6·MACs (forward 2·MACs, backward 4·MACs), inference 2·MACs, MACs of dense and conv layers only; GFLOP/s = FLOPs per sample × samples/s; % sgemm = that / the sgemm ceiling above.',
  );
  return lines.join('\n');
}
