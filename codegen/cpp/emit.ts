/**
 * The C++ translation unit of one executable: prelude, constants, manifest, and `kiln_run`,
 * which binds every buffer (feeds, fetches, state, arena slices) to a pointer and runs the
 * scheduled kernels in order, each as one block of generated loops or library calls.
 *
 *   inputs  = placeholders fed (manifest order) [+ the run index, when a random op needs it]
 *   outputs = fetched tensors (unique)
 *   state   = variables read or written
 *   arena   = every other value a kernel materializes, placed by memory_plan
 *
 * Each kernel block sits between KILN_PROF_START/STOP and is followed by one KILN_CHECK_FINITE
 * per float32 value it wrote (kernel position and output index only): macros that are empty
 * unless the module is built with -DKILN_PROFILE / -DKILN_CHECK_NUMERICS (prelude.ts).
 */
import type { Operation, Tensor } from '../../src/graph/graph.js';
import type { NDArray } from '../../src/graph/ndarray.js';
import { shapesEqual, sizeOf } from '../../src/graph/shape.js';
import type { DType } from '../../src/graph/dtype.js';
import type { Kernel } from '../../src/passes/fuse.js';
import { planMemory, type BufferRequest, type MemoryPlan } from '../memory_plan.js';
import { lifetimes, type Schedule } from '../schedule.js';
import { CPP_ANCHORS, type StoreEpilogue } from './anchors.js';
import { CPP_ELEMENTWISE, ctype, elemBytes } from './elementwise.js';
import { ExprGen, Scope, indexFromFlat, shapeOf, type ExternalRead } from './expr.js';
import { emitLoop, emitReduction, type KernelEnv, type WriteTarget } from './loops.js';
import { cString, floatLit, intLit, i64 } from './names.js';
import { CPP_PRELUDE } from './prelude.js';

export interface BufferSpec {
  name: string;
  dtype: DType;
  shape: number[];
}

export interface GeneratedModule {
  source: string;
  /** Placeholder names in input order (the run index, when present, is the last input). */
  inputs: BufferSpec[];
  usesRunIndex: boolean;
  /** The fetched tensors (of the optimized program), in output order. */
  outputs: Tensor[];
  /** Variable names in state order. */
  state: BufferSpec[];
  plan: MemoryPlan;
  kernels: number;
  /** The kernels in execution order: `KILN_ERR_NUMERIC` and profile entries index this list. */
  order: readonly Kernel[];
  /** Every arena buffer (for the dump's memory plan): what it holds and where it lives. */
  buffers: readonly ArenaBuffer[];
}

export interface ArenaBuffer {
  name: string;
  bytes: number;
  /** First and last kernel position using it. */
  first: number;
  last: number;
  offset: number;
  /** The tensor it holds; absent for scratch and snapshots. */
  tensor?: Tensor;
}

/**
 * The tensor or variable the numeric check `(kernel, output)` tested: output `j` of a kernel is
 * `kernel.outputs[j]`, and `outputs.length + w` its written variable `kernel.writes[w]`.
 */
export function checkedValue(k: Kernel, output: number): { tensor?: Tensor; variable?: Operation } {
  if (output < k.outputs.length) return { tensor: k.outputs[output]! };
  const v = k.writes[output - k.outputs.length];
  return v ? { variable: v } : {};
}

const RUN_INDEX = 'kiln_run_index';

function abiDtype(d: DType): string {
  return d === 'float32' ? 'KILN_FLOAT32' : 'KILN_INT32';
}

function info(name: string, dtype: DType, shape: readonly number[]): string {
  return `{${cString(name)}, ${abiDtype(dtype)}, ${shape.length}, {${shape.length ? shape.join(', ') : 0}}, ${sizeOf(shape) * 4}}`;
}

function constArray(name: string, v: NDArray): string {
  const data = Array.from(v.data);
  const items = v.dtype === 'float32' ? data.map(floatLit) : v.dtype === 'int32' ? data.map(intLit) : data.map((x) => (x ? '1' : '0'));
  const body = items.length ? items.join(', ') : '0';
  return `alignas(64) static const ${ctype(v.dtype)} ${name}[${Math.max(1, items.length)}] = {${body}};`;
}

