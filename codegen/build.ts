/**
 * From a program to a loaded native executable: the pass pipeline (specialize ... fuse), the
 * schedule, the memory plan and the C++ emitter, then the toolchain (content-addressed cache)
 * and the runtime's module loader.
 *
 *   program ──fingerprint──► program cache record? ──hit──► dlopen + manifest check ─► executable
 *                                     │ miss / stale
 *                                     ▼
 *           passes ─► schedule ─► emit C++ ─► toolchain (cache or g++) ─► dlopen ─► executable
 *                                                                  └─► write the record
 *
 * The program cache (program_cache.ts) makes a warm build in a new process cost a fingerprint
 * and a dlopen: no passes, no C++ generation, no compiler run. What only the generated code
 * holds (the kernel order for the profiler and the NaN/Inf localization, the optimized program,
 * the source) is generated on first access to `generated` or `program`, and checked against
 * the loaded library. Dumps (`dump` / KILN_DUMP) always take the full path, so they show what
 * the compiler did; KILN_PROGRAM_CACHE=0 turns the program cache off.
 *
 * Build flags (`checkNumerics`, `profile`) do not change the generated source: it carries
 * macros that are empty unless the compiler gets `-DKILN_CHECK_NUMERICS` / `-DKILN_PROFILE`
 * (codegen/cpp/prelude.ts), and the flags are part of both cache keys. With the dump switch on
 * (`dump` option or KILN_DUMP), each build writes what the compiler did into a folder
 * (src/viz/dump.ts).
 */
import type { Tensor } from '../src/graph/graph.js';
import type { Program } from '../src/passes/program.js';
import { optimize } from '../src/passes/pass_manager.js';
import type { FeedShapes } from '../src/passes/specialize.js';
import { NativeModule } from '../src/native/module.js';
import { dumpDir, openDump, type ExecutableDump } from '../src/viz/dump.js';
import { cachedLibrary, compileSync, evictLibrary, libraryKey, toolchainIdentity, type CompiledLibrary } from './toolchain.js';
import { assertReadsBeforeUpdates, schedule, type Schedule } from './schedule.js';
import { emitModule, type GeneratedModule } from './cpp/emit.js';
import {
  dropRecord,
  manifestMismatch,
  manifestSummary,
  programFingerprint,
  readRecord,
  RECORD_FORMAT,
  recordPath,
  writeRecord,
  type ExecutableInfo,
  type ProgramRecord,
} from './program_cache.js';

export type { ExecutableInfo } from './program_cache.js';

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
  /**
   * The generated module. After a program-cache hit it is generated on first access (passes and
   * codegen run then, once), so code on the run path reads `info` instead.
   */
  readonly generated: GeneratedModule;
  /** `program.fetches[i]` of the input is `generated.outputs[fetchOutput[i]]` (= `info.fetchOutput`). */
  fetchOutput: number[];
  /** The optimized program the kernels were made from (its ops keep names and call sites); lazy as `generated`. */
  readonly program: Program;
  /** The compiler flags beyond the base ones (the build flags), part of the cache key. */
  flags: string[];
  library: CompiledLibrary;
  module: NativeModule;
  /** What a session needs to bind and run the module (the program cache keeps it). */
  info: ExecutableInfo;
  /**
   * The program cache: 'hit' (no passes, no codegen), 'miss' (no record, or its library is gone),
   * 'stale' (a record that was unreadable or disagreed with its library: removed, rebuilt),
   * 'off' (dumping, KILN_PROGRAM_CACHE=0, or a program with an attr the fingerprint cannot hash).
   */
  programCache: 'hit' | 'miss' | 'stale' | 'off';
  /** The program fingerprint (its record is program_cache.ts `recordPath`); null when the cache was off. */
  fingerprint: string | null;
  /** Where this build was dumped, when the dump switch was on. */
  dumpDir?: string;
  /**
   * Milliseconds: the fingerprint and record lookup, passes, codegen, the toolchain (compile or
   * cache hit), and dlopen with the manifest check. A program-cache hit has passes = codegen = 0.
   */
  ms: { fingerprint: number; passes: number; codegen: number; compile: number; load: number };
}

/** How many times `generate` ran in this process (tests: a program-cache hit must not move it). */
export const buildCounters = { generate: 0 };

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
  buildCounters.generate++;
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

/**
 * Loads the executable of `program` from the program cache, or generates, compiles (or finds in
 * the toolchain's cache) and loads it.
 */
export function build(program: Program, feedShapes?: FeedShapes, options: BuildOptions = {}): BuildResult {
  const flags = buildFlags(options);
  const t0 = performance.now();
  let fp: string | null = null;
  let programCache: BuildResult['programCache'] = 'off';
  if (!dumpDir(options.dump) && process.env.KILN_PROGRAM_CACHE !== '0') {
    const toolchain = toolchainIdentity({ extraFlags: flags });
    fp = toolchain === null ? null : programFingerprint(program, feedShapes, flags, toolchain);
  }
  if (fp !== null) {
    const found = readRecord(fp);
    programCache = found === 'invalid' ? 'stale' : 'miss';
    if (typeof found === 'object') {
      const t1 = performance.now();
      const library = cachedLibrary(found.key, { extraFlags: flags });
      const t2 = performance.now();
      if (library) {
        const loaded = loadChecked(library.libraryPath, found, flags);
        if (loaded) {
          const ms = { fingerprint: t1 - t0, passes: 0, codegen: 0, compile: t2 - t1, load: performance.now() - t2 };
          return fromRecord(program, feedShapes, options, fp, found, flags, library, loaded, ms);
        }
        dropRecord(fp);
        programCache = 'stale';
      }
    }
  }
  const tf = performance.now();
  const { generated, fetchOutput, program: opt, dump, passesMs, codegenMs } = generate(program, feedShapes, options);
  const tc = performance.now();
  const { library, module } = compileAndLoad(generated.source, flags, fp);
  const tl = performance.now();
  const info = executableInfo(generated, fetchOutput, module);
  const load = performance.now() - tl;
  if (fp !== null) {
    try {
      writeRecord({ format: RECORD_FORMAT, fingerprint: fp, key: library.key, manifest: manifestSummary(module.manifest), info });
    } catch {
      // A cache folder that takes libraries but not records only costs the next build its speed.
    }
  }
  dump?.write('build.json', JSON.stringify({ flags, cacheKey: library.key, cached: library.cached, library: library.libraryPath }, null, 2) + '\n');
  return {
    generated,
    fetchOutput,
    program: opt,
    flags,
    library,
    module,
    info,
    programCache,
    fingerprint: fp,
    ...(dump ? { dumpDir: dump.dir } : {}),
    ms: { fingerprint: tf - t0, passes: passesMs, codegen: codegenMs, compile: tl - tc, load },
  };
}

