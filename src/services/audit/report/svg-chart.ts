/**
 * Vega-Lite charts rendered to SVG on the server, to inline in a report page: a report must read
 * offline and print, so no chart library runs in the browser. Vega renders headless (renderer "none")
 * with no canvas package: text widths are estimated, which only moves labels by a pixel or two.
 *
 * vega and vega-lite are ES modules with a top-level await (vega-canvas probes for the optional
 * `canvas`), which `require()` cannot load: they are loaded with a dynamic `import()`, once.
 */
import type { TopLevelSpec } from "vega-lite";

type VegaModule = typeof import("vega");
type VegaLiteModule = typeof import("vega-lite");

async function importVega(): Promise<{ vega: VegaModule; vegaLite: VegaLiteModule }> {
  // One after the other: they share modules, and Jest's ESM loader fails on two concurrent imports of one
  // ("request for './accessor.js' is not in cache").
  const vega = await import("vega");
  const vegaLite = await import("vega-lite");
  return { vega, vegaLite };
}
let loading: ReturnType<typeof importVega> | undefined;
/** Loaded once; a failed load is tried again next time rather than remembered. */
const loadVega = () =>
  (loading ??= importVega().catch((e: unknown) => {
    loading = undefined;
    throw e;
  }));

/** E.g. "Vega 6.4.0, Vega-Lite 6.5.0", for a report's footer. */
export async function chartLibraryVersions(): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  return `Vega ${vega.version}, Vega-Lite ${vegaLite.version}`;
}

/**
 * The chart as an inline `<svg>` element: no XML prolog or doctype, and no namespace declarations (an
 * HTML parser puts `<svg>` in the SVG namespace by itself, and the page then holds no URL at all).
 * Throws when the SVG would run or fetch anything (a script, an event handler, a link to anything but a
 * fragment of itself): none of the report's charts makes one, so that would be a bug, not a chart.
 */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  const quiet = vega.logger(vega.Error);
  const compiled = vegaLite.compile(spec, { logger: quiet }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    return inlineSvg(await view.toSVG());
  } finally {
    view.finalize();
  }
}

const FORBIDDEN_ELEMENTS = new Set(["script", "foreignobject", "image", "style", "iframe", "object", "embed", "a"]);

/** Vega's SVG document as an element fit for an HTML page (exported for its tests). */
export function inlineSvg(document: string): string {
  const svg = document
    .replace(/^\s*<\?xml[^>]*\?>\s*/, "")
    .replace(/^\s*<!DOCTYPE[^>]*>\s*/i, "")
    .replace(/^<svg\b[^>]*>/, (open) => open.replace(/\s+xmlns(:\w+)?="[^"]*"/g, ""));
  if (!svg.startsWith("<svg")) throw new Error("chart rendering: the output is not an <svg> element");
  // Vega escapes text and attribute values (labels are admin data), so every "<" starts a tag and every
  // attribute value is a quoted string without quotes: the tags can be checked one by one.
  for (const tag of svg.matchAll(/<([A-Za-z][\w:-]*)([^>]*)>/g)) {
    const element = tag[1]!.toLowerCase();
    if (FORBIDDEN_ELEMENTS.has(element)) throw new Error(`chart rendering: the SVG holds a <${element}>`);
    for (const attribute of tag[2]!.matchAll(/([^\s=/]+)\s*=\s*"([^"]*)"/g)) {
      const name = attribute[1]!.toLowerCase();
      const value = attribute[2]!;
      if (name.startsWith("on")) throw new Error(`chart rendering: the SVG holds an event handler (${name})`);
      if (name.endsWith("href") && !value.startsWith("#")) throw new Error("chart rendering: the SVG links outside itself");
      if (!name.startsWith("aria-") && /url\(\s*["']?(?!#)/i.test(value)) throw new Error("chart rendering: the SVG references a resource");
    }
  }
  return svg;
}
