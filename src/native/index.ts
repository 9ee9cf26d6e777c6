/** kiln's native runtime from TS: the addon loader, compiled modules and their state. */
export { loadAddon, addonAvailable, type Addon, type NativeArray, type NativeDType, type TensorInfo } from './addon.js';
export { NativeModule, type ModuleManifest } from './module.js';
export { StateStore } from './state.js';
export { packageRoot, addonPath, runtimeIncludeDir } from './paths.js';

import { loadAddon } from './addon.js';

/** Sets the threads used by compiled modules (OpenMP loops and OpenBLAS together). */
export function setNumThreads(n: number): void {
  loadAddon().setNumThreads(n);
}

/** The threads compiled modules use (default: the number of cores, or KILN_NUM_THREADS). */
export function getNumThreads(): number {
  return loadAddon().getNumThreads();
}
