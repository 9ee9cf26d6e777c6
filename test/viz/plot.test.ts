import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as vega from 'vega';
import { compile } from 'vega-lite';
import * as kiln from '../../src/index.js';
import { TrainingPlot } from '../../src/callbacks/plot.js';
import { History } from '../../src/callbacks/callback.js';
import { main } from '../../src/cli/main.js';
import { allElements, parseXml, textOf } from './svg_util.js';

const history = {
  loss: [1.2, 0.8, 0.55, 0.41],
  accuracy: [0.52, 0.71, 0.8, 0.86],
  val_loss: [1.1, 0.85, 0.62, 0.6],
  val_accuracy: [0.55, 0.69, 0.77, 0.79],
};

/** Vega's line marks: one `<path>` per (panel, split). */
function linePaths(svg: string): number {
  const root = parseXml(svg);
  return allElements(root).filter((e) => e.name === 'g' && /\bmark-line\b/.test(e.attrs['class'] ?? '')).flatMap((g) => g.children.filter((c) => c.name === 'path')).length;
}

describe('training plots', () => {
  it('orders metrics loss first and strips val_', () => {
    expect(kiln.viz.historyMetrics({ accuracy: [1], val_accuracy: [1], loss: [1], val_loss: [1] })).toEqual(['loss', 'accuracy']);
    expect(() => kiln.viz.historyMetrics({ loss: ['x' as unknown as number] })).toThrow(/history\['loss'\] must be a list of numbers/);
    expect(() => kiln.viz.historySvg({})).toThrow(/history is empty/);
  });

  it('draws loss and each metric per epoch, training and validation, as valid SVG', () => {
    const svg = kiln.viz.historySvg({ history }, { title: 'MLP <run 1>' });
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    const text = textOf(root);
    for (const w of ['loss', 'accuracy', 'training', 'validation', 'epoch', 'MLP <run 1>']) expect(text).toContain(w);
    expect(linePaths(svg)).toBe(4); // 2 panels x (training, validation)
  });

  it('renders synchronously exactly what Vega\'s own async toSVG renders', async () => {
    const spec = kiln.viz.historySpec({ history });
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
    expect(kiln.viz.renderSvg(spec)).toBe(await view.toSVG());
  });

  it('reports a chart Vega cannot render, and renders again afterwards', () => {
    expect(() => kiln.viz.renderSvg({ data: { values: [] }, mark: 'nonsense' } as never)).toThrow(/^plot: Vega could not render the chart: /);
    parseXml(kiln.viz.historySvg({ loss: [1, 0.5] }));
  });

  it('takes a History, its epochs, and leaves gaps for NaN', () => {
    const h = new History();
    h.onTrainBegin();
    h.onEpochEnd(0, { loss: 1, val_loss: 1.5 });
    h.onEpochEnd(1, { loss: NaN, val_loss: 1.2 });
    h.onEpochEnd(2, { loss: 0.5, val_loss: 0.9 });
    const svg = kiln.viz.historySvg(h);
    parseXml(svg);
    const html = kiln.viz.historyHtml(h);
    expect(html).toContain('<td>NaN</td>');
  });

  it('writes a self-contained HTML page (well-formed, no script, the numbers in a table)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-plot-'));
    const path = join(dir, 'h.html');
    kiln.viz.writeHistoryPlot(path, { history }, { title: 'a & b' });
    const html = readFileSync(path, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const root = parseXml(html);
    expect(root.name).toBe('html');
    const els = allElements(root);
    expect(els.some((e) => e.name === 'script')).toBe(false);
    expect(els.filter((e) => e.name === 'svg')).toHaveLength(1);
    expect(els.find((e) => e.name === 'title')!.text).toBe('a & b');
    expect(els.filter((e) => e.name === 'tr')).toHaveLength(1 + 4);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/); // nothing fetched
    expect(readdirSync(dir)).toEqual(['h.html']);
    expect(() => kiln.viz.writeHistoryPlot(join(dir, 'h.png'), { history })).toThrow(/expected a \.svg or \.html file/);
  });

  it('TrainingPlot redraws the file after every epoch (live, atomically) and drops the reload at the end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-plot-'));
    const path = join(dir, 'live', 'train.html');
    const cb = new TrainingPlot(path, { refreshSeconds: 2 });
    cb.onTrainBegin();
    for (let e = 0; e < 3; e++) {
      cb.onEpochEnd(e, { loss: history.loss[e]!, accuracy: history.accuracy[e]!, val_loss: history.val_loss[e]!, val_accuracy: history.val_accuracy[e]! });
      const html = readFileSync(path, 'utf8');
      const root = parseXml(html);
      expect(allElements(root).filter((el) => el.name === 'tr')).toHaveLength(1 + e + 1);
      expect(html).toContain('http-equiv="refresh" content="2"');
    }
    cb.onTrainEnd();
    expect(readFileSync(path, 'utf8')).not.toContain('refresh');
    expect(readdirSync(join(dir, 'live'))).toEqual(['train.html']);
    const svgCb = new TrainingPlot(join(dir, 'train.svg'));
    svgCb.onEpochEnd(0, { loss: 1 });
    parseXml(readFileSync(join(dir, 'train.svg'), 'utf8'));
    expect(() => new TrainingPlot(join(dir, 'x.txt'))).toThrow(/expected a \.svg or \.html file/);
  });

  it('kiln plot <history.json> writes SVG or HTML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-plot-'));
    const json = join(dir, 'history.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(json, JSON.stringify({ history }));
    const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
    expect(await main(['plot', json, '--out', join(dir, 'p.html'), '--title', 'run'], io)).toBe(0);
    parseXml(readFileSync(join(dir, 'p.html'), 'utf8'));
    expect(await main(['plot', json], io)).toBe(0);
    expect(linePaths(io.out)).toBe(4);
    writeFileSync(json, '{nope');
    expect(await main(['plot', json], io)).toBe(1);
    expect(io.err).toContain('cannot read');
  });
});
