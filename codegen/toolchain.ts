/**
 * Toolchain driver: generated C++ source -> shared library, through a content-addressed cache.
 *
 *   source ──hash(source, flags, compiler, prelude, cpu)──► key
 *            ├─ <cache>/modules/kiln_<key>.so exists ──► cache hit: no compiler run
 *            └─ else: write  kiln_<key>.<pid>.<rand>.tmp.cpp
 *                     g++ ... -o kiln_<key>.<pid>.<rand>.tmp.so
 *                     rename tmp.so ──► kiln_<key>.so          (atomic on one file system)
 *
 * The rename is the only step that makes a library visible, so a process that finds
 * `kiln_<key>.so` always finds a complete file. Two processes compiling the same source at once
 * both compile and both rename; the second rename swaps in an identical file, and a process that
 * already dlopened the first keeps its mapping (the old inode lives on until unmapped).
 *
 * Cache folder: KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else ~/.cache/kiln.
 * KILN_KEEP_SOURCE=1 keeps the source next to its library: <cache>/modules/kiln_<key>.cpp.
 * A failed compile keeps its source and the compiler's output in <cache>/failed/.
 * KILN_CXX picks the compiler (default g++); KILN_BLAS_LIBS the BLAS link flags (default -lopenblas).
 *
 * In front of this cache sits the program cache (program_cache.ts), keyed by the *input* program
 * and `toolchainIdentity`, which maps to a key here without generating the source at all.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runtimeIncludeDir } from '../src/native/paths.js';

/**
 * The flags of every module (DESIGN.md). -fvisibility=hidden exports only what KILN_EXPORT marks
 * (kiln_manifest, kiln_run); -Wl,-z,defs makes an unresolved symbol a link error here rather
 * than a dlopen error later.
 */
export const BASE_FLAGS: readonly string[] = [
  '-O3',
  '-march=native',
  '-fopenmp',
  '-fPIC',
  '-shared',
  '-std=c++17',
  '-fvisibility=hidden',
  '-Wl,-z,defs',
];

export interface CompileOptions {
  /** Cache folder; default `cacheDir()`. */
  cacheDir?: string;
  /** Keep the source next to the library; default KILN_KEEP_SOURCE === '1'. */
  keepSource?: boolean;
  /** The C++ compiler; default KILN_CXX or 'g++'. */
  cxx?: string;
  /** Flags added after BASE_FLAGS (part of the cache key). */
  extraFlags?: readonly string[];
}

export interface CompiledLibrary {
  /** The shared library, ready for `new NativeModule(path)`. */
  libraryPath: string;
  /** The cache key (hex sha256 prefix). */
  key: string;
  /** True when the library came from the cache and no compiler ran. */
  cached: boolean;
  /** Where the source was kept, or null when it was not. */
  sourcePath: string | null;
  /** Milliseconds spent in this call (compiler run included on a miss). */
  ms: number;
}

/** A compiler failure: the message holds the compiler's output; the source is kept for reading. */
export class CompileError extends Error {
  constructor(
    message: string,
    readonly sourcePath: string,
    readonly compilerOutput: string,
  ) {
    super(message);
    this.name = 'CompileError';
  }
}

/** The cache folder: KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else ~/.cache/kiln. */
export function cacheDir(): string {
  if (process.env.KILN_CACHE_DIR) return process.env.KILN_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kiln');
}

/** Where the cache folder setting came from, for messages. */
function cacheDirOrigin(dir: string): string {
  const env = process.env.KILN_CACHE_DIR;
  if (!env) return 'the default cache folder';
  return resolve(dir).startsWith(resolve(env)) ? `KILN_CACHE_DIR=${env}` : 'the cacheDir option';
}

/**
 * Creates folder `dir` (and its missing parents) inside the cache, one level at a time.
 * Why not `mkdirSync(dir, { recursive: true })`: under a folder where mkdir fails with ENOENT
 * although the parent exists (`KILN_CACHE_DIR=/proc/nope`), Node's recursive mkdir retries forever.
 * @throws Error naming the folder, the failure and KILN_CACHE_DIR when it cannot be made or written
 */
