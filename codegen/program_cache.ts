/**
 * The program cache: a second cache level, in front of the toolchain's, that lets a warm build
 * skip the passes and C++ generation (and the compiler's `--version` run) altogether.
 *
 *   program + feed shapes + build flags ──fingerprint──► <cache>/modules/program_<fp>.json
 *   + kiln's code + toolchain identity                      { key: library key, manifest, info }
 *
 *   hit:   dlopen kiln_<key>.so, check its manifest against the record ──► executable
 *   miss, or a record that is unreadable, malformed, names a missing library or disagrees with
 *   the loaded manifest ──► the full build (passes, codegen, toolchain), which writes the record
 *
 * The fingerprint must change whenever the generated source could, so it hashes everything the
 * passes and emitters read, conservatively:
 *   - every live op (the ops the fetches and targets reach, as the passes see them) in id order:
 *     id, type, name, role, inputs, control inputs, attrs (constant values byte for byte), the
 *     static shape and dtype of each output; the fetches and targets; the graph seed; and the
 *     names of *all* ops of the graph (`rewrite` avoids them when it names new ops);
 *   - the feed shapes (in order), the build flags;
 *   - kiln's own code: path, size and mtime of every file under src/ and codegen/ and of
 *     package.json (a stat walk: about 2 ms, far less than reading and hashing the files; a
 *     rebuild that rewrites identical files is a miss, which only costs one full build);
 *   - the toolchain: flags, BLAS libs, the compiler file (path, size, mtime, inode), the prelude
 *     header's hash, the include dir, CPU model and arch (toolchain.ts `toolchainIdentity`).
 * One exception: a Variable's initial value (`init`) is left out. Generated code never reads it
 * (variables are state the session fills at run time, and stateful ops are never folded), and a
 * model's weights can be megabytes; test/native/program_cache.test.ts checks that the source
 * does not change with it. An attr of a kind the hasher does not know (a function, a class
 * instance other than NDArray) makes the program unfingerprintable: the build takes the full
 * path and writes no record.
 *
 * Records are written atomically (temp file + rename), like the libraries, so a concurrent
 * reader sees a whole record or none.
 */
import { createHash, type Hash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Operation } from '../src/graph/graph.js';
import { NDArray } from '../src/graph/ndarray.js';
import type { DType } from '../src/graph/dtype.js';
import { liveOps, type Program } from '../src/passes/program.js';
import type { FeedShapes } from '../src/passes/specialize.js';
import type { TensorInfo } from '../src/native/addon.js';
import type { ModuleManifest } from '../src/native/module.js';
import { packageRoot } from '../src/native/paths.js';
import type { BufferSpec } from './cpp/emit.js';
import { cacheDir, ensureCacheDir, writeAtomic } from './toolchain.js';

/** Bump when the record's layout or the fingerprint's contents change. */
export const RECORD_FORMAT = 1;

/** What a session needs of an executable beyond its loaded module, without the generated code. */
export interface ExecutableInfo {
  /** Placeholder inputs in manifest order (ABI dtypes; the run index, when used, follows them). */
  inputs: BufferSpec[];
  usesRunIndex: boolean;
  /** The fetched values in output order, with the graph's dtype (a bool output travels as int32). */
  outputs: BufferSpec[];
  /** Variables in state order (ABI dtypes). */
  state: BufferSpec[];
  /** `program.fetches[i]` of the input is `outputs[fetchOutput[i]]`. */
  fetchOutput: number[];
  /** Number of kernels (the profile output has one entry per kernel, plus the whole run). */
  kernels: number;
  /** The variables some kernel updates. */
  written: string[];
  /** Some kernel that is not an update runs after an update kernel (it reads an Assign's value). */
  readsAfterUpdate: boolean;
}

/** The record kept per fingerprint. */
export interface ProgramRecord {
  format: number;
  fingerprint: string;
  /** The toolchain cache key of the library (kiln_<key>.so). */
  key: string;
  /** The library's manifest as loaded when the record was written. */
  manifest: Pick<ModuleManifest, 'abiVersion' | 'inputs' | 'outputs' | 'state' | 'workspaceBytes' | 'meta'>;
  info: ExecutableInfo;
}

class Unfingerprintable extends Error {}

/**
 * Hash input with type tags and length prefixes, so that no two different values write the same
 * bytes. Text is gathered into one string and hashed in one update (many small updates cost
 * more than the hashing itself); array bytes go to the hash directly.
 */
