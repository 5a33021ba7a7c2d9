/**
 * The page chrome every audit report shares, whatever its kind: one self-contained HTML page (inline CSS,
 * inline SVG, nothing fetched: a report is read offline, archived and printed) with a title, a verdict
 * banner, the model version, a checks table and a footer saying how the figures were computed.
 *
 * Report values can come from admins (attribute names, group labels), so every string reaches the page
 * through `escapeHtml`: the `html` template escapes whatever it interpolates unless it is already `Html`,
 * and only `trustedHtml` (the SVG charts, which svg-chart.ts checks) bypasses it.
 */

/** A fragment of HTML that is safe to put on the page as it is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Shown wherever a value is missing: null, undefined, NaN or ±Infinity. */
export const MISSING = "—";

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** The one escaper: text and attribute values alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Markup made by this code or checked by svg-chart.ts; never for a value from a report. */
export const trustedHtml = (markup: string): Html => new Html(markup);

type Interpolated = Html | string | number | boolean | null | undefined | readonly Interpolated[];

function interpolate(value: Interpolated): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(interpolate).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are markup, every interpolated value is escaped (arrays joined). */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolated[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Fixed decimals with a typographic minus; a value that rounds to zero is shown unsigned. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (!isFiniteNumber(value)) return MISSING;
  const fixed = value.toFixed(digits);
  if (Number(fixed) === 0) return (0).toFixed(digits);
  return fixed.replace(/^-/, "−");
}

/** A p-value: four decimals (a permutation p-value near α must not round onto it), "< 0.0001" below. */
export function formatPValue(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return MISSING;
  return value < 0.0001 ? "< 0.0001" : value.toFixed(4);
}

/** A count with thousands separators (fixed locale: the page must not depend on the server's). */
export function formatCount(value: number | null | undefined): string {
  return isFiniteNumber(value) ? Math.round(value).toLocaleString("en-US") : MISSING;
}

