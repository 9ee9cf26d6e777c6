/**
 * DOT -> SVG with Graphviz compiled to WebAssembly (@viz-js/viz). The WASM module ships inside
 * the package, so rendering works offline; it is instantiated once, on first use.
 */
import type { Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

function graphviz(): Promise<Viz> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  return viz;
}

/**
 * Lays out and renders DOT text with Graphviz's `dot` engine.
 * @throws Error carrying Graphviz's messages when the DOT text is invalid
 */
export async function renderDot(dot: string, format: 'svg' | 'json' | 'plain' = 'svg'): Promise<string> {
  const v = await graphviz();
  const result = v.render(dot, { format, engine: 'dot' });
  if (result.status !== 'success') {
    const msgs = result.errors.map((e) => `${e.level ?? 'error'}: ${e.message}`).join('; ');
    throw new Error(`graphviz: cannot render the graph: ${msgs}`);
  }
  return result.output;
}
