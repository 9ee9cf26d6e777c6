/**
 * Where kiln's native pieces live on disk. Sources run from `src/native/` (vitest, tsx) and from
 * `dist/src/native/` (compiled), so the package root is found by walking up to kiln's own
 * package.json rather than by a fixed number of `..`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding kiln's package.json (and CMakeLists.txt, runtime/, build/). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'CMakeLists.txt'))) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kiln') return (root = dir);
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`kiln: cannot find kiln's package root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The built addon: `KILN_ADDON_PATH` if set, else `<root>/build/Release/kiln.node` (cmake-js's output). */
export function addonPath(): string {
  return process.env.KILN_ADDON_PATH ?? join(packageRoot(), 'build', 'Release', 'kiln.node');
}

/** The headers generated modules include (`kiln_module.h`). */
export function runtimeIncludeDir(): string {
  return join(packageRoot(), 'runtime', 'include');
}
