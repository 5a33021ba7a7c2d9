/**
 * Rendered pages read back through an HTML parser (parse5) as a browser would read them: what is on the
 * page, not how the markup happens to be spelled. For the report page tests (src/services/audit/report).
 */

export interface DomNode {
  nodeName: string;
  tagName?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: DomNode[];
  content?: DomNode;
  value?: string;
}

/** parse5 is an ES module: imported (in a beforeAll), not required. */
export async function loadHtmlParser(): Promise<(html: string) => DomNode> {
  const parse5 = await import("parse5");
  return (html) => parse5.parse(html) as unknown as DomNode;
}

export const descendants = (node: DomNode, out: DomNode[] = []): DomNode[] => {
  for (const child of node.childNodes ?? []) {
    out.push(child);
    descendants(child, out);
  }
  return out;
};
export const attr = (node: DomNode, name: string) => node.attrs?.find((a) => a.name === name)?.value;
export const hasClass = (node: DomNode, cls: string) => (attr(node, "class") ?? "").split(/\s+/).includes(cls);
export const elements = (root: DomNode, tag: string) => descendants(root).filter((n) => n.tagName === tag);
export const textOf = (node: DomNode): string =>
  descendants(node)
    .filter((n) => n.nodeName === "#text")
    .map((n) => n.value)
    .join("");
export const byClass = (root: DomNode, tag: string, cls: string) => elements(root, tag).filter((n) => hasClass(n, cls));
export const cells = (row: DomNode) =>
  (row.childNodes ?? []).filter((n) => n.tagName === "th" || n.tagName === "td").map((n) => textOf(n).trim());

/** Nothing on the page runs or loads anything: no script, stylesheet link, embedded resource, handler or URL. */
export function expectSelfContained(page: string, doc: DomNode): void {
  expect(page).not.toMatch(/https?:\/\//i);
  expect(page).not.toMatch(/@import|url\(/i);
  const all = descendants(doc);
  const tags = new Set(all.map((n) => n.tagName).filter(Boolean));
  for (const tag of ["script", "link", "img", "image", "iframe", "object", "embed", "foreignObject"]) expect(tags.has(tag)).toBe(false);
  for (const n of all) {
    for (const a of n.attrs ?? []) {
      expect(a.name).not.toMatch(/^on/i);
      expect(a.name).not.toBe("src");
      if (/href$/.test(a.name)) expect(a.value.startsWith("#")).toBe(true);
    }
  }
}
