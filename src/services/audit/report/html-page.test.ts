/** escapeHtml, the html template and the number formats the report pages rely on, on hand-written cases. */
import { checksTable, escapeHtml, formatCount, formatInstant, formatNumber, formatPValue, html, trustedHtml } from "./html-page.js";

describe("escapeHtml", () => {
  test("escapes the five characters that can end text or an attribute value", () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
  });

  test("the html template escapes what it interpolates, arrays included, and keeps Html as it is", () => {
    const label = "<b>";
    expect(html`<p>${label}</p>`.value).toBe("<p>&lt;b&gt;</p>");
    expect(html`<ul>${["<", html`<li>ok</li>`]}</ul>`.value).toBe("<ul>&lt;<li>ok</li></ul>");
    expect(html`${null}${undefined}${false}${0}`.value).toBe("0");
    expect(html`${trustedHtml("<svg></svg>")}`.value).toBe("<svg></svg>");
  });
});

describe("number formats", () => {
  test("missing values are a dash, negatives get a typographic minus, a rounded zero no sign", () => {
    for (const missing of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) expect(formatNumber(missing)).toBe("—");
    expect(formatNumber(-0.0412)).toBe("−0.041");
    expect(formatNumber(0.0625, 2)).toBe("0.06");
    expect(formatNumber(-0.0004)).toBe("0.000");
    expect(formatNumber(2.5)).toBe("2.500");
  });

  test("p-values keep four decimals so that one near α does not round onto it", () => {
    expect(formatPValue(0.0495)).toBe("0.0495");
    expect(formatPValue(0.000999)).toBe("0.0010");
    expect(formatPValue(0.00004)).toBe("< 0.0001");
    expect(formatPValue(null)).toBe("—");
  });

  test("counts and instants do not depend on the server's locale or time zone", () => {
    expect(formatCount(12345)).toBe("12,345");
    expect(formatCount(null)).toBe("—");
    expect(formatInstant(new Date(Date.UTC(2025, 2, 1, 14, 5, 59)))).toBe("2025-03-01 14:05 UTC");
    expect(formatInstant(new Date(Number.NaN))).toBe("—");
  });
});

test("checksTable escapes a stored check's strings and shows nulls as a dash", () => {
  const table = checksTable(
    [{ name: "<i>m</i>", gap: null, threshold: "n/a", pValue: null, adjustedPValue: 0.5, status: "FAIL", reason: "" }],
    "Checks",
  ).value;
  expect(table).toContain('<th scope="row">&lt;i&gt;m&lt;/i&gt;</th>');
  expect(table).not.toContain("<i>");
  expect(table).toContain('<td class="num">—</td><td class="num">n/a</td><td class="num">—</td><td class="num">0.5000</td>');
  expect(checksTable([], "Checks").value).toContain("no checks");
});

test("checksTable's figures layout: check, status with its note, reason and the figures, no p-value columns", () => {
  const table = checksTable(
    [
      {
        name: "ERASURE",
        status: "NOT_AUDITABLE",
        statusNote: "does not block",
        reason: "<r>",
        figures: html`<ul><li>receipts: 4</li></ul>`,
      },
    ],
    "Checks",
    "figures",
  ).value;
  expect(table).toContain('<th scope="col">Check</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Figures</th>');
  expect(table).not.toContain("Adjusted p");
  expect(table).toContain(
    '<span class="muted status-note">does not block</span></td><td>&lt;r&gt;</td><td class="check-figures"><ul><li>receipts: 4</li></ul></td>',
  );
});
