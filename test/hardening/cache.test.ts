/**
 * The compiled-library cache survives a corrupt library (a `.so` cut short, as by a full disk):
 * the build removes it and compiles once more instead of failing every run with
 * "dlopen failed: file too short". A cache folder that cannot be made is a clear error, not a hang.
 */
import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { build, buildFlags, generate } from '../../codegen/build.js';
import { compileSync, ensureCacheDir } from '../../codegen/toolchain.js';
import { readRecord } from '../../codegen/program_cache.js';
import { NativeModule } from '../../src/native/module.js';

let dir: string;
let saved: string | undefined;

beforeEach(() => {
  saved = process.env.KILN_CACHE_DIR;
  dir = mkdtempSync(join(tmpdir(), 'kiln-cache-test-'));
  process.env.KILN_CACHE_DIR = dir;
});

afterEach(() => {
  if (saved === undefined) delete process.env.KILN_CACHE_DIR;
  else process.env.KILN_CACHE_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

function program() {
  const g = new kiln.Graph();
  const x = g.asDefault(() => kiln.placeholder('float32', [null, 3], 'x'));
  const y = g.asDefault(() => kiln.add(kiln.mul(x, 3), 0.25));
  return { program: kiln.passes.makeProgram([y], []), feedShapes: new Map([['x', [2, 3]]]) };
}

describe('corrupt cached library', () => {
  it('a truncated cached library is removed and rebuilt once', () => {
    const { program: p, feedShapes } = program();
    // Compile without loading (a loaded library must not be truncated under the process), then cut it short.
    const source = generate(p, feedShapes).generated.source;
    const first = compileSync(source, { extraFlags: buildFlags() });
    const size = statSync(first.libraryPath).size;
    truncateSync(first.libraryPath, 512);
    expect(() => new NativeModule(first.libraryPath)).toThrow(/file too short|dlopen/);

    const built = build(p, feedShapes);
    expect(built.library.libraryPath).toBe(first.libraryPath);
    expect(built.library.cached).toBe(false); // rebuilt, not the broken file
    expect(statSync(built.library.libraryPath).size).toBe(size);
    const out = built.module.allocOutputs();
    built.module.run([Float32Array.of(1, 2, 3, 4, 5, 6)], out);
    expect(Array.from(out[0]!)).toEqual([3.25, 6.25, 9.25, 12.25, 15.25, 18.25]);
    built.module.close();
    // The program-cache record now points at the good library.
    expect(readRecord(built.fingerprint!)).toMatchObject({ key: built.library.key });
  });

  it('an unusable KILN_CACHE_DIR is a clear error, not a hang', () => {
    process.env.KILN_CACHE_DIR = '/proc/nope';
    expect(() => ensureCacheDir('/proc/nope/modules')).toThrow(
      "kiln: cannot use the cache folder '/proc/nope/modules' (KILN_CACHE_DIR=/proc/nope): mkdir '/proc/nope' failed (ENOENT); set KILN_CACHE_DIR to a writable folder",
    );
    // A plain file where a folder of the path should be.
    const file = join(dir, 'file');
    writeFileSync(file, '');
    process.env.KILN_CACHE_DIR = join(file, 'sub');
    expect(() => ensureCacheDir(join(file, 'sub', 'modules'))).toThrow(`'${file}' is not a folder`);
  });

  it('compileSync reports the folder instead of hanging', () => {
    process.env.KILN_CACHE_DIR = '/proc/nope';
    const { program: p, feedShapes } = program();
    const source = generate(p, feedShapes).generated.source;
    expect(() => compileSync(source)).toThrow(/KILN_CACHE_DIR=\/proc\/nope/);
  });
});