class Writer {
  private text = '';
  constructor(private readonly h: Hash) {}
  tag(t: string): void {
    this.text += t;
  }
  str(s: string): void {
    this.text += `s${s.length}:${s};`;
  }
  num(n: number): void {
    this.text += `d${Object.is(n, -0) ? '-0' : String(n)};`;
  }
  bytes(v: ArrayBufferView): void {
    this.text += `${v.constructor.name}${v.byteLength}:`;
    this.h.update(this.text);
    this.text = '';
    this.h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  digest(): string {
    return this.h.update(this.text).digest('hex');
  }
  value(v: unknown): void {
    if (v === undefined) return this.tag('u;');
    if (v === null) return this.tag('n;');
    switch (typeof v) {
      case 'boolean':
        return this.tag(v ? 'T;' : 'F;');
      case 'number':
        return this.num(v);
      case 'bigint':
        return this.tag(`i${v};`);
      case 'string':
        return this.str(v);
      case 'object':
        break;
      default:
        throw new Unfingerprintable(typeof v);
    }
    if (Array.isArray(v)) {
      this.tag(`a${v.length}[`);
      for (const x of v) this.value(x);
      return this.tag(']');
    }
    if (v instanceof NDArray) {
      this.tag('N');
      this.str(v.dtype);
      this.value(v.shape);
      return this.bytes(v.data);
    }
    if (ArrayBuffer.isView(v)) return this.bytes(v);
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new Unfingerprintable('a class instance');
    const keys = Object.keys(v).sort();
    this.tag(`o${keys.length}{`);
    for (const k of keys) {
      this.str(k);
      this.value((v as Record<string, unknown>)[k]);
    }
    this.tag('}');
  }
}

/** Variable attrs without the initial value (see the design note). */
function fingerprintAttrs(op: Operation): Record<string, unknown> {
  if (op.type !== 'Variable') return op.attrs;
  const { init: _init, ...rest } = op.attrs;
  return rest;
}

let stamp: string | undefined;

/**
 * kiln's code as the fingerprint sees it: (path, size, mtime) of every file under the `src/` and
 * `codegen/` folders this code runs from (the sources under vitest, dist/ when compiled; source
 * maps and .d.ts files aside) and of package.json; memoized per process. Plain `readdirSync` and
 * one `statSync` per entry: Dirent objects and path.join cost three times as much here.
 */
export function codeStamp(): string {
  if (stamp !== undefined) return stamp;
  let text = '';
  const add = (path: string, st: { size: number; mtimeMs: number }): void => void (text += `${path}:${st.size}:${st.mtimeMs};`);
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.map') || name.endsWith('.d.ts')) continue;
      const path = `${dir}/${name}`;
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else add(path, st);
    }
  };
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  walk(join(root, 'src'));
  walk(join(root, 'codegen'));
  const pkg = join(packageRoot(), 'package.json');
  add(pkg, statSync(pkg));
  return (stamp = createHash('sha256').update(text).digest('hex'));
}

/**
 * The fingerprint of building `program` for `feedShapes` with compiler flags `flags` against
 * `toolchain` (toolchain.ts `toolchainIdentity`), or null when some attr cannot be hashed.
 */
export function programFingerprint(program: Program, feedShapes: FeedShapes | undefined, flags: readonly string[], toolchain: string): string | null {
  const w = new Writer(createHash('sha256'));
  try {
    w.tag(`kiln-program-${RECORD_FORMAT};`);
    w.str(codeStamp());
    w.str(toolchain);
    w.value([...flags]);
    const graph = program.graph;
    w.value(graph.seed);
    w.tag(`names${graph.ops.length}:`);
    for (const op of graph.ops) w.str(op.name);
    const live = liveOps(program);
    w.tag(`ops${live.length}:`);
    for (const op of live) {
      w.tag(`op${op.id}`);
      w.str(op.type);
      w.str(op.name);
      w.str(op.role);
      w.tag(`in${op.inputs.length}:`);
      for (const t of op.inputs) w.tag(`${t.op.id}.${t.index},`);
      w.tag(`ctl${op.controlInputs.length}:`);
      for (const c of op.controlInputs) w.tag(`${c.id},`);
      w.value(fingerprintAttrs(op));
      w.tag(`out${op.outputs.length}:`);
      for (const t of op.outputs) {
        w.str(t.dtype);
        w.value(t.shape);
      }
    }
    w.tag(`fetches${program.fetches.length}:`);
    for (const t of program.fetches) w.tag(`${t.op.id}.${t.index},`);
    w.tag(`targets${program.targets.length}:`);
    for (const o of program.targets) w.tag(`${o.id},`);
    const feeds = feedShapes ? [...(feedShapes instanceof Map ? feedShapes.entries() : Object.entries(feedShapes))] : [];
    w.tag(`feeds${feeds.length}:`);
    for (const [name, shape] of feeds) {
      w.str(name as string);
      w.value(shape);
    }
  } catch (e) {
    if (e instanceof Unfingerprintable) return null;
    throw e;
  }
  return w.digest().slice(0, 40);
}

/** Where the record of fingerprint `fp` lives (next to the libraries). */
export function recordPath(fp: string, root: string = cacheDir()): string {
  return join(root, 'modules', `program_${fp}.json`);
}

/**
 * The record of `fp`: 'missing' when there is none, 'invalid' when it cannot be read or does not
 * have the record's form (it is then removed, and the full build writes it again).
 */