export function emitModule(s: Schedule, fetches: readonly Tensor[]): GeneratedModule {
  const { fused } = s;
  const kernelOps = new Set(s.kernels.flatMap((k) => [...k.ops]));
  const fetchIndex = new Map<Tensor, number>();
  fetches.forEach((t, i) => fetchIndex.set(t, i));

  // Inputs, state, constants.
  const placeholders = fused.sources.filter((o) => o.type === 'Placeholder');
  const variables = new Set<Operation>(fused.sources.filter((o) => o.type === 'Variable'));
  for (const k of s.kernels) for (const v of k.writes) variables.add(v);
  const stateOps = [...variables].sort((a, b) => a.id - b.id);
  const usesRunIndex = s.kernels.some((k) => k.kind === 'random' || k.ops.some((o) => o.def.kind === 'random'));
  const inputIndex = new Map(placeholders.map((o, i) => [o, i]));
  const stateIndex = new Map(stateOps.map((o, i) => [o, i]));
  const consts: string[] = [];
  const constName = new Map<Operation, string>();

  // Arena buffers: tensors kernels materialize that are not fetched, plus scratch.
  const life = lifetimes(s);
  const requests: BufferRequest[] = [];
  const bufName = new Map<Tensor, string>();
  const decls: { name: string; type: string; id: number }[] = [];
  const newBuffer = (bytes: number, first: number, last: number, type: string): string => {
    const id = requests.length;
    requests.push({ id, bytes, first, last });
    const name = `b${id}`;
    decls.push({ name, type, id });
    return name;
  };
  const pairs: [number, number][] = [];
  const idOf = (name: string): number => Number(name.slice(1));

  const snapshotName = new Map<Operation, string>();
  const lastReader = new Map<Operation, number>();
  s.kernels.forEach((k, i) => {
    for (const t of k.inputs) if (t.op.type === 'Variable') lastReader.set(t.op, i);
  });
  for (const v of s.snapshots) {
    const t = v.outputs[0]!;
    snapshotName.set(v, newBuffer(sizeOf(t.shape as number[]) * elemBytes(t.dtype), 0, lastReader.get(v) ?? 0, ctype(t.dtype)));
  }
  const writerPos = new Map<Operation, number>();
  s.kernels.forEach((k, i) => k.writes.forEach((v) => writerPos.set(v, i)));

  let current = 0;
  const read = (t: Tensor): ExternalRead => {
    const op = t.op;
    const fi = fetchIndex.get(t);
    if (fi !== undefined && kernelOps.has(op)) return { ptr: `out${fi}`, boolAsInt: t.dtype === 'bool' };
    if (op.type === 'Placeholder') return { ptr: `in${inputIndex.get(op)}`, boolAsInt: t.dtype === 'bool' };
    if (op.type === 'Variable') {
      const snap = snapshotName.get(op);
      if (snap && current > (writerPos.get(op) ?? Infinity)) return { ptr: snap, boolAsInt: false };
      return { ptr: `st${stateIndex.get(op)}`, boolAsInt: t.dtype === 'bool' };
    }
    if (op.type === 'Const') {
      const v = op.attrs['value'] as NDArray;
      if (v.size === 1) {
        const x = v.data[0]!;
        return { ptr: '', boolAsInt: false, literal: v.dtype === 'float32' ? floatLit(x) : v.dtype === 'int32' ? intLit(x) : x ? '((uint8_t)1)' : '((uint8_t)0)' };
      }
      let name = constName.get(op);
      if (!name) {
        name = `c${constName.size}`;
        constName.set(op, name);
        consts.push(constArray(name, v));
      }
      return { ptr: name, boolAsInt: false };
    }
    const b = bufName.get(t);
    if (!b) throw new Error(`codegen: no buffer for ${t} (read by kernel ${current})`);
    return { ptr: b, boolAsInt: false };
  };
  const write = (t: Tensor): WriteTarget => {
    const fi = fetchIndex.get(t);
    if (fi !== undefined) return { ptr: `out${fi}`, boolAsInt: t.dtype === 'bool' };
    let b = bufName.get(t);
    if (!b) {
      const l = life.get(t) ?? { first: current, last: current };
      b = newBuffer(sizeOf(t.shape as number[]) * elemBytes(t.dtype), l.first, l.last, ctype(t.dtype));
      bufName.set(t, b);
    }
    return { ptr: b, boolAsInt: false };
  };

  const body: string[] = [];
  // Fetched sources and snapshots: copied before any kernel runs (start-of-run values).
  fetches.forEach((t, i) => {
    if (kernelOps.has(t.op)) return;
    const n = sizeOf(t.shape as number[]);
    const src = read(t);
    if (src.literal !== undefined) body.push(`out${i}[0] = ${t.dtype === 'bool' ? `(int32_t)${src.literal}` : src.literal};`);
    else if (t.dtype === 'bool' && !src.boolAsInt) body.push(`for (int64_t i = 0; i < ${i64(n)}; ++i) out${i}[i] = (int32_t)${src.ptr}[i];`);
    else if (n) body.push(`memcpy(out${i}, ${src.ptr}, ${i64(n * 4)});`);
  });
  for (const [v, name] of snapshotName) {
    const t = v.outputs[0]!;
    body.push(`memcpy(${name}, st${stateIndex.get(v)}, ${i64(sizeOf(t.shape as number[]) * elemBytes(t.dtype))});`);
  }

  s.kernels.forEach((k, pos) => {
    current = pos;
    const env: KernelEnv = {
      read,
      write,
      state: (v) => `st${stateIndex.get(v)}`,
      scratch: (bytes, type) => newBuffer(bytes, pos, pos, type),
      runIndex: `(uint32_t)in${placeholders.length}[0]`,
      inPlace: (input, output) => {
        const bi = typeof input === 'string' ? input : bufName.get(input);
        const bo = bufName.get(output) ?? (fetchIndex.has(output) ? undefined : write(output).ptr);
        if (bi && bo && bi.startsWith('b') && bo.startsWith('b')) pairs.push([idOf(bi), idOf(bo)]);
      },
    };
    body.push('KILN_PROF_START();');
    body.push(`{  // ${k.name.replace(/[^A-Za-z0-9_]/g, '_')}: ${k.kind}, ${k.ops.length} op${k.ops.length === 1 ? '' : 's'}`);
    body.push(...emitKernel(k, env).map((l) => '  ' + l));
    body.push('}');
    body.push(`KILN_PROF_STOP(${pos});`);
    // checkNumerics (empty unless built with it): the float32 values this kernel wrote.
    k.outputs.forEach((t, j) => {
      if (t.dtype !== 'float32') return;
      const fi = fetchIndex.get(t);
      const ptr = fi !== undefined ? `out${fi}` : bufName.get(t);
      if (ptr) body.push(`KILN_CHECK_FINITE(${ptr}, ${i64(sizeOf(t.shape as number[]))}, ${pos}, ${j});`);
    });
    k.writes.forEach((v, w) => {
      const t = v.outputs[0]!;
      if (t.dtype === 'float32') body.push(`KILN_CHECK_FINITE(st${stateIndex.get(v)}, ${i64(sizeOf(t.shape as number[]))}, ${pos}, ${k.outputs.length + w});`);
    });
  });
  body.push(`KILN_PROF_END_RUN(${s.kernels.length});`);

  const plan = planMemory(requests, pairs);
  const ws = plan.peak;
  const outputs = [...fetches];
  const inputs: BufferSpec[] = placeholders.map((o) => ({ name: o.name, dtype: toAbi(o.outputs[0]!.dtype), shape: [...(o.outputs[0]!.shape as number[])] }));
  const state: BufferSpec[] = stateOps.map((o) => ({ name: o.name, dtype: toAbi(o.outputs[0]!.dtype), shape: [...(o.outputs[0]!.shape as number[])] }));
  const inInfos = [...inputs.map((b) => info(b.name, b.dtype, b.shape)), ...(usesRunIndex ? [info(RUN_INDEX, 'int32', [1])] : [])];
  const outInfos = outputs.map((t, i) => info(`fetch${i}`, toAbi(t.dtype), t.shape as number[]));
  // The profile build's extra output: microseconds per kernel, then the whole run.
  const profInfo = info('kiln_profile', 'float32', [s.kernels.length + 1]);
  const stInfos = state.map((b) => info(b.name, b.dtype, b.shape));
  const arr = (name: string, items: string[]): string => (items.length ? `static const kiln_tensor_info ${name}[] = {\n  ${items.join(',\n  ')}\n};` : '');
  const meta = JSON.stringify({ arenaPeakBytes: plan.peak, arenaTotalBytes: plan.total, kernels: s.kernels.length, inPlace: plan.inPlace.length });

  const bind: string[] = [];
  inputs.forEach((b, i) => bind.push(`const ${b.dtype === 'float32' ? 'float' : 'int32_t'}* in${i} = (const ${b.dtype === 'float32' ? 'float' : 'int32_t'}*)call->inputs[${i}];`));
  if (usesRunIndex) bind.push(`const int32_t* in${inputs.length} = (const int32_t*)call->inputs[${inputs.length}];`);
  outputs.forEach((t, i) => {
    const c = t.dtype === 'float32' ? 'float' : 'int32_t';
    bind.push(`${c}* out${i} = (${c}*)call->outputs[${i}];`);
  });
  stateOps.forEach((o, i) => {
    const c = o.outputs[0]!.dtype === 'float32' ? 'float' : 'int32_t';
    bind.push(`${c}* st${i} = (${c}*)KILN_ASSUME_ALIGNED(call->state[${i}]);`);
  });
  if (decls.length) bind.push('char* ws = (char*)call->workspace;');
  for (const d of decls) bind.push(`${d.type}* ${d.name} = (${d.type}*)(ws + ${plan.offsets.get(d.id)});`);

  const source = [
    '// Generated by kiln (codegen/cpp/emit.ts). Do not edit.',
    '#include "kiln_module.h"',
    CPP_PRELUDE,
    ...consts,
    arr('kiln_inputs_', inInfos),
    outputsArray(outInfos, profInfo),
    arr('kiln_state_', stInfos),
    'static const kiln_module_manifest kiln_manifest_ = {',
    `  KILN_ABI_VERSION, ${inInfos.length}, ${outInfos.length} + KILN_PROFILE_OUTPUTS, ${stInfos.length},`,
    `  ${inInfos.length ? 'kiln_inputs_' : 'NULL'}, KILN_OUTPUTS_PTR_, ${stInfos.length ? 'kiln_state_' : 'NULL'},`,
    `  ${ws}, ${cString(meta)}};`,
    'KILN_DEFINE_MANIFEST(kiln_manifest_)',
    '',
    'static int kiln_impl(const kiln_call* call) {',
    `  KILN_PROF_BEGIN_RUN(${outputs.length});`,
    ...bind.map((l) => '  ' + l),
    ...body.map((l) => '  ' + l),
    '  return KILN_OK;',
    '}',
    'KILN_DEFINE_RUN(kiln_impl)',
    '',
  ].join('\n');
  const tensorOf = new Map([...bufName].map(([t, b]) => [b, t]));
  const buffers: ArenaBuffer[] = decls.map((d) => {
    const r = requests[d.id]!;
    const t = tensorOf.get(d.name);
    return { name: d.name, bytes: r.bytes, first: r.first, last: r.last, offset: plan.offsets.get(d.id)!, ...(t ? { tensor: t } : {}) };
  });
  return { source, inputs, usesRunIndex, outputs, state, plan, kernels: s.kernels.length, order: s.kernels, buffers };
}

