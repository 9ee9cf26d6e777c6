/**
 * The toolchain driver and the Node addon together, on one hand-written module
 * (fixtures/dense_module.ts): compile -> cache -> dlopen -> checked run -> state in native memory.
 * Each g++ run costs up to a second or two, so the suite compiles the fixture once, plus one
 * variant for the two-process test, a trivial module for the overhead and one broken source.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, CompileError, compileSync, type CompiledLibrary } from '../../codegen/toolchain.js';
import { loadAddonFrom } from '../../src/native/addon.js';
import { getNumThreads, NativeModule, setNumThreads, StateStore } from '../../src/native/index.js';
import { denseModuleSource, denseReference, LR, trivialModuleSource } from './fixtures/dense_module.js';

const here = fileURLToPath(new URL('.', import.meta.url));

let tmp: string;
let cxx: string; // g++ behind a wrapper that logs every compile (not --version), to prove cache hits
let compileLog: string;
let savedCacheDir: string | undefined;
let lib: CompiledLibrary;

const compiles = (): number => (existsSync(compileLog) ? readFileSync(compileLog, 'utf8').split('\n').filter(Boolean).length : 0);

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kiln-native-'));
  savedCacheDir = process.env.KILN_CACHE_DIR;
  process.env.KILN_CACHE_DIR = join(tmp, 'cache');
  compileLog = join(tmp, 'compiles.log');
  cxx = join(tmp, 'cxx.sh');
  writeFileSync(cxx, `#!/bin/sh\n[ "$1" = "--version" ] || echo compile >> '${compileLog}'\nexec g++ "$@"\n`);
  chmodSync(cxx, 0o755);
  lib = compileSync(denseModuleSource(), { cxx });
  console.log(`cold compile of the fixture: ${lib.ms.toFixed(0)} ms`);
});

afterAll(() => {
  if (savedCacheDir === undefined) delete process.env.KILN_CACHE_DIR;
  else process.env.KILN_CACHE_DIR = savedCacheDir;
  rmSync(tmp, { recursive: true, force: true });
});

const random = (n: number, seed: number): Float32Array => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = (s / 2147483648) * 2 - 1;
  }
  return a;
};

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol);
}

function loaded(): { mod: NativeModule; store: StateStore } {
  const store = new StateStore();
  const mod = new NativeModule(lib.libraryPath).bindState(store);
  return { mod, store };
}

describe('toolchain', () => {
  it('compiles a module into the cache and the addon reads its manifest', () => {
    expect(lib.cached).toBe(false);
    expect(compiles()).toBe(1);
    expect(lib.libraryPath).toBe(join(tmp, 'cache', 'modules', `kiln_${lib.key}.so`));
    expect(lib.sourcePath).toBeNull();
    const mod = new NativeModule(lib.libraryPath);
    expect(mod.manifest).toEqual({
      abiVersion: 1,
      inputs: [
        { name: 'x', dtype: 'float32', shape: [2, 3], bytes: 24 },
        { name: 'g', dtype: 'float32', shape: [3, 4], bytes: 48 },
      ],
      outputs: [{ name: 'y', dtype: 'float32', shape: [2, 4], bytes: 32 }],
      state: [
        { name: 'W', dtype: 'float32', shape: [3, 4], bytes: 48 },
        { name: 'b', dtype: 'float32', shape: [4], bytes: 16 },
        { name: 'step', dtype: 'int32', shape: [1], bytes: 4 },
      ],
      workspaceBytes: 64,
      meta: { fixture: 'dense' },
    });
  });

  it('serves the second compile from the cache without running the compiler, and loads fast', () => {
    const t0 = performance.now();
    const again = compileSync(denseModuleSource(), { cxx });
    const mod = new NativeModule(again.libraryPath);
    const warm = performance.now() - t0;
    console.log(`warm (cached) compile + load: ${warm.toFixed(2)} ms`);
    expect(again.cached).toBe(true);
    expect(again.libraryPath).toBe(lib.libraryPath);
    expect(compiles()).toBe(1);
    expect(mod.manifest.outputs).toHaveLength(1);
    expect(warm).toBeLessThan(50); // the target for a warm load
  });

  it('keeps the source next to the library with KILN_KEEP_SOURCE=1', () => {
    process.env.KILN_KEEP_SOURCE = '1';
    try {
      const kept = compileSync(denseModuleSource(), { cxx });
      expect(kept.cached).toBe(true);
      expect(kept.sourcePath).toBe(lib.libraryPath.replace(/\.so$/, '.cpp'));
      expect(readFileSync(kept.sourcePath!, 'utf8')).toBe(denseModuleSource());
    } finally {
      delete process.env.KILN_KEEP_SOURCE;
    }
  });

  it('throws the compiler message and keeps the source when compilation fails', () => {
    const broken = '#include "kiln_module.h"\nstatic int broken( { return undefined_thing; }\n';
    let error: unknown;
    try {
      compileSync(broken, { cxx });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompileError);
    const ce = error as CompileError;
    expect(ce.message).toMatch(/failed to compile a generated module \(exit 1\); source kept at /);
    expect(ce.message).toContain(ce.sourcePath);
    expect(ce.message).toMatch(/error:/);
    expect(readFileSync(ce.sourcePath, 'utf8')).toBe(broken);
    const leftovers = readdirSync(join(tmp, 'cache', 'modules')).filter((f) => f.includes('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('lets two processes compile the same source at once; both load a complete library', async () => {
    const cache = join(tmp, 'cache-concurrent');
    const sourceFile = join(tmp, 'variant.cpp');
    writeFileSync(sourceFile, denseModuleSource('concurrent'));
    const child = (): Promise<{ code: number | null; out: string; err: string }> =>
      new Promise((resolve) => {
        const p = spawn(
          process.execPath,
          ['--import', join(here, 'fixtures', 'register-ts.mjs'), join(here, 'fixtures', 'compile-child.ts'), sourceFile],
          { env: { ...process.env, KILN_CACHE_DIR: cache }, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        let err = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('close', (code) => resolve({ code, out, err }));
      });
    const results = await Promise.all([child(), child()]);
    for (const r of results) expect(r.code, r.err).toBe(0);
    const [a, b] = results.map((r) => JSON.parse(r.out) as { cached: boolean; path: string; inputs: number });
    expect(a!.path).toBe(b!.path);
    expect(a!.inputs).toBe(2);
    expect(readdirSync(join(cache, 'modules')).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});

describe('NativeModule', () => {
  it('runs: outputs match the reference, state is updated in place and persists', () => {
    const { mod, store } = loaded();
    const W0 = random(12, 1);
    const b0 = random(4, 2);
    store.set('W', W0, [3, 4]);
    store.set('b', b0);
    const x = random(6, 3);
    const g = random(12, 4);
    const [y] = mod.allocOutputs() as [Float32Array];

    mod.run([x, g], [y]);
    expectClose(y, denseReference(x, W0, b0));
    const W1 = W0.map((w, i) => w - LR * g[i]!);
    expectClose(store.get('W'), W1);
    expect(Array.from(store.get('step'))).toEqual([1]);

    mod.run([x, g], [y]); // the second call sees the updated W
    expectClose(y, denseReference(x, W1, b0));
    expect(Array.from(store.view('step'))).toEqual([2]);

    // a write through a live view is what the next call reads
    store.view('b').fill(10);
    mod.run([x, g], [y]);
    expectClose(y, denseReference(x, W1.map((w, i) => w - LR * g[i]!), [10, 10, 10, 10]), 1e-4);
  });

  it('rejects wrong buffers with a JS Error before calling the module', () => {
    const { mod, store } = loaded();
    const x = new Float32Array(6);
    const g = new Float32Array(12);
    const y = new Float32Array(8);
    expect(() => mod.run([new Float32Array(5), g], [y])).toThrow(
      /module .*: input 'x' has 20 bytes \(5 elements\), expected float32 \[2,3\] \(24 bytes\)/,
    );
    expect(() => mod.run([x, g], [new Float32Array(9)])).toThrow(/output 'y' has 36 bytes/);
    expect(() => mod.run([x, g], [y], [store.view('W'), store.view('b')])).toThrow(/expected 3 state buffers, got 2/);
    expect(() => mod.run([x], [y])).toThrow(/expected 2 input buffers, got 1/);
    expect(() => mod.run([new Float64Array(6) as unknown as Float32Array, g], [y])).toThrow(/input 'x' must be a Float32Array .*got a Float64Array/);
    expect(() => mod.run([[1, 2, 3] as unknown as Float32Array, g], [y])).toThrow(/input 'x' must be a typed array/);
    // 4 bytes past an ArrayBuffer's start is never 64-byte aligned (V8 aligns buffers to >= 8)
    const unaligned = new Float32Array(new ArrayBuffer(4 + 48), 4, 12);
    expect(() => mod.run([x, g], [y], [unaligned, store.view('b'), store.view('step')])).toThrow(/state 'W' is not 64-byte aligned/);
    expect(() => mod.run([x, g], [new Float32Array(g.buffer, 0, 8)])).toThrow(/output 'y' overlaps input 'g'/);
    expect(() => mod.run([x, store.view('W') as Float32Array], [y])).toThrow(/state 'W' overlaps input 'g'/);
    expect(Array.from(store.view('step'))).toEqual([0]); // none of these reached kiln_run
    mod.run([x, g], [y]);
    expect(Array.from(store.view('step'))).toEqual([1]);
  });

  it("turns a module's error code into a JS Error with its message, and stays usable", () => {
    const { mod, store } = loaded();
    const x = new Float32Array(6);
    const g = new Float32Array(12);
    const y = new Float32Array(8);
    mod.run([x, g], [y]);
    x[0] = NaN;
    let error: (Error & { code?: string; status?: number }) | undefined;
    try {
      mod.run([x, g], [y]);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/kiln_run failed with KILN_ERR_NUMERIC: x\[0\] is NaN at step 1$/);
    expect(error?.code).toBe('KILN_ERR_NUMERIC');
    expect(error?.status).toBe(2);

    x[0] = -12345;
    expect(() => mod.run([x, g], [y])).toThrow(/KILN_ERR_EXCEPTION: C\+\+ exception: fixture exception/);

    x[0] = 1;
    mod.run([x, g], [y]);
    expect(Array.from(store.view('step'))).toEqual([2]);
  });

  it('refuses files that are not kiln modules with a JS Error', () => {
    const garbage = join(tmp, 'garbage.so');
    writeFileSync(garbage, Buffer.from(random(64, 9).buffer));
    expect(() => new NativeModule(garbage)).toThrow(/garbage\.so: dlopen failed: .*invalid ELF header/);
    expect(() => new NativeModule(join(tmp, 'missing.so'))).toThrow(/dlopen failed: .*No such file/);
    const libm = ['/lib/x86_64-linux-gnu/libm.so.6', '/usr/lib/x86_64-linux-gnu/libm.so.6'].find(existsSync);
    if (libm) expect(() => new NativeModule(libm)).toThrow(/missing symbol kiln_manifest.*is it a kiln module\?/);
  });

  it('throws after close()', () => {
    const { mod } = loaded();
    mod.close();
    expect(() => mod.run([new Float32Array(6), new Float32Array(12)], [new Float32Array(8)])).toThrow(/has been closed/);
  });

  it('runs with any thread count and rejects a bad one', () => {
    const { mod, store } = loaded();
    const before = getNumThreads();
    expect(before).toBeGreaterThanOrEqual(1);
    const x = random(6, 5);
    const g = new Float32Array(12);
    store.set('W', random(12, 6));
    const y1 = new Float32Array(8);
    const y2 = new Float32Array(8);
    setNumThreads(1);
    try {
      expect(getNumThreads()).toBe(1);
      mod.run([x, g], [y1]);
    } finally {
      setNumThreads(before);
    }
    mod.run([x, g], [y2]);
    expect(Array.from(y2)).toEqual(Array.from(y1));
    expect(() => setNumThreads(0)).toThrow(/at least 1/);
    expect(() => setNumThreads(1.5)).toThrow(/integer/);
  });

  it('keeps per-call overhead to about a microsecond (trivial module, compiled with the async driver)', async () => {
    const trivial = await compile(trivialModuleSource, { cxx });
    expect(trivial.cached).toBe(false);
    const mod = new NativeModule(trivial.libraryPath);
    expect(mod.manifest.state).toEqual([]);
    expect(mod.manifest.meta).toBeNull();
    const inputs = [new Float32Array([1, 2, 3, 4])];
    const outputs = [new Float32Array(4)];
    for (let i = 0; i < 2000; i++) mod.run(inputs, outputs);
    expect(Array.from(outputs[0]!)).toEqual([2, 3, 4, 5]);
    const n = 50_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) mod.run(inputs, outputs);
    const us = ((performance.now() - t0) * 1000) / n;
    console.log(`run() of a trivial module, JS call to return: ${us.toFixed(2)} us/call`);
    expect(us).toBeLessThan(25); // measured ~0.6 us; loose for a shared CI machine
  });
});

describe('StateStore', () => {
  it('checks shapes on set and ensure, and get() copies', () => {
    const store = new StateStore();
    const w = store.create('w', 'float32', [2, 3]);
    expect(() => store.set('w', [1, 2, 3])).toThrow(/variable 'w' is float32 \[2,3\] \(6 elements\), got 3 values/);
    expect(() => store.set('w', [1, 2, 3, 4, 5, 6], [3, 2])).toThrow(/variable 'w' is float32 \[2,3\], got a value of shape \[3,2\]/);
    expect(() => store.ensure([{ name: 'w', dtype: 'float32', shape: [6], bytes: 24 }])).toThrow(/module expects float32 \[6\]/);
    expect(() => store.view('nope')).toThrow(/no variable 'nope' \(have: w\)/);
    store.set('w', [1, 2, 3, 4, 5, 6]);
    const copy = store.get('w');
    copy[0] = 100;
    expect(store.view('w')[0]).toBe(1);
    expect(store.ensure([{ name: 'w', dtype: 'float32', shape: [2, 3], bytes: 24 }])[0]).toBe(store.view('w'));
  });
});

describe('addon loading', () => {
  it('says how to build the addon when it is missing', () => {
    expect(() => loadAddonFrom(join(tmp, 'nowhere', 'kiln.node'))).toThrow(/native addon is not built .*run `npm install`/);
  });
});
