import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { mlpTrainingGraph } from './graphs.js';

describe('dump switch', () => {
  const saved = process.env['KILN_DUMP'];
  afterEach(() => {
    if (saved === undefined) delete process.env['KILN_DUMP'];
    else process.env['KILN_DUMP'] = saved;
  });

  it('is off unless KILN_DUMP or the option names a folder; false turns it off', () => {
    delete process.env['KILN_DUMP'];
    expect(kiln.viz.dumpDir()).toBeUndefined();
    expect(kiln.viz.openDump('x')).toBeUndefined();
    process.env['KILN_DUMP'] = '/tmp/from-env';
    expect(kiln.viz.dumpDir()).toBe('/tmp/from-env');
    expect(kiln.viz.dumpDir('/tmp/opt')).toBe('/tmp/opt');
    expect(kiln.viz.dumpDir(false)).toBeUndefined();
  });

  it('writes the program before the passes, after each pass, and the fused kernels', () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-dump-'));
    process.env['KILN_DUMP'] = root;
    const t = mlpTrainingGraph();
    const dump = kiln.viz.openDump('loss [16,8] ../../etc')!; // a label from user names: made file-safe
    expect(readdirSync(root)).toEqual([`loss_16_8_.._.._etc-${process.pid}-${dump.dir.split('-').pop()}`]);
    const result = kiln.passes.optimize(kiln.passes.makeProgram([t.loss], [t.train]), {
      feedShapes: { x: [16, 8], labels: [16, 4] },
      dump: dump.onPass,
    });
    dump.fused(result.fused!);
    const src = dump.write('module.cpp', '// generated\n');
    expect(readFileSync(src, 'utf8')).toBe('// generated\n');
    expect(() => dump.write('../escape.txt', 'x')).toThrow(/not a plain file name/);

    const files = readdirSync(dump.dir).sort();
    const passes = kiln.passes.pipeline({}).map((p) => p.name);
    const dots = files.filter((f) => f.endsWith('.dot'));
    expect(dots).toEqual([
      '00_input.dot',
      ...passes.map((p, i) => `${String(i + 1).padStart(2, '0')}_after_${p}.dot`),
      `${String(passes.length + 1).padStart(2, '0')}_fused.dot`,
    ].sort());
    for (const d of dots.filter((f) => !f.endsWith('_fused.dot'))) expect(files).toContain(d.replace(/\.dot$/, '.txt'));
    const fusedDot = readFileSync(join(dump.dir, dots[dots.length - 1]!), 'utf8');
    expect(fusedDot.match(/subgraph cluster_\d+/g)).toHaveLength(result.fused!.kernels.length);
    expect(readFileSync(join(dump.dir, '00_input.txt'), 'utf8')).toContain('x = Placeholder() -> float32[?,8]');
    expect(readFileSync(join(dump.dir, '01_after_specialize.txt'), 'utf8')).toContain('x = Placeholder() -> float32[16,8]');
    expect(readFileSync(join(dump.dir, 'explain.txt'), 'utf8')).toMatch(/^\d+ kernels for \d+ ops/);
    expect(files).toContain('module.cpp');
    // a second executable gets its own folder
    expect(kiln.viz.openDump('loss [16,8] ../../etc')!.dir).not.toBe(dump.dir);
  });
});