/** The outputs' manifest entries; the profile build (-DKILN_PROFILE) adds its timing output last. */
function outputsArray(infos: readonly string[], profile: string): string {
  const lines = infos.length
    ? ['static const kiln_tensor_info kiln_outputs_[] = {', ...infos.map((x) => `  ${x},`), '#ifdef KILN_PROFILE', `  ${profile},`, '#endif', '};', '#define KILN_OUTPUTS_PTR_ kiln_outputs_']
    : ['#ifdef KILN_PROFILE', `static const kiln_tensor_info kiln_outputs_[] = {${profile}};`, '#define KILN_OUTPUTS_PTR_ kiln_outputs_', '#else', '#define KILN_OUTPUTS_PTR_ NULL', '#endif'];
  return lines.join('\n');
}

function toAbi(d: DType): DType {
  return d === 'bool' ? 'int32' : d;
}

/** One kernel's code. */
function emitKernel(k: Kernel, env: KernelEnv): string[] {
  const name = `k${k.id}`;
  switch (k.kind) {
    case 'loop':
    case 'update':
      return emitLoop(name, k.ops, k.domain as number[], k.outputs, env);
    case 'reduction':
      return emitReduction(k, env);
    default: {
      const anchor = k.anchor ?? k.ops[0]!;
      const template = CPP_ANCHORS[anchor.type];
      if (!template) {
        // An op with an element template can still run as a one-op loop (e.g. a lone opaque op).
        return emitLoop(name, k.ops, (k.outputs[0]?.shape ?? k.domain) as number[], k.outputs, env);
      }
      const epilogue = k.ops.filter((o) => o !== anchor);
      // Where the anchor writes: its output buffer, or a scratch the epilogue reads.
      const anchorOut = (i: number): WriteTarget => {
        const t = anchor.outputs[i]!;
        if (k.outputs.includes(t) || epilogue.length === 0) return env.write(t);
        const b = env.scratch(sizeOf(t.shape as number[]) * elemBytes(t.dtype), ctype(t.dtype));
        scratchOf.set(t, b);
        return { ptr: b, boolAsInt: false };
      };
      const scratchOf = new Map<Tensor, string>();
      const storeEpilogue = epilogue.length ? pointwiseEpilogue(k, anchor, epilogue, env, name) : undefined;
      const lines = template({ op: anchor, env, out: anchorOut, id: name, ...(storeEpilogue ? { epilogue: storeEpilogue } : {}) });
      if (epilogue.length === 0 || storeEpilogue?.used) return lines;
      const innerEnv: KernelEnv = {
        ...env,
        read: (t) => {
          const sc = scratchOf.get(t);
          return sc ? { ptr: sc, boolAsInt: false } : env.read(t);
        },
        inPlace: (input, output) => env.inPlace(typeof input === 'string' ? input : scratchOf.get(input) ?? input, output),
      };
      const outs = k.outputs.filter((t) => t.op !== anchor);
      return [...lines, ...emitLoop(`${name}e`, epilogue, k.domain as number[], outs, innerEnv)];
    }
  }
}

