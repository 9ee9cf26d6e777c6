/**
 * Atomic file writes: write a temp file beside the target, then rename it over the target, so a
 * reader (a browser refreshing a plot, TensorBoard, another process) never sees half a file.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

let counter = 0;

/** Writes `data` to `path` through a temp file and a rename; creates the folder if needed. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  // pid + counter: two writers in one folder (two processes, or two callbacks) never share a temp file.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
