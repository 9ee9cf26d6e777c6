/**
 * NativeModule: one compiled kiln module (a shared library built by codegen/toolchain.ts) loaded
 * into the process, with its manifest and a `run` that checks every buffer before the native
 * call. The checks themselves live in the addon (runtime/src/addon.cc) so they cannot be
 * bypassed; this class adds typing, output allocation and state binding.
 */
import { loadAddon, type NativeArray, type RawManifest, type RawNativeModule, type TensorInfo } from './addon.js';
import type { StateStore } from './state.js';

export interface ModuleManifest {
  abiVersion: number;
  inputs: readonly TensorInfo[];
  outputs: readonly TensorInfo[];
  state: readonly TensorInfo[];
  workspaceBytes: number;
  /** The module's free-form metadata (`meta_json`), parsed; null when it has none. */
  meta: Record<string, unknown> | null;
}

export class NativeModule {
  readonly path: string;
  readonly manifest: ModuleManifest;
  private readonly raw: RawNativeModule;
  private boundState: NativeArray[] = [];

  /** dlopens the library at `path`; throws an Error if it is not a valid kiln module. */
  constructor(path: string) {
    const addon = loadAddon();
    this.raw = new addon.NativeModule(path);
    this.path = path;
    this.manifest = parseManifest(this.raw.manifest(), path);
  }

  /**
   * Binds the module's state buffers to `store`'s variables by name (creating missing ones,
   * zeroed), so `run` can be called without a state argument.
   */
  bindState(store: StateStore): this {
    this.boundState = store.ensure(this.manifest.state);
    return this;
  }

  /**
   * Runs the module once. `inputs` and `outputs` are typed arrays in manifest order, passed to
   * native code without copying; `state` defaults to the arrays bound with `bindState`. Throws
   * on a wrong count, type or byte size (before any native code runs), on overlapping written
   * buffers, and when the module reports an error (the Error's `code` is e.g. 'KILN_ERR_NUMERIC').
   */
  run(inputs: readonly NativeArray[], outputs: readonly NativeArray[], state: readonly NativeArray[] = this.boundState): void {
    this.raw.run(inputs, outputs, state);
  }

  /** Fresh output arrays of the manifest's types and sizes. */
  allocOutputs(): NativeArray[] {
    return this.manifest.outputs.map((o) => {
      const n = o.bytes / 4;
      return o.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    });
  }

  /** Unloads the library now instead of at garbage collection; `run` throws afterwards. */
  close(): void {
    this.raw.close();
  }
}

function parseManifest(raw: RawManifest, path: string): ModuleManifest {
  let meta: Record<string, unknown> | null = null;
  if (raw.metaJson !== null && raw.metaJson !== '') {
    try {
      meta = JSON.parse(raw.metaJson) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`kiln: module ${path}: its meta_json is not valid JSON: ${(e as Error).message}`);
    }
  }
  return {
    abiVersion: raw.abiVersion,
    inputs: raw.inputs,
    outputs: raw.outputs,
    state: raw.state,
    workspaceBytes: raw.workspaceBytes,
    meta,
  };
}