/**
 * The epilogue of an anchored kernel as a store-time function, when it is pointwise on the
 * anchor's output 0: every epilogue op has an element template and the domain's shape, and
 * reads the anchor's output and the other epilogue values at the element being stored (other
 * inputs may broadcast, e.g. a bias). Otherwise undefined: the epilogue runs as its own loop.
 */
function pointwiseEpilogue(k: Kernel, anchor: Operation, epilogue: readonly Operation[], env: KernelEnv, name: string): StoreEpilogue | undefined {
  const domain = k.domain as number[];
  const y = anchor.outputs[0]!;
  if (anchor.outputs.length !== 1 || y.dtype !== 'float32' || !shapesEqual(shapeOf(y), domain)) return undefined;
  const members = new Set(epilogue);
  const inside = (t: Tensor): boolean => t === y || members.has(t.op);
  const ok = epilogue.every(
    (o) =>
      CPP_ELEMENTWISE[o.type] !== undefined &&
      o.outputs.every((t) => shapesEqual(shapeOf(t), domain)) &&
      o.inputs.every((t) => !inside(t) || shapesEqual(shapeOf(t), domain)) &&
      o.inputs.every((t) => t.op !== anchor || t === y),
  );
  if (!ok || k.outputs.some((t) => !inside(t) || !shapesEqual(shapeOf(t), domain))) return undefined;
  const gen = new ExprGen(members, (t) => env.read(t), `${name}s`);
  let used = false;
  return {
    get used() {
      return used;
    },
    store(flat, inner, v) {
      used = true;
      const base = indexFromFlat(flat, domain);
      const idx = { flat, multi: [...base.multi.slice(0, -1), inner] };
      gen.rowValues.set(y, v);
      const scope = new Scope();
      const vals = k.outputs.map((t) => (t === y ? v : gen.value(t, idx, scope)));
      return [
        ...scope.lines,
        ...k.outputs.map((t, j) => {
          const w = env.write(t);
          return `${w.ptr}[${flat}] = ${w.boolAsInt ? `(int32_t)(${vals[j]})` : vals[j]};`;
        }),
      ];
    },
  };
}
