/** SVG post-processing (nothing that runs or fetches gets onto a page) and a real render through vega in Node. */
import { inlineSvg, renderVegaLite } from "./svg-chart.js";

describe("inlineSvg", () => {
  test("drops the XML prolog and the namespace declarations, so the page holds no URL", () => {
    const doc =
      '<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="2"><g/></svg>';
    expect(inlineSvg(doc)).toBe('<svg width="2"><g/></svg>');
  });

  test.each([
    ["a script", "<svg><script>alert(1)</script></svg>"],
    ["an event handler", '<svg><rect onload="alert(1)"/></svg>'],
    ["an external link", '<svg><use href="https://example.org/x.svg#a"/></svg>'],
    ["an external xlink", '<svg><use xlink:href="x.svg#a"/></svg>'],
    ["an external resource in a paint", '<svg><rect fill="url(https://example.org/p.svg#p)"/></svg>'],
    ["an image", '<svg><image width="2"/></svg>'],
    ["a foreign object", "<svg><foreignObject></foreignObject></svg>"],
  ])("refuses %s", (_what, doc) => {
    expect(() => inlineSvg(doc)).toThrow(/chart rendering/);
  });

  test("accepts links to its own fragments and escaped text that merely looks like markup", () => {
    const doc = '<svg><use href="#a"/><rect fill="url(#grad)"/><text aria-label="url(x)">only=1 &lt;script&gt;</text></svg>';
    expect(inlineSvg(doc)).toBe(doc);
  });
});

test("renderVegaLite renders a chart in Node, without a canvas, to an inline <svg> with one path per line", async () => {
  const svg = await renderVegaLite({
    data: {
      values: [
        { x: 0, y: 0, s: "a" },
        { x: 1, y: 1, s: "a" },
        { x: 0, y: 1, s: "b" },
        { x: 1, y: 0, s: "b" },
      ],
    },
    mark: "line",
    encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" }, color: { field: "s", type: "nominal" } },
  });
  expect(svg.startsWith("<svg ")).toBe(true);
  expect(svg.endsWith("</svg>")).toBe(true);
  expect(svg).not.toMatch(/https?:|<script/i);
  const lines = svg.match(/aria-roledescription="line mark"/g) ?? [];
  expect(lines).toHaveLength(2);
});