export function readRecord(fp: string, root?: string): ProgramRecord | 'missing' | 'invalid' {
  const path = recordPath(fp, root);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 'missing';
  }
  try {
    const r = JSON.parse(text) as ProgramRecord;
    if (isRecord(r, fp)) return r;
  } catch {
    // not JSON: a corrupt record
  }
  dropRecord(fp, root);
  return 'invalid';
}

export function writeRecord(record: ProgramRecord, root?: string): void {
  const path = recordPath(record.fingerprint, root);
  ensureCacheDir(dirname(path));
  writeAtomic(path, JSON.stringify(record) + '\n');
}

/** Removes the record of `fp` (a stale one); never throws. */
export function dropRecord(fp: string, root?: string): void {
  try {
    rmSync(recordPath(fp, root), { force: true });
  } catch {
    // another process may be replacing it; the next full build rewrites it anyway
  }
}

/** The manifest fields a record keeps, in a fixed form for comparison. */
export function manifestSummary(m: ModuleManifest): ProgramRecord['manifest'] {
  const infos = (xs: readonly TensorInfo[]): TensorInfo[] => xs.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape], bytes: t.bytes }));
  return { abiVersion: m.abiVersion, inputs: infos(m.inputs), outputs: infos(m.outputs), state: infos(m.state), workspaceBytes: m.workspaceBytes, meta: m.meta };
}

/**
 * Why the loaded module cannot serve `record` (null when it can): its manifest must equal the
 * one the record was written from, and the record's info must agree with that manifest buffer
 * by buffer (names, dtypes, shapes, bytes), so that neither a swapped library nor an edited
 * record reaches a run.
 */
export function manifestMismatch(m: ModuleManifest, record: ProgramRecord, profile: boolean): string | null {
  if (JSON.stringify(manifestSummary(m)) !== JSON.stringify(record.manifest)) return 'the library manifest differs from the record';
  const { info } = record;
  const same = (t: TensorInfo | undefined, b: BufferSpec, dtype: DType): boolean =>
    t !== undefined && t.dtype === dtype && t.shape.length === b.shape.length && t.shape.every((d, i) => d === b.shape[i]) && t.bytes === b.shape.reduce((a, d) => a * d, 1) * 4;
  if (m.inputs.length !== info.inputs.length + (info.usesRunIndex ? 1 : 0)) return 'input count';
  if (!info.inputs.every((b, i) => m.inputs[i]!.name === b.name && same(m.inputs[i], b, b.dtype))) return 'inputs';
  if (m.outputs.length !== info.outputs.length + (profile ? 1 : 0)) return 'output count';
  if (!info.outputs.every((b, i) => same(m.outputs[i], b, b.dtype === 'bool' ? 'int32' : b.dtype))) return 'outputs';
  if (profile && m.outputs[info.outputs.length]!.bytes !== (info.kernels + 1) * 4) return 'profile output';
  if (m.state.length !== info.state.length || !info.state.every((b, i) => m.state[i]!.name === b.name && same(m.state[i], b, b.dtype))) return 'state';
  const stateNames = new Set(info.state.map((b) => b.name));
  if (!info.written.every((n) => stateNames.has(n))) return 'written variables';
  if (!info.fetchOutput.every((i) => i >= 0 && i < info.outputs.length)) return 'fetch outputs';
  if (m.meta && typeof m.meta.kernels === 'number' && m.meta.kernels !== info.kernels) return 'kernel count';
  return null;
}

function isSpec(b: unknown): b is BufferSpec {
  const s = b as BufferSpec;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.dtype === 'string' && Array.isArray(s.shape) && s.shape.every((d) => Number.isInteger(d) && d >= 0);
}

function isInfo(x: unknown): x is TensorInfo {
  const t = x as TensorInfo;
  return isSpec(t) && Number.isInteger(t.bytes);
}

function isRecord(r: ProgramRecord, fp: string): boolean {
  if (typeof r !== 'object' || r === null || r.format !== RECORD_FORMAT || r.fingerprint !== fp || typeof r.key !== 'string' || !/^[0-9a-f]{40}$/.test(r.key)) return false;
  const m = r.manifest;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.inputs) || !Array.isArray(m.outputs) || !Array.isArray(m.state)) return false;
  if (![...m.inputs, ...m.outputs, ...m.state].every(isInfo)) return false;
  const i = r.info;
  if (typeof i !== 'object' || i === null) return false;
  if (![i.inputs, i.outputs, i.state].every((xs) => Array.isArray(xs) && xs.every(isSpec))) return false;
  if (typeof i.usesRunIndex !== 'boolean' || typeof i.readsAfterUpdate !== 'boolean' || !Number.isInteger(i.kernels)) return false;
  if (!Array.isArray(i.fetchOutput) || !i.fetchOutput.every(Number.isInteger)) return false;
  return Array.isArray(i.written) && i.written.every((n) => typeof n === 'string');
}

