/**
 * From a program to a loaded native executable: the pass pipeline (specialize ... fuse), the
 * schedule, the memory plan and the C++ emitter, then the toolchain (content-addressed cache)
 * and the runtime's module loader.
 */
import type { Tensor } from '../src/graph/graph.js';
import type { Program } from '../src/passes/program.js';
import { optimize } from '../src/passes/pass_manager.js';
import type { FeedShapes } from '../src/passes/specialize.js';
import { NativeModule } from '../src/native/module.js';
import { compileSync, type CompiledLibrary } from './toolchain.js';
import { assertReadsBeforeUpdates, schedule } from './schedule.js';
import { emitModule, type GeneratedModule } from './cpp/emit.js';

export interface BuildResult {
  generated: GeneratedModule;
  /** `program.fetches[i]` of the input is `generated.outputs[fetchOutput[i]]`. */
  fetchOutput: number[];
  library: CompiledLibrary;
  module: NativeModule;
  /** Milliseconds: passes + codegen, and the toolchain (compile or cache hit). */
  ms: { passes: number; codegen: number; compile: number; load: number };
}

/** Optimizes, schedules and emits `program` (no compiler run). */
export function generate(program: Program, feedShapes?: FeedShapes): { generated: GeneratedModule; fetchOutput: number[]; passesMs: number; codegenMs: number } {
  const t0 = performance.now();
  const { program: opt, fused } = optimize(program, { ...(feedShapes ? { feedShapes } : {}), verify: false });
  const t1 = performance.now();
  const unique: Tensor[] = [];
  const fetchOutput = opt.fetches.map((t) => {
    let i = unique.indexOf(t);
    if (i < 0) i = unique.push(t) - 1;
    return i;
  });
  const s = schedule(fused!);
  assertReadsBeforeUpdates(s);
  const generated = emitModule(s, unique);
  return { generated, fetchOutput, passesMs: t1 - t0, codegenMs: performance.now() - t1 };
}

/** Generates, compiles (or finds in the cache) and loads the executable of `program`. */
export function build(program: Program, feedShapes?: FeedShapes): BuildResult {
  const { generated, fetchOutput, passesMs, codegenMs } = generate(program, feedShapes);
  const t0 = performance.now();
  const library = compileSync(generated.source);
  const t1 = performance.now();
  const module = new NativeModule(library.libraryPath);
  return { generated, fetchOutput, library, module, ms: { passes: passesMs, codegen: codegenMs, compile: t1 - t0, load: performance.now() - t1 } };
}
