/**
 * From a program to a loaded native executable: the pass pipeline (specialize ... fuse), the
 * schedule, the memory plan and the C++ emitter, then the toolchain (content-addressed cache)
 * and the runtime's module loader.
 *
 * Build flags (`checkNumerics`, `profile`) do not change the generated source: it carries
 * macros that are empty unless the compiler gets `-DKILN_CHECK_NUMERICS` / `-DKILN_PROFILE`
 * (codegen/cpp/prelude.ts), and the flags are part of the toolchain's cache key. With the dump
 * switch on (`dump` option or KILN_DUMP), each build writes what the compiler did into a folder
 * (src/viz/dump.ts).
 */
import type { Tensor } from '../src/graph/graph.js';
import type { Program } from '../src/passes/program.js';
import { optimize } from '../src/passes/pass_manager.js';
import type { FeedShapes } from '../src/passes/specialize.js';
import { NativeModule } from '../src/native/module.js';
import { openDump, type ExecutableDump } from '../src/viz/dump.js';
import { compileSync, type CompiledLibrary } from './toolchain.js';
import { assertReadsBeforeUpdates, schedule, type Schedule } from './schedule.js';
import { emitModule, type GeneratedModule } from './cpp/emit.js';

export interface BuildOptions {
  /** Test every float32 value each kernel writes for NaN/Inf (`-DKILN_CHECK_NUMERICS`). */
  checkNumerics?: boolean;
  /** Time every kernel into an extra last output (`-DKILN_PROFILE`). */
  profile?: boolean;
  /** The dump folder (a string), `false` for none, or undefined for `$KILN_DUMP`. */
  dump?: string | false;
  /** Names the dump folder (default: the first fetch or target and the feed shapes). */
  label?: string;
}

export interface BuildResult {
  generated: GeneratedModule;
  /** `program.fetches[i]` of the input is `generated.outputs[fetchOutput[i]]`. */
  fetchOutput: number[];
  /** The optimized program the kernels were made from (its ops keep names and call sites). */
  program: Program;
  /** The compiler flags beyond the base ones (the build flags), part of the cache key. */
  flags: string[];
  library: CompiledLibrary;
  module: NativeModule;
  /** Where this build was dumped, when the dump switch was on. */
  dumpDir?: string;
  /** Milliseconds: passes + codegen, and the toolchain (compile or cache hit). */
  ms: { passes: number; codegen: number; compile: number; load: number };
}

export interface Generated {
  generated: GeneratedModule;
  fetchOutput: number[];
  program: Program;
  dump: ExecutableDump | undefined;
  passesMs: number;
  codegenMs: number;
}

/** The compiler flags of the build options (sorted, so equal options give equal cache keys). */
export function buildFlags(options: BuildOptions = {}): string[] {
  return [...(options.checkNumerics ? ['-DKILN_CHECK_NUMERICS'] : []), ...(options.profile ? ['-DKILN_PROFILE'] : [])];
}

function defaultLabel(program: Program, feedShapes?: FeedShapes): string {
  const first = program.fetches[0]?.op.name ?? program.targets[0]?.name ?? 'executable';
  const shapes = feedShapes ? [...(feedShapes instanceof Map ? feedShapes.values() : Object.values(feedShapes))].map((s) => (s as number[]).join('x')) : [];
  return [first, ...shapes].join('_');
}

/** Optimizes, schedules and emits `program` (no compiler run); writes the dump when it is on. */
export function generate(program: Program, feedShapes?: FeedShapes, options: BuildOptions = {}): Generated {
  const dump = openDump(options.label ?? defaultLabel(program, feedShapes), options.dump);
  const t0 = performance.now();
  const { program: opt, fused } = optimize(program, { ...(feedShapes ? { feedShapes } : {}), verify: false, ...(dump ? { dump: dump.onPass } : {}) });
  const t1 = performance.now();
  if (dump && fused) dump.fused(fused);
  const unique: Tensor[] = [];
  const fetchOutput = opt.fetches.map((t) => {
    let i = unique.indexOf(t);
    if (i < 0) i = unique.push(t) - 1;
    return i;
  });
  const s = schedule(fused!);
  assertReadsBeforeUpdates(s);
  const generated = emitModule(s, unique);
  const codegenMs = performance.now() - t1;
  if (dump) writeDump(dump, s, generated);
  return { generated, fetchOutput, program: opt, dump, passesMs: t1 - t0, codegenMs };
}

/** Generates, compiles (or finds in the cache) and loads the executable of `program`. */
export function build(program: Program, feedShapes?: FeedShapes, options: BuildOptions = {}): BuildResult {
  const { generated, fetchOutput, program: opt, dump, passesMs, codegenMs } = generate(program, feedShapes, options);
  const flags = buildFlags(options);
  const t0 = performance.now();
  const library = compileSync(generated.source, { extraFlags: flags });
  const t1 = performance.now();
  const module = new NativeModule(library.libraryPath);
  dump?.write('build.json', JSON.stringify({ flags, cacheKey: library.key, cached: library.cached, library: library.libraryPath }, null, 2) + '\n');
  return {
    generated,
    fetchOutput,
    program: opt,
    flags,
    library,
    module,
    ...(dump ? { dumpDir: dump.dir } : {}),
    ms: { passes: passesMs, codegen: codegenMs, compile: t1 - t0, load: performance.now() - t1 },
  };
}

/** The generated source, the memory plan and the schedule, into the executable's dump folder. */
function writeDump(dump: ExecutableDump, s: Schedule, g: GeneratedModule): void {
  dump.write('module.cpp', g.source);
  const plan = {
    arenaPeakBytes: g.plan.peak,
    arenaTotalBytes: g.plan.total,
    inPlace: g.plan.inPlace,
    buffers: g.buffers.map((b) => ({ name: b.name, offset: b.offset, bytes: b.bytes, kernels: [b.first, b.last], ...(b.tensor ? { tensor: b.tensor.toString() } : {}) })),
  };
  dump.write('memory_plan.json', JSON.stringify(plan, null, 2) + '\n');
  const lines = s.kernels.map((k, i) => {
    const ops = k.ops.map((o) => `${o.type} '${o.name}'`).join(', ');
    const ins = k.inputs.map(String).join(', ');
    const outs = k.outputs.map(String).join(', ');
    const writes = k.writes.length ? `\n    writes: ${k.writes.map((v) => `'${v.name}'`).join(', ')}` : '';
    return `${i}: ${k.name} (${k.kind}${k.anchor ? `, anchor ${k.anchor.type}` : ''})\n    ops: ${ops}\n    in: ${ins || '-'}\n    out: ${outs || '-'}${writes}`;
  });
  const snap = s.snapshots.size ? `\nsnapshots (read after their update): ${[...s.snapshots].map((v) => `'${v.name}'`).join(', ')}\n` : '';
  dump.write('schedule.txt', `${s.kernels.length} kernels in execution order\n\n${lines.join('\n')}\n${snap}`);
}