/**
 * Compiles (or finds in the cache) and dlopens. A *cached* library that does not load (cut
 * short by a full disk, say: 'file too short') would fail every later run the same way, so it is
 * removed, with the program-cache record `fp` that may point at it, and built once more.
 */
function compileAndLoad(source: string, flags: string[], fp: string | null): { library: CompiledLibrary; module: NativeModule } {
  const library = compileSync(source, { extraFlags: flags });
  try {
    return { library, module: new NativeModule(library.libraryPath) };
  } catch (e) {
    if (!library.cached) throw e;
    evictLibrary(library.libraryPath);
    if (fp !== null) dropRecord(fp);
    const rebuilt = compileSync(source, { extraFlags: flags });
    try {
      return { library: rebuilt, module: new NativeModule(rebuilt.libraryPath) };
    } catch (e2) {
      throw new Error(
        `kiln: the cached library ${library.libraryPath} failed to load (${(e as Error).message}); it was removed and rebuilt, and the rebuilt one failed too: ${(e2 as Error).message}`,
      );
    }
  }
}

/** The session's view of a generated module (what the program cache stores). */
export function executableInfo(g: GeneratedModule, fetchOutput: readonly number[], module: NativeModule): ExecutableInfo {
  const spec = (b: { name: string; dtype: ExecutableInfo['inputs'][number]['dtype']; shape: readonly (number | null)[] }) => ({ name: b.name, dtype: b.dtype, shape: b.shape.map(Number) });
  const order = g.order;
  const firstUpdate = order.findIndex((k) => k.writes.length > 0);
  return {
    inputs: g.inputs.map(spec),
    usesRunIndex: g.usesRunIndex,
    outputs: g.outputs.map((t, i) => spec({ name: module.manifest.outputs[i]!.name, dtype: t.dtype, shape: t.shape })),
    state: g.state.map(spec),
    fetchOutput: [...fetchOutput],
    kernels: g.kernels,
    written: [...new Set(order.flatMap((k) => k.writes.map((v) => v.name)))],
    readsAfterUpdate: firstUpdate >= 0 && order.some((k, i) => i > firstUpdate && k.writes.length === 0),
  };
}

/** dlopens the record's library and checks it against the record; null (nothing loaded) when it does not fit. */
function loadChecked(path: string, record: ProgramRecord, flags: readonly string[]): NativeModule | null {
  let module: NativeModule;
  try {
    module = new NativeModule(path);
  } catch {
    return null; // not a loadable kiln module: the full build finds out and says why
  }
  if (manifestMismatch(module.manifest, record, flags.includes('-DKILN_PROFILE')) === null) return module;
  module.close();
  return null;
}

/**
 * The BuildResult of a program-cache hit. `generated` and `program` are made on first access by
 * the normal pipeline and checked against the record: the same library key when the graph has
 * not grown since (new ops can rename what the passes add, and only that), else the same
 * executable info. A mismatch means the fingerprint missed something: the record is removed and
 * the access throws rather than hand out kernels of another executable.
 */
function fromRecord(
  program: Program,
  feedShapes: FeedShapes | undefined,
  options: BuildOptions,
  fp: string,
  record: ProgramRecord,
  flags: string[],
  library: CompiledLibrary,
  module: NativeModule,
  ms: BuildResult['ms'],
): BuildResult {
  const opsAtBuild = program.graph.ops.length;
  let gen: Generated | undefined;
  const regenerate = (): Generated => {
    if (gen) return gen;
    const g = generate(program, feedShapes, { ...options, dump: false });
    const sameKey = program.graph.ops.length !== opsAtBuild || libraryKey(g.generated.source, { extraFlags: flags }) === record.key;
    const sameInfo = JSON.stringify(executableInfo(g.generated, g.fetchOutput, module)) === JSON.stringify(record.info);
    if (!sameKey || !sameInfo) {
      dropRecord(fp);
      throw new Error(
        `kiln: the program cache record ${recordPath(fp)} does not describe this program (its generated code ` +
          `${sameKey ? 'binds other buffers' : 'has another library key'}); the record was removed, so the next build regenerates it`,
      );
    }
    return (gen = g);
  };
  const result: Omit<BuildResult, 'generated' | 'program'> = {
    fetchOutput: [...record.info.fetchOutput],
    flags,
    library,
    module,
    info: record.info,
    programCache: 'hit',
    fingerprint: fp,
    ms,
  };
  return Object.defineProperties(result, {
    generated: { get: () => regenerate().generated, enumerable: true },
    program: { get: () => regenerate().program, enumerable: true },
  }) as BuildResult;
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
