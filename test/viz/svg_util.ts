/** Reading SVG back in tests: validate it as XML and list its Graphviz clusters and nodes. */
import { expect } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface SvgElement {
  name: string;
  attrs: Record<string, string>;
  children: SvgElement[];
  text: string;
}

/** Parses XML (asserting it is well-formed) into a simple element tree. */
export function parseXml(xml: string): SvgElement {
  const valid = XMLValidator.validate(xml);
  expect(valid, typeof valid === 'object' ? JSON.stringify(valid.err) : '').toBe(true);
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, processEntities: true, htmlEntities: true });
  const doc = parser.parse(xml) as unknown[];
  const convert = (node: Record<string, unknown>): SvgElement | undefined => {
    const name = Object.keys(node).find((k) => k !== ':@');
    if (!name || name === '#text' || name.startsWith('?') || name.startsWith('!')) return undefined;
    const kids = (node[name] as Record<string, unknown>[]) ?? [];
    const attrs = (node[':@'] as Record<string, string>) ?? {};
    const text = kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join('');
    return { name, attrs, children: kids.map(convert).filter((x): x is SvgElement => !!x), text };
  };
  const roots = (doc as Record<string, unknown>[]).map(convert).filter((x): x is SvgElement => !!x);
  expect(roots).toHaveLength(1);
  return roots[0]!;
}

/** Every element of the tree, depth first. */
export function allElements(e: SvgElement): SvgElement[] {
  return [e, ...e.children.flatMap(allElements)];
}

/** All text under an element. */
export function textOf(e: SvgElement): string {
  return [e.text, ...e.children.map(textOf)].join(' ');
}

/** Graphviz's `<g class="cluster">` groups: their `<title>` (cluster_<id>) and label text. */
export function clusters(svg: SvgElement): { title: string; label: string }[] {
  return allElements(svg)
    .filter((e) => e.name === 'g' && e.attrs['class'] === 'cluster')
    .map((g) => ({
      title: g.children.find((c) => c.name === 'title')?.text ?? '',
      label: g.children.filter((c) => c.name === 'text' || c.name === 'g').map(textOf).join(' ').trim(),
    }));
}

/** Graphviz's `<g class="node">` groups, by `<title>` (the node id, i.e. the op name). */
export function nodeTitles(svg: SvgElement): string[] {
  return allElements(svg)
    .filter((e) => e.name === 'g' && e.attrs['class'] === 'node')
    .map((g) => g.children.find((c) => c.name === 'title')?.text ?? '');
}