export function ensureCacheDir(dir: string): void {
  const fail = (what: string): Error =>
    new Error(`kiln: cannot use the cache folder '${dir}' (${cacheDirOrigin(dir)}): ${what}; set KILN_CACHE_DIR to a writable folder`);
  const missing: string[] = [];
  for (let p = resolve(dir); ; ) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      missing.push(p);
      const parent = dirname(p);
      if (parent === p) break;
      p = parent;
      continue;
    }
    if (!isDir) throw fail(`'${p}' is not a folder`);
    break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Another process may have made it meanwhile.
      if (code === 'EEXIST' && statSync(p, { throwIfNoEntry: false })?.isDirectory()) continue;
      throw fail(`mkdir '${p}' failed (${code ?? (e as Error).message})`);
    }
  }
  try {
    accessSync(dir, fsConstants.W_OK);
  } catch (e) {
    throw fail(`it is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/**
 * Removes a cached library that failed to load (e.g. truncated by a full disk), so the next
 * compile rebuilds it instead of handing out the same broken file; never throws.
 */
export function evictLibrary(libraryPath: string): void {
  try {
    rmSync(libraryPath, { force: true });
  } catch {
    // Another process may be replacing it; the rebuild's rename wins either way.
  }
}

/** BLAS link flags: KILN_BLAS_LIBS split on spaces, else -lopenblas (Debian libopenblas-dev). */
export function blasLibs(): string[] {
  const env = process.env.KILN_BLAS_LIBS;
  return env ? env.split(/\s+/).filter((s) => s !== '') : ['-lopenblas'];
}

const compilerIds = new Map<string, string>();

/** `<cxx> --version`'s first line, memoized per process (one spawn, a few ms). */
export function compilerVersion(cxx: string = defaultCxx()): string {
  let id = compilerIds.get(cxx);
  if (id === undefined) {
    try {
      id = execFileSync(cxx, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
    } catch (e) {
      throw new Error(
        `kiln: cannot run the C++ compiler '${cxx}' (${(e as Error).message.split('\n')[0]}); ` +
          'install g++ (`bash scripts/install.sh`) or set KILN_CXX',
      );
    }
    compilerIds.set(cxx, id);
  }
  return id;
}

const compilerFiles = new Map<string, string | null>();

/**
 * The compiler's identity without running it: the real path, size, mtime and inode of the file
 * `cxx` resolves to on PATH (memoized per process). It changes whenever the installed compiler
 * does (an upgrade replaces the file), so keys that use it in place of `--version` (the program
 * cache, program_cache.ts) miss after an upgrade. Null when `cxx` is not found.
 */
export function compilerFile(cxx: string = defaultCxx()): string | null {
  const memo = `${cxx}\u0000${process.env.PATH ?? ''}`;
  let id = compilerFiles.get(memo);
  if (id !== undefined) return id;
  id = null;
  const candidates = cxx.includes('/') ? [cxx] : (process.env.PATH ?? '').split(delimiter).filter((d) => isAbsolute(d)).map((d) => join(d, cxx));
  for (const c of candidates) {
    try {
      const real = realpathSync(c);
      const st = statSync(real);
      if (!st.isFile()) continue;
      id = `${real}:${st.size}:${st.mtimeMs}:${st.ino}`;
      break;
    } catch {
      // not in this PATH entry
    }
  }
  compilerFiles.set(memo, id);
  return id;
}

let preludeHash: string | undefined;

/** Hash of the prelude header: a changed kiln_module.h must not reuse libraries built against the old one. */
function preludeDigest(): string {
  return (preludeHash ??= createHash('sha256')
    .update(readFileSync(join(runtimeIncludeDir(), 'kiln_module.h')))
    .digest('hex'));
}

function defaultCxx(): string {
  return process.env.KILN_CXX || 'g++';
}

/**
 * Everything besides the source that decides a library (flags, BLAS libs, compiler, prelude,
 * include dir, CPU), for keys computed before any source exists (program_cache.ts). It names the
 * compiler by `compilerFile` rather than `--version`, so it costs no process spawn; null when the
 * compiler is not found (the caller then takes the path that reports that error).
 */
export function toolchainIdentity(options: CompileOptions = {}): string | null {
  const cxx = options.cxx ?? defaultCxx();
  const compiler = compilerFile(cxx);
  if (compiler === null) return null;
  return JSON.stringify({
    flags: [...BASE_FLAGS, ...(options.extraFlags ?? [])],
    libs: blasLibs(),
    cxx,
    compiler,
    include: runtimeIncludeDir(),
    prelude: preludeDigest(),
    cpu: cpus()[0]?.model ?? 'unknown',
    arch: process.arch,
  });
}

/** The cache key `source` gets with these options (what `compileSync` would look up). */
export function libraryKey(source: string, options: CompileOptions = {}): string {
  return plan(source, options).key;
}

/**
 * The cached library of key `key`, or null when it is not in the cache (or the kept source is
 * asked for and missing). Runs no compiler and hashes nothing.
 */
export function cachedLibrary(key: string, options: CompileOptions = {}): CompiledLibrary | null {
  const t0 = performance.now();
  const dir = join(options.cacheDir ?? cacheDir(), 'modules');
  const libraryPath = join(dir, `kiln_${key}.so`);
  const keepSource = options.keepSource ?? process.env.KILN_KEEP_SOURCE === '1';
  const sourcePath = join(dir, `kiln_${key}.cpp`);
  if (!existsSync(libraryPath) || (keepSource && !existsSync(sourcePath))) return null;
  return { libraryPath, key, cached: true, sourcePath: keepSource ? sourcePath : null, ms: performance.now() - t0 };
}

interface Plan {
  cxx: string;
  args: (source: string, output: string) => string[];
  key: string;
  dir: string;
  libraryPath: string;
  keptSourcePath: string;
  keepSource: boolean;
  cacheRoot: string;
}

function plan(source: string, options: CompileOptions): Plan {
  const cxx = options.cxx ?? defaultCxx();
  const flags = [...BASE_FLAGS, ...(options.extraFlags ?? [])];
  const libs = blasLibs();
  const include = runtimeIncludeDir();
  // -march=native makes the binary CPU-specific: the CPU model keeps a cache folder shared across
  // machines (a network home) from handing one machine another's instructions.
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        source,
        flags,
        libs,
        compiler: compilerVersion(cxx),
        cxx,
        prelude: preludeDigest(),
        cpu: cpus()[0]?.model ?? 'unknown',
        arch: process.arch,
      }),
    )
    .digest('hex')
    .slice(0, 40);
  const cacheRoot = options.cacheDir ?? cacheDir();
  const dir = join(cacheRoot, 'modules');
  return {
    cxx,
    args: (src, out) => [...flags, `-I${include}`, '-o', out, src, ...libs],
    key,
    dir,
    libraryPath: join(dir, `kiln_${key}.so`),
    keptSourcePath: join(dir, `kiln_${key}.cpp`),
    keepSource: options.keepSource ?? process.env.KILN_KEEP_SOURCE === '1',
    cacheRoot,
  };
}

/** Writes `text` to `path` atomically (temp file + rename). */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function hit(p: Plan, source: string, t0: number): CompiledLibrary | null {
  if (!existsSync(p.libraryPath)) return null;
  if (p.keepSource && !existsSync(p.keptSourcePath)) writeAtomic(p.keptSourcePath, source);
  return { libraryPath: p.libraryPath, key: p.key, cached: true, sourcePath: p.keepSource ? p.keptSourcePath : null, ms: performance.now() - t0 };
}

interface Attempt {
  tmpSource: string;
  tmpLibrary: string;
}

function begin(p: Plan, source: string): Attempt {
  ensureCacheDir(p.dir);
  const stem = join(p.dir, `kiln_${p.key}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const attempt = { tmpSource: `${stem}.cpp`, tmpLibrary: `${stem}.so` };
  writeFileSync(attempt.tmpSource, source);
  return attempt;
}

function succeed(p: Plan, a: Attempt, t0: number): CompiledLibrary {
  renameSync(a.tmpLibrary, p.libraryPath);
  let sourcePath: string | null = null;
  if (p.keepSource) {
    renameSync(a.tmpSource, p.keptSourcePath);
    sourcePath = p.keptSourcePath;
  } else {
    rmSync(a.tmpSource, { force: true });
  }
  return { libraryPath: p.libraryPath, key: p.key, cached: false, sourcePath, ms: performance.now() - t0 };
}

/** Keeps the failed source (and the compiler's output) in <cache>/failed/ and builds the error. */
function fail(p: Plan, a: Attempt, output: string, exit: string): CompileError {
  rmSync(a.tmpLibrary, { force: true });
  const failedDir = join(p.cacheRoot, 'failed');
  ensureCacheDir(failedDir);
  const sourcePath = join(failedDir, `kiln_${p.key}.cpp`);
  renameSync(a.tmpSource, sourcePath);
  writeAtomic(join(failedDir, `kiln_${p.key}.log`), output);
  // Compiler output for a big generated file can run to megabytes; the head has the first error.
  const MAX_MESSAGE = 8000;
  const shown = output.length > MAX_MESSAGE ? `${output.slice(0, MAX_MESSAGE)}\n... (${output.length - MAX_MESSAGE} more characters in ${sourcePath.replace(/\.cpp$/, '.log')})` : output;
  return new CompileError(
    `kiln: ${p.cxx} failed to compile a generated module (${exit}); source kept at ${sourcePath}\n${shown.trimEnd()}`,
    sourcePath,
    output,
  );
}

function cleanup(a: Attempt): void {
  rmSync(a.tmpSource, { force: true });
  rmSync(a.tmpLibrary, { force: true });
}

function outputOf(e: unknown): { output: string; exit: string } {
  const err = e as { stderr?: string | Buffer; stdout?: string | Buffer; status?: number | null; code?: number | string; signal?: string | null; message?: string };
  const output = `${err.stdout ?? ''}${err.stderr ?? ''}` || (err.message ?? String(e));
  const code = err.status ?? err.code;
  const exit = err.signal ? `killed by ${err.signal}` : code !== undefined && code !== null ? `exit ${code}` : 'failed to start';
  return { output, exit };
}

/** Compiles `source` to a shared library, or returns the cached one. Blocks while the compiler runs. */
export function compileSync(source: string, options: CompileOptions = {}): CompiledLibrary {
  const t0 = performance.now();
  const p = plan(source, options);
  const cached = hit(p, source, t0);
  if (cached) return cached;
  const a = begin(p, source);
  try {
    try {
      execFileSync(p.cxx, p.args(a.tmpSource, a.tmpLibrary), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    } catch (e) {
      const { output, exit } = outputOf(e);
      throw fail(p, a, output, exit);
    }
    return succeed(p, a, t0);
  } finally {
    cleanup(a);
  }
}

/** As `compileSync`, without blocking the event loop while the compiler runs. */
export async function compile(source: string, options: CompileOptions = {}): Promise<CompiledLibrary> {
  const t0 = performance.now();
  const p = plan(source, options);
  const cached = hit(p, source, t0);
  if (cached) return cached;
  const a = begin(p, source);
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(p.cxx, p.args(a.tmpSource, a.tmpLibrary), { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        if (err) {
          try {
            reject(fail(p, a, `${stdout}${stderr}` || err.message, outputOf(err).exit));
          } catch (e) {
            reject(e as Error); // keeping the failed source failed (e.g. a full disk)
          }
        } else {
          resolve();
        }
      });
    });
    return succeed(p, a, t0);
  } finally {
    cleanup(a);
  }
}
