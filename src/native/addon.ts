/**
 * Loads kiln's Node addon (runtime/src/addon.cc, built by cmake-js) and types its exports.
 * Everything native goes through `loadAddon()`, so a missing build fails with one clear message.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { addonPath } from './paths.js';

/** Buffer dtypes of the C ABI, as the addon reports them. */
export type NativeDType = 'float32' | 'int32';

/** One buffer of a module's manifest (runtime/include/kiln_module.h: kiln_tensor_info). */
export interface TensorInfo {
  name: string;
  dtype: NativeDType;
  shape: number[];
  bytes: number;
}

/** A module's manifest as the addon returns it (kiln_module_manifest). */
export interface RawManifest {
  abiVersion: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  state: TensorInfo[];
  workspaceBytes: number;
  metaJson: string | null;
}

/** A typed array kiln passes to native code without copying. */
export type NativeArray = Float32Array | Int32Array;

export interface RawNativeModule {
  readonly path: string;
  manifest(): RawManifest;
  run(inputs: readonly NativeArray[], outputs: readonly NativeArray[], state: readonly NativeArray[]): void;
  close(): void;
}

export interface Addon {
  /** KILN_ABI_VERSION of the runtime; modules compiled for another version are refused. */
  readonly abiVersion: number;
  /** KILN_ALIGN: the alignment in bytes of state and workspace memory. */
  readonly alignment: number;
  /** Zeroed, `alignment`-aligned native memory, freed when the ArrayBuffer is collected. */
  allocAligned(bytes: number): ArrayBuffer;
  /** Threads for OpenMP loops and OpenBLAS together (default: cores, or KILN_NUM_THREADS). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** dst row r = src row indices[start + r] for r < n (one memcpy per row); indices checked first. */
  gatherRows(src: ArrayBufferView, rowSize: number, indices: Int32Array, start: number, n: number, dst: ArrayBufferView): void;
  NativeModule: new (path: string) => RawNativeModule;
}

let cached: Addon | undefined;

/** The addon, loaded once from `addonPath()`. Throws an Error saying how to build it when missing. */
export function loadAddon(): Addon {
  return (cached ??= loadAddonFrom(addonPath()));
}

/** Loads the addon at `path` (uncached; `loadAddon` is the normal entry). */
export function loadAddonFrom(path: string): Addon {
  if (!existsSync(path)) {
    throw new Error(
      `kiln: the native addon is not built (no ${path}); run \`npm install\` ` +
        '(needs g++, cmake and libopenblas-dev: `bash scripts/install.sh` installs them), ' +
        'or `npm run build:addon` to rebuild it',
    );
  }
  const require = createRequire(import.meta.url);
  try {
    threadEnvironment();
    return require(path) as Addon;
  } catch (e) {
    throw new Error(`kiln: cannot load the native addon ${path}: ${(e as Error).message}; rebuild it with \`npm run build:addon\``, {
      cause: e,
    });
  }
}

/**
 * Thread-pool settings read once, when the addon loads libgomp and OpenBLAS, so they are set in
 * the environment just before (a user's own setting wins).
 *
 * OMP_WAIT_POLICY=PASSIVE: an executable alternates OpenMP loops with cblas_sgemm calls, which
 * run on OpenBLAS's own pthreads. libgomp's default lets idle workers spin for a while after each
 * parallel region, taking the cores OpenBLAS's threads need for the next sgemm (and OpenBLAS's
 * idle threads do the same to the next OpenMP loop). Passive workers sleep at once; a parallel
 * region then costs a futex wake-up (microseconds), which the PARALLEL_MIN_ELEMENTS threshold in
 * codegen/cpp/loops.ts already keeps small. Measured on 2 cores (bench/PERF_NOTES.md): mlp_wide
 * step 128 ms -> 30 ms, cnn step 770 ms -> 26 ms.
 */
function threadEnvironment(): void {
  process.env['OMP_WAIT_POLICY'] ??= 'PASSIVE';
}

/** Whether the addon is built and loads, for tests and backends that fall back to the interpreter. */
export function addonAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}