/** An instant in UTC to the minute, e.g. "2025-03-01 14:05 UTC". */
export function formatInstant(at: Date): string {
  return Number.isNaN(at.getTime()) ? MISSING : `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A value of unknown shape (a stored report's JSON): numbers formatted, objects as JSON, missing as "—". */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return MISSING;
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value === "" ? MISSING : value;
  if (typeof value === "boolean") return value ? "yes" : "no";
  return JSON.stringify(value);
}

export type Verdict = "PASSED" | "FAILED" | "NOT_AUDITABLE";

/** A check's status as a badge; the class picks its colour, unknown statuses stay neutral. */
export function statusBadge(status: string): Html {
  const known = ["PASS", "FAIL", "INSUFFICIENT_DATA", "NOT_AUDITABLE", "AUDITED", "PASSED", "FAILED"];
  const cls = known.includes(status) ? status.toLowerCase().replace(/_/g, "-") : "other";
  return html`<span class="badge badge-${cls}">${status.replace(/_/g, " ")}</span>`;
}

/** One row of a checks table. Numbers are formatted here; strings (a stored report's own) shown as they are. */
export interface CheckRow {
  /** The check's name or metric. */
  readonly name: string;
  readonly gap?: number | string | null;
  readonly threshold?: number | string | null;
  readonly pValue?: number | null;
  readonly adjustedPValue?: number | null;
  readonly status: string;
  /** Beside the status, e.g. whether a NOT_AUDITABLE verdict blocks a promotion. */
  readonly statusNote?: string;
  readonly reason: string;
  /** The figures the verdict was decided on (the "figures" layout). */
  readonly figures?: Html;
}

/**
 * "tests": a statistical test per row (gap, threshold, p, adjusted p: fairness); "figures": the figures
 * each verdict was decided on, whatever they are (privacy: counts, AUCs, ids of views).
 */
export type ChecksLayout = "tests" | "figures";

const cell = (v: number | string | null | undefined): string => (typeof v === "string" ? v || MISSING : formatNumber(v));

function checkCells(r: CheckRow, layout: ChecksLayout): Html {
  const status = html`<td>${statusBadge(r.status)}${r.statusNote ? html` <span class="muted status-note">${r.statusNote}</span>` : ""}</td>`;
  if (layout === "figures") return html`${status}<td>${r.reason || MISSING}</td><td class="check-figures">${r.figures ?? MISSING}</td>`;
  return html`<td class="num">${cell(r.gap)}</td><td class="num">${cell(r.threshold)}</td><td class="num">${formatPValue(r.pValue)}</td><td class="num">${formatPValue(r.adjustedPValue)}</td>${status}<td>${r.reason || MISSING}</td>`;
}

const CHECK_HEADERS: Readonly<Record<ChecksLayout, Html>> = {
  tests: html`<th scope="col" class="num">Gap / value</th><th scope="col" class="num">Threshold</th><th scope="col" class="num">p</th><th scope="col" class="num">Adjusted p</th><th scope="col">Status</th><th scope="col">Reason</th>`,
  figures: html`<th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Figures</th>`,
};

export function checksTable(rows: readonly CheckRow[], caption: string, layout: ChecksLayout = "tests"): Html {
  if (rows.length === 0) return html`<p class="muted">${caption}: no checks.</p>`;
  return html`<table class="checks">
<caption>${caption}</caption>
<thead><tr><th scope="col">Check</th>${CHECK_HEADERS[layout]}</tr></thead>
<tbody>
${rows.map((r) => html`<tr class="check"><th scope="row">${r.name}</th>${checkCells(r, layout)}</tr>\n`)}</tbody>
</table>`;
}

/** Which report a page is: the row's id, its model version, when it was made and, when known, the school. */
export interface ReportMeta {
  readonly reportId: string;
  readonly modelVersion: number;
  readonly modelVersionId: string;
  readonly schoolName?: string;
  readonly createdAt: Date;
}

export interface AuditPage extends ReportMeta {
  /** E.g. "Fairness audit". */
  readonly title: string;
  readonly verdict: Verdict;
  /** One sentence: why this verdict. */
  readonly reason: string;
  /** The failing checks, one line each, named in the banner. */
  readonly failing: readonly string[];
  /** The page's body, in order. */
  readonly sections: readonly Html[];
  /** How the figures were computed (the footer). */
  readonly method: Html;
}

const VERDICT_TEXT: Readonly<Record<Verdict, string>> = { PASSED: "PASSED", FAILED: "FAILED", NOT_AUDITABLE: "NOT AUDITABLE" };

function verdictBanner(page: AuditPage): Html {
  const cls = page.verdict.toLowerCase().replace(/_/g, "-");
  return html`<section class="banner banner-${cls}" role="status">
<p class="verdict">${VERDICT_TEXT[page.verdict]}</p>
<p>${page.reason || MISSING}</p>
${page.failing.length > 0 ? html`<p>Failing checks:</p><ul class="failing">${page.failing.map((f) => html`<li>${f}</li>`)}</ul>` : ""}
</section>`;
}

export function renderPage(page: AuditPage): string {
  const title = `${page.title} · model version ${page.modelVersion}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${trustedHtml(PAGE_CSS)}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<dl class="meta">
${page.schoolName ? html`<dt>School</dt><dd>${page.schoolName}</dd>` : ""}
<dt>Model version</dt><dd>${page.modelVersion} <span class="muted">(${page.modelVersionId})</span></dd>
<dt>Report</dt><dd>${page.reportId}</dd>
<dt>Created</dt><dd>${formatInstant(page.createdAt)}</dd>
</dl>
</header>
<main>
${verdictBanner(page)}
${page.sections}
</main>
<footer>
<h2>How this was computed</h2>
${page.method}
<p class="muted">This page is self-contained: it loads nothing from the network.</p>
</footer>
</body>
</html>
`.value;
}

const PAGE_CSS = `
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .5rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
.muted { color: #57606a; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.banner { border-radius: 6px; padding: .75rem 1rem; margin: 1.25rem 0; border: 2px solid; }
.banner .verdict { font-size: 1.5rem; font-weight: 700; margin: 0 0 .25rem; letter-spacing: .04em; }
.banner p { margin: .25rem 0; }
.banner-passed { background: #dafbe1; border-color: #1a7f37; }
.banner-failed { background: #ffebe9; border-color: #cf222e; }
.banner-not-auditable { background: #f6f8fa; border-color: #6e7781; }
table { border-collapse: collapse; margin: .75rem 0; width: 100%; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
table.checks td:last-child { min-width: 12rem; }
td.check-figures ul { margin: 0; padding-left: 1rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; border-radius: 1em; padding: 0 .55em; font-size: .8rem; font-weight: 600; white-space: nowrap; border: 1px solid; }
.badge-pass, .badge-passed, .badge-audited { background: #dafbe1; border-color: #1a7f37; color: #116329; }
.badge-fail, .badge-failed { background: #ffebe9; border-color: #cf222e; color: #a40e26; }
.badge-insufficient-data, .badge-not-auditable, .badge-other { background: #f6f8fa; border-color: #6e7781; color: #424a53; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; flex: 1 1 18rem; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: .85rem; color: #424a53; }
dl.figures-list dt { font-weight: 600; margin-top: .5rem; }
pre { white-space: pre-wrap; word-break: break-word; background: #f6f8fa; padding: .5rem; border-radius: 4px; font-size: .8rem; }
footer { margin-top: 2.5rem; font-size: .85rem; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  .banner, .badge, thead th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  figure { flex: 1 1 30%; }
  figure, tr, .banner { break-inside: avoid; }
  h2, h3, caption { break-after: avoid; }
}
`;
