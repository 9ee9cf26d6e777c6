/**
 * The program cache (codegen/program_cache.ts): a second Session on the same graph loads the
 * executable from its record without passes or C++ generation and computes the same values;
 * every input of code generation moves the fingerprint; a corrupt or lying record falls back to
 * the full build; dumps, checkNumerics and the profiler still work on a cache hit.
 *
 * The cache folder is the suite's usual one, so a first build may already hit (a record from an
 * earlier run): the tests make a record first and assert on the build after it.
 */
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { buildCounters, buildFlags, generate, type BuildResult } from '../../codegen/build.js';
import { programFingerprint, readRecord, recordPath, type ProgramRecord } from '../../codegen/program_cache.js';
import { toolchainIdentity } from '../../codegen/toolchain.js';
import { det } from '../codegen/helpers.js';

interface Options {
  lr?: number;
  scale?: number;
  perm?: boolean;
  init?: Float32Array;
  seed?: number;
}

/**
 * A small training graph: `scale` is a constant, `perm` adds transposes (an attr), `lr` and
 * `init` are initial values of variables (state, not code).
 */
function model(o: Options = {}) {
  const g = new kiln.Graph();
  g.seed = o.seed ?? 7;
  const m = g.asDefault(() => {
    const x = kiln.placeholder('float32', [null, 6], 'x');
    const labels = kiln.placeholder('int32', [null], 'labels');
    const w = o.init ? kiln.variable(o.init, { shape: [6, 4], name: 'w' }) : kiln.variable('glorotUniform', { shape: [6, 4], name: 'w' });
    const b = kiln.variable('zeros', { shape: [4], name: 'b' });
    const xin = o.perm ? kiln.transpose(kiln.transpose(x, [1, 0]), [1, 0]) : x;
    const logits = kiln.mul(kiln.add(kiln.matmul(kiln.tanh(xin), w), b), o.scale ?? 0.5);
    const loss = kiln.mean(kiln.sparseSoftmaxCrossEntropyWithLogits(labels, logits));
    const train = new kiln.SGD({ lr: o.lr ?? 0.1, momentum: 0.9 }).minimize(loss);
    return { x, labels, w, b, loss, train, logits };
  });
  return { g, ...m };
}

const feeds = (n = 5) => ({ x: det(n * 6, 3), labels: Int32Array.from({ length: n }, (_, i) => i % 4) });

function fingerprint(m: ReturnType<typeof model>, batch = 5, flags: { checkNumerics?: boolean; profile?: boolean } = {}): string {
  const f = buildFlags(flags);
  return programFingerprint(kiln.passes.makeProgram([m.loss], [m.train]), new Map([['x', [batch, 6]], ['labels', [batch]]]), f, toolchainIdentity({ extraFlags: f })!)!;
}

/** Runs three training steps in a new session; the losses, the final weights and the last build. */
function train(m: ReturnType<typeof model>, options: kiln.SessionOptions = {}): { losses: number[]; w: number[]; built: BuildResult } {
  const sess = new kiln.Session(m.g, { backend: 'native', ...options });
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) losses.push(sess.run([m.loss, m.train], feeds())[0].data[0]!);
  const w = Array.from(sess.getValue(m.w).data);
  const built = sess.native!.lastBuild!;
  return { losses, w, built };
}

