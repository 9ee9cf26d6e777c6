/**
 * Training plots: loss and each metric per epoch, training and validation, from a `History`
 * (or any `{ history: { loss: [...], val_loss: [...], ... } }`), as SVG or as a self-contained
 * HTML page (the SVG inline, plus a table of the numbers; no script, nothing fetched; also
 * well-formed XML, so XML tools read it).
 *
 * kiln builds a Vega-Lite spec (one panel per metric, each with its own y scale); Vega renders
 * it to SVG in Node (render_worker.ts). The functions here are synchronous on purpose: `fit`
 * runs its epochs synchronously, so a plot callback that awaited a promise would only draw
 * once training had ended.
 */
import type { TopLevelSpec } from 'vega-lite';
import { InvalidArgumentError } from '../graph/errors.js';
import { writeFileAtomic } from './atomic.js';
import { renderVegaLiteSync } from './render_worker.js';

/** Per-epoch numbers by name, as Keras's `History.history`: `loss`, metrics, `val_*`. */
export type HistoryRecord = Readonly<Record<string, readonly number[]>>;

/** A `History` (what `fit` returns), or any object with its `history` record, or the record itself. */
export type HistoryLike = { readonly history: HistoryRecord; readonly epoch?: readonly number[] } | HistoryRecord;

export interface PlotOptions {
  /** Heading of the plot (default 'Training history'). */
  title?: string;
  /** Width and height of each metric's panel in pixels (default 480 x 200). */
  width?: number;
  height?: number;
}

export interface HtmlPlotOptions extends PlotOptions {
  /** Make the page reload itself every this many seconds (for watching a live plot in a browser). */
  refreshSeconds?: number;
}

interface Row {
  epoch: number;
  metric: string;
  split: 'training' | 'validation';
  value: number | null;
}

const VAL = 'val_';

function recordOf(h: HistoryLike): { record: HistoryRecord; epochs?: readonly number[] } {
  const maybe = h as { history?: unknown; epoch?: unknown };
  if (typeof maybe.history === 'object' && maybe.history !== null && !Array.isArray(maybe.history)) {
    return { record: maybe.history as HistoryRecord, ...(Array.isArray(maybe.epoch) ? { epochs: maybe.epoch as number[] } : {}) };
  }
  return { record: h as HistoryRecord };
}

/**
 * The metrics to draw, in order (`loss` first, then as recorded), each named without `val_`.
 * @throws InvalidArgumentError when a value is not a list of numbers
 */
export function historyMetrics(h: HistoryLike): string[] {
  const { record } = recordOf(h);
  const names: string[] = [];
  for (const [k, v] of Object.entries(record)) {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
      throw new InvalidArgumentError(`plot: history['${k}'] must be a list of numbers (one per epoch)`);
    }
    const base = k.startsWith(VAL) ? k.slice(VAL.length) : k;
    if (!names.includes(base)) names.push(base);
  }
  return names.sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
}

/** Long-form rows for the chart: one per (metric, split, epoch); NaN/Inf become gaps. */
function rows(h: HistoryLike): Row[] {
  const { record, epochs } = recordOf(h);
  const out: Row[] = [];
  for (const [k, values] of Object.entries(record)) {
    const validation = k.startsWith(VAL);
    const metric = validation ? k.slice(VAL.length) : k;
    values.forEach((v, i) => {
      // Keras numbers epochs from 1 when it prints them; `History.epoch` holds 0-based indices.
      const epoch = (epochs?.[i] ?? i) + 1;
      out.push({ epoch, metric, split: validation ? 'validation' : 'training', value: Number.isFinite(v) ? v : null });
    });
  }
  return out;
}

/** The Vega-Lite spec of a history plot (exposed so a user can restyle it or render it elsewhere). */
export function historySpec(h: HistoryLike, options: PlotOptions = {}): TopLevelSpec {
  const metrics = historyMetrics(h);
  if (!metrics.length) throw new InvalidArgumentError('plot: the history is empty (no loss or metric recorded)');
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'Training history',
    data: { values: rows(h) as unknown as Record<string, unknown>[] },
    facet: { row: { field: 'metric', type: 'nominal', sort: metrics, header: { title: null, labelAngle: 0, labelAlign: 'left', labelFontWeight: 'bold' } } },
    spec: {
      width: options.width ?? 480,
      height: options.height ?? 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'split', type: 'nominal', title: null, scale: { domain: ['training', 'validation'] } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/**
 * Renders a Vega-Lite spec of inline data to SVG, synchronously.
 * @throws Error with Vega's message when the spec cannot be rendered
 */
export function renderSvg(spec: TopLevelSpec): string {
  return renderVegaLiteSync(spec);
}

/**
 * SVG of loss and each metric per epoch, training and validation (one panel per metric).
 * @example writeFileSync('history.svg', kiln.viz.historySvg(model.fit(x, y, { epochs: 10, validationSplit: 0.1 })));
 */
export function historySvg(h: HistoryLike, options: PlotOptions = {}): string {
  return renderSvg(historySpec(h, options));
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A self-contained HTML page: the SVG plot inline and a table of the numbers per epoch. */
export function historyHtml(h: HistoryLike, options: HtmlPlotOptions = {}): string {
  const title = options.title ?? 'Training history';
  const svg = historySvg(h, options);
  const { record, epochs } = recordOf(h);
  const keys = Object.keys(record);
  const n = Math.max(0, ...keys.map((k) => record[k]!.length));
  const fmt = (x: number | undefined): string => (x === undefined ? '' : Number.isFinite(x) ? x.toPrecision(5) : String(x));
  const head = `<tr><th>epoch</th>${keys.map((k) => `<th>${escapeHtml(k)}</th>`).join('')}</tr>`;
  const body = Array.from({ length: n }, (_, i) => `<tr><td>${(epochs?.[i] ?? i) + 1}</td>${keys.map((k) => `<td>${fmt(record[k]![i])}</td>`).join('')}</tr>`).join('\n');
  const refresh =
    options.refreshSeconds !== undefined && options.refreshSeconds > 0 ? `<meta http-equiv="refresh" content="${Math.ceil(options.refreshSeconds)}" />\n` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
${refresh}<title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style>
</head>
<body>
${svg.replace(/^<\?xml[^>]*>\s*/, '')}
<table>
${head}
${body}
</table>
</body>
</html>
`;
}

/**
 * Writes a history plot to `path` atomically: HTML for `.html`/`.htm`, else SVG for `.svg`.
 * @throws InvalidArgumentError for another file extension
 */
export function writeHistoryPlot(path: string, h: HistoryLike, options: HtmlPlotOptions = {}): void {
  const lower = path.toLowerCase();
  if (lower.endsWith('.html') || lower.endsWith('.htm')) writeFileAtomic(path, historyHtml(h, options));
  else if (lower.endsWith('.svg')) writeFileAtomic(path, historySvg(h, options));
  else throw new InvalidArgumentError(`writeHistoryPlot: '${path}': expected a .svg or .html file`);
}
