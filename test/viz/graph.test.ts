import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { main, type CliIO } from '../../src/cli/main.js';
import { cnnTrainingGraph, mlpTrainingGraph, type TrainingGraph } from './graphs.js';
import { clusters, nodeTitles, parseXml } from './svg_util.js';

const BATCH = 16;

/** What the session would compile for one training step: the fused program. */
function fusedOf(t: TrainingGraph): kiln.passes.FusedProgram {
  const p = kiln.passes.makeProgram([t.loss], [t.train]);
  const feedShapes = { x: [BATCH, 8], images: [BATCH, 8, 8, 1], labels: [BATCH, t.loss.graph.getOperation('labels')!.outputs[0]!.shape[1] as number] };
  const names = new Set(kiln.passes.liveOps(p).filter((o) => o.type === 'Placeholder').map((o) => o.name));
  const shapes = Object.fromEntries(Object.entries(feedShapes).filter(([k]) => names.has(k)));
  return kiln.passes.optimize(p, { feedShapes: shapes }).fused!;
}

describe.each([
  ['MLP', mlpTrainingGraph, ['matmul', 'reduction', 'update']],
  ['CNN', cnnTrainingGraph, ['conv', 'pool', 'matmul', 'update']],
] as const)('%s training graph', (_name, make, kinds) => {
  it('DOT of the graph as built: labelled nodes coloured by role, no clusters', () => {
    const t = make();
    const dot = kiln.viz.graphDot([t.loss, t.train]);
    expect(dot).toMatch(/^digraph "kiln" \{/);
    expect(dot).not.toContain('subgraph cluster_');
    // user name, op type, dtype and shape on each node
    expect(dot).toMatch(/"dense\/kernel" \[label="dense\/kernel\\nVariable float32\[\d+,\d+\]"/);
    expect(dot).toMatch(/"loss\/Div" \[label="loss\/Div\\nDiv float32\[\]"/); // mean is a composite: Sum / ReduceSize
    // gradient and optimizer nodes drawn apart from the forward pass
    const colors = new Map([...dot.matchAll(/^ {2}("(?:[^"\\]|\\.)*") \[label=.*fillcolor=(\w+)/gm)].map((m) => [m[1]!, m[2]!]));
    const fill = (role: string) => new Set(t.graph.ops.filter((o) => o.role === role).map((o) => colors.get(kiln.passes.dotString(o.name))).filter((c) => c !== undefined));
    expect(fill('forward')).toEqual(new Set(['white']));
    expect(fill('gradient')).toEqual(new Set(['lightyellow']));
    expect(fill('optimizer')).toEqual(new Set(['lightblue']));
    expect(dot).toContain('tooltip=');
    expect(dot).toContain('"kiln:legend"');
  });

  it('DOT and SVG after the passes: one cluster per fused kernel, labelled with its kernel name', async () => {
    const t = make();
    const fused = fusedOf(t);
    expect(fused.kernels.length).toBeGreaterThan(3);
    for (const k of kinds) expect(fused.kernels.map((x) => x.kind)).toContain(k);
    const options = { optimize: true, batchSize: BATCH };
    const dot = kiln.viz.graphDot([t.loss, t.train], options);
    expect(dot.match(/subgraph cluster_\d+ \{/g)).toHaveLength(fused.kernels.length);
    for (const k of fused.kernels) expect(dot).toContain(`label="${k.name} (${k.kind})"`);

    const svg = parseXml(await kiln.viz.graphSvg([t.loss, t.train], options));
    expect(svg.name).toBe('svg');
    const cs = clusters(svg);
    expect(cs.map((c) => c.title).sort()).toEqual(fused.kernels.map((k) => `cluster_${k.id}`).sort());
    for (const k of fused.kernels) expect(cs.find((c) => c.title === `cluster_${k.id}`)!.label).toContain(k.name);
    // every live op is a node (plus the legend)
    const live = kiln.passes.liveOps(fused.program).map((o) => o.name);
    expect(nodeTitles(svg).sort()).toEqual([...live, 'kiln:legend'].sort());
  });
});

describe('graph pictures', () => {
  it('draws a whole graph, a tensor, an op, a program and a fused program', () => {
    const t = mlpTrainingGraph();
    const whole = kiln.viz.graphDot(t.graph);
    for (const op of t.graph.ops) expect(whole).toContain(kiln.passes.dotString(op.name));
    expect(kiln.viz.graphDot(t.loss)).not.toContain('"SGD');
    expect(kiln.viz.graphDot(t.train)).toContain('"gradients/');
    const fused = fusedOf(t);
    expect(kiln.viz.graphDot(fused).match(/subgraph cluster_/g)).toHaveLength(fused.kernels.length);
    expect(kiln.viz.graphDot({ fetches: [t.loss] })).toContain('"loss/Div"');
    expect(() => kiln.viz.graphDot(42 as never)).toThrow(/cannot draw 42/);
    expect(() => kiln.viz.graphDot(t.loss, { optimize: true, batchSize: 0 })).toThrow(/batchSize/);
  });

  it('escapes user names: quotes, angle brackets and ampersands give valid SVG', async () => {
    const g = new kiln.Graph();
    const y = g.asDefault(() => kiln.add(kiln.placeholder('float32', [2], 'in"<x>&\\n'), 1, 'out</text>'));
    const svg = await kiln.viz.graphSvg(y);
    expect(nodeTitles(parseXml(svg))).toContain('out</text>');
  });

  it('writeGraph writes SVG or DOT by extension, atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-viz-'));
    const t = mlpTrainingGraph();
    await kiln.viz.writeGraph(join(dir, 'g.svg'), [t.loss, t.train], { optimize: true, batchSize: 4 });
    await kiln.viz.writeGraph(join(dir, 'g.dot'), t.loss);
    parseXml(readFileSync(join(dir, 'g.svg'), 'utf8'));
    expect(readFileSync(join(dir, 'g.dot'), 'utf8')).toMatch(/^digraph/);
    expect(readdirSync(dir).sort()).toEqual(['g.dot', 'g.svg']); // no temp file left
    await expect(kiln.viz.writeGraph(join(dir, 'g.png'), t.loss)).rejects.toThrow(/expected a \.svg, \.dot or \.gv file/);
  });

  it('renderDot reports Graphviz errors', async () => {
    await expect(kiln.viz.renderDot('digraph { a -> }')).rejects.toThrow(/graphviz: cannot render/);
  });
});

describe('kiln viz (CLI)', () => {
  const capture = (): CliIO & { out: string; err: string } => {
    const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
    return io;
  };
  const fixture = join(import.meta.dirname, 'fixtures', 'cnn_module.ts');

  it('writes the SVG of a model file after the passes, with the kernels as clusters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-cli-'));
    const io = capture();
    const out = join(dir, 'cnn.svg');
    expect(await main(['viz', fixture, '--optimize', '--batch', String(BATCH), '--out', out], io)).toBe(0);
    expect(io.err).toContain('wrote');
    const cs = clusters(parseXml(readFileSync(out, 'utf8')));
    expect(cs.length).toBe(fusedOf(cnnTrainingGraph()).kernels.length);
    expect(cs.some((c) => /Conv2D/.test(c.label))).toBe(true);
  });

  it('prints DOT to stdout; draws a model export through its graph', async () => {
    const io = capture();
    expect(await main(['viz', fixture, '--format', 'dot', '--export', 'model'], io)).toBe(0);
    expect(io.out).toMatch(/^digraph "kiln"/);
    expect(io.out).toContain('"conv2d/kernel"');
    expect(io.out).not.toContain('cluster_');
  });

  it('reports usage errors with status 2 and failures with status 1', async () => {
    let io = capture();
    expect(await main(['viz'], io)).toBe(2);
    expect(io.err).toMatch(/expected one module file[\s\S]*usage:/);
    io = capture();
    expect(await main(['viz', fixture, '--export', 'nope'], io)).toBe(2);
    expect(io.err).toContain("no export 'nope'; its exports are default, model");
    io = capture();
    expect(await main(['viz', fixture, '--bogus'], io)).toBe(2);
    io = capture();
    expect(await main(['frobnicate'], io)).toBe(2);
    io = capture();
    expect(await main(['viz', join(import.meta.dirname, 'fixtures', 'missing.js')], io)).toBe(1);
    io = capture();
    expect(await main(['help'], io)).toBe(0);
    expect(io.out).toContain('kiln viz <module.js>');
  });
});