describe('program cache', () => {
  it('a second session loads the executable from the record: no passes, no codegen, the same values', () => {
    const m = model();
    const first = train(m);
    expect(first.built.fingerprint).toBe(fingerprint(m));
    expect(readRecord(first.built.fingerprint!)).toMatchObject({ key: first.built.library.key });
    const firstSource = first.built.generated.source; // made now if the first build was a hit too
    const generated = buildCounters.generate;
    const second = train(m);
    expect(second.built.programCache).toBe('hit');
    expect(buildCounters.generate).toBe(generated);
    expect(second.built.ms.passes).toBe(0);
    expect(second.built.ms.codegen).toBe(0);
    expect(second.built.library.key).toBe(first.built.library.key);
    expect(second.losses).toEqual(first.losses);
    expect(second.w).toEqual(first.w);
    // The generated code is made on demand, once, and is the library's.
    expect(second.built.generated.source).toBe(firstSource);
    expect(second.built.generated.kernels).toBe(second.built.info.kernels);
    expect(buildCounters.generate).toBe(generated + 1);
    expect(second.built.program.fetches.length).toBe(1);
    expect(buildCounters.generate).toBe(generated + 1);
  });

  it('a changed constant, attr, seed, feed shape or build flag moves the fingerprint; a variable initial value does not', () => {
    const base = fingerprint(model());
    expect(fingerprint(model())).toBe(base); // deterministic across graphs built the same way
    const variants = {
      constant: fingerprint(model({ scale: 0.25 })),
      attr: fingerprint(model({ perm: true })),
      seed: fingerprint(model({ seed: 8 })),
      'feed shape': fingerprint(model(), 6),
      checkNumerics: fingerprint(model(), 5, { checkNumerics: true }),
      profile: fingerprint(model(), 5, { profile: true }),
    };
    for (const [what, fp] of Object.entries(variants)) expect(fp, what).not.toBe(base);
    expect(new Set(Object.values(variants)).size).toBe(Object.keys(variants).length);
    // Generated code never reads a variable's initial value, so the fingerprint leaves it out.
    const a = model({ init: det(24, 1) });
    const b = model({ init: det(24, 2) });
    expect(fingerprint(a)).toBe(fingerprint(b));
    const program = (x: ReturnType<typeof model>) => kiln.passes.makeProgram([x.loss], [x.train]);
    const shapes = new Map([['x', [5, 6]], ['labels', [5]]]);
    expect(generate(program(a), shapes).generated.source).toBe(generate(program(b), shapes).generated.source);
    // In a session: a changed constant is another executable; a changed learning rate (a
    // variable) is the same executable, run from another initial state.
    const ref = train(model());
    const changed = train(model({ scale: 0.25 }));
    expect(changed.built.fingerprint).toBe(variants.constant);
    expect(changed.built.library.key).not.toBe(ref.built.library.key);
    expect(changed.losses).not.toEqual(ref.losses);
    const slower = train(model({ lr: 0.05 }));
    expect(slower.built.fingerprint).toBe(ref.built.fingerprint);
    expect(slower.built.programCache).toBe('hit');
    expect(slower.losses[0]).toBe(ref.losses[0]);
    expect(slower.losses[2]).not.toBe(ref.losses[2]);
  });

  it('a corrupt record, a record that disagrees with its library, or a missing library falls back to the full build', () => {
    const m = model({ seed: 11 });
    const ref = train(m);
    const fp = ref.built.fingerprint!;
    const path = recordPath(fp);
    const good = readFileSync(path, 'utf8');
    const rec = JSON.parse(good) as ProgramRecord;
    const cases: [string, string, BuildResult['programCache']][] = [
      ['not JSON', good.slice(0, good.length / 2), 'stale'],
      ['empty', '', 'stale'],
      ['another fingerprint', JSON.stringify({ ...rec, fingerprint: '0'.repeat(40) }), 'stale'],
      ['a state shape that is not the library', JSON.stringify({ ...rec, info: { ...rec.info, state: rec.info.state.map((s, i) => (i === 0 ? { ...s, shape: [2, 2] } : s)) } }), 'stale'],
      ['a manifest that is not the library', JSON.stringify({ ...rec, manifest: { ...rec.manifest, workspaceBytes: rec.manifest.workspaceBytes + 64 } }), 'stale'],
      ['a library not in the cache', JSON.stringify({ ...rec, key: 'f'.repeat(40) }), 'miss'],
    ];
    for (const [what, text, expected] of cases) {
      writeFileSync(path, text);
      const generated = buildCounters.generate;
      const got = train(m);
      expect(got.built.programCache, what).toBe(expected);
      expect(buildCounters.generate, what).toBe(generated + 1);
      expect(got.losses, what).toEqual(ref.losses);
      expect(got.w, what).toEqual(ref.w);
      // The full build wrote the record again: the next session hits.
      expect(readRecord(fp), what).toEqual(rec);
      expect(train(m).built.programCache, what).toBe('hit');
    }
  });

  it('dumps take the full path; checkNumerics and the profiler work on a hit', () => {
    const m = model({ seed: 12 });
    train(m);
    const dir = mkdtempSync(join(tmpdir(), 'kiln-pc-dump-'));
    try {
      const dumped = train(m, { dump: dir });
      expect(dumped.built.programCache).toBe('off');
      expect(dumped.built.dumpDir).toBeDefined();
      expect(existsSync(join(dumped.built.dumpDir!, 'module.cpp'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // checkNumerics: a NaN after a hit is still traced back to its op.
    train(m, { checkNumerics: true });
    const sess = new kiln.Session(m.g, { backend: 'native', checkNumerics: true });
    const bad = feeds();
    bad.x[0] = NaN;
    expect(() => sess.run([m.loss, m.train], bad)).toThrow(kiln.NumericError);
    expect(sess.native!.lastBuild!.programCache).toBe('hit');

    // The profiler: kernel names come from the generated code, made on demand.
    const plain = new kiln.Session(m.g, { backend: 'native' });
    kiln.profile(plain, [m.loss, m.train], feeds(), { runs: 1 }); // makes the profile record
    const again = new kiln.Session(m.g, { backend: 'native' });
    const report = kiln.profile(again, [m.loss, m.train], feeds(), { runs: 2 });
    const built = again.native!.lastBuild!;
    expect(built.programCache).toBe('hit');
    expect(built.flags).toEqual(['-DKILN_PROFILE']);
    expect(report.kernels.map((k) => k.name)).toEqual(built.generated.order.map((k) => k.name));
  });
});
