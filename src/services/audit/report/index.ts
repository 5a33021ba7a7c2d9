/**
 * Every stored audit report (persistence/model/audit-report.entity.ts) as a self-contained HTML page.
 * A kind with a renderer of its own gets it (FAIRNESS); any other kind (PRIVACY until issue #14 adds its
 * renderer, or a kind this code does not know) gets the generic page: the verdict, the checks table and
 * the figures as a definition list, so that no report is ever unreadable.
 */
import type { FairnessAudit } from "../../../engine/fairness/types.js";
import { renderFairnessReport } from "./fairness-report.js";
import { type CheckRow, checksTable, formatValue, type Html, html, MISSING, renderPage, type Verdict } from "./html-page.js";

export { escapeHtml } from "./html-page.js";
export { renderFairnessReport, type FairnessReportMeta } from "./fairness-report.js";

/** The fields of an AuditReport row the page shows (the entity, or the GraphQL type). */
export interface AuditReportView {
  readonly id: string;
  readonly kind: string;
  readonly passed: boolean;
  readonly checks: readonly unknown[];
  readonly figures: Record<string, unknown>;
  readonly createdAt: Date;
  readonly modelVersion: { readonly id: string; readonly version: number };
  readonly schoolName?: string;
}

export async function renderAuditReport(report: AuditReportView): Promise<string> {
  if (report.kind === "FAIRNESS" && isFairnessAudit(report.figures)) {
    const meta = {
      reportId: report.id,
      modelVersion: report.modelVersion.version,
      modelVersionId: report.modelVersion.id,
      schoolName: report.schoolName,
      createdAt: report.createdAt,
    };
    return renderFairnessReport(meta, report.figures);
  }
  return renderGenericReport(report);
}

/** The shape renderFairnessReport relies on; anything else (an older or broken row) falls back to the generic page. */
function isFairnessAudit(figures: unknown): figures is FairnessAudit {
  const f = figures as Partial<Record<keyof FairnessAudit, unknown>> | null;
  return (
    typeof f === "object" &&
    f !== null &&
    (f.status === "PASSED" || f.status === "FAILED" || f.status === "NOT_AUDITABLE") &&
    Array.isArray(f.comparisons) &&
    Array.isArray(f.attributes) &&
    Array.isArray(f.checks)
  );
}

const TITLES: Readonly<Record<string, string>> = { FAIRNESS: "Fairness audit", PRIVACY: "Privacy audit" };

type Fields = Readonly<Record<string, unknown>>;
const asFields = (v: unknown): Fields => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Fields) : { value: v });
const numberOrText = (v: unknown): number | string | null =>
  typeof v === "number" ? v : v === null || v === undefined ? null : typeof v === "string" ? v : formatValue(v);
const numberOrNull = (v: unknown): number | null => (typeof v === "number" ? v : null);
const text = (v: unknown): string => (typeof v === "string" ? v : v === null || v === undefined ? "" : formatValue(v));

/** A stored check of any kind ({ name, passed, value, threshold } or a fairness-like one) as a table row. */
function genericCheckRow(raw: unknown, index: number): CheckRow {
  const c = asFields(raw);
  const status = typeof c.status === "string" ? c.status : c.passed === true ? "PASS" : c.passed === false ? "FAIL" : MISSING;
  return {
    name: text(c.name ?? c.metric) || `check ${index + 1}`,
    gap: numberOrText(c.gap ?? c.value),
    threshold: numberOrText(c.threshold),
    pValue: numberOrNull(c.pValue),
    adjustedPValue: numberOrNull(c.adjustedPValue),
    status,
    reason: text(c.reason),
  };
}

function figuresList(figures: Fields): Html {
  const entries = Object.entries(figures ?? {});
  if (entries.length === 0) return html`<p class="muted">No figures recorded.</p>`;
  return html`<dl class="figures-list">
${entries.map(([key, value]) =>
  value !== null && typeof value === "object"
    ? html`<dt>${key}</dt><dd><pre>${JSON.stringify(value, null, 2)}</pre></dd>\n`
    : html`<dt>${key}</dt><dd>${formatValue(value)}</dd>\n`,
)}</dl>`;
}

function renderGenericReport(report: AuditReportView): string {
  const rows = (Array.isArray(report.checks) ? report.checks : []).map(genericCheckRow);
  const failing = rows.filter((r) => r.status === "FAIL").map((r) => r.name);
  const verdict: Verdict = report.passed ? "PASSED" : "FAILED";
  const reason = report.passed
    ? "Every check passed."
    : failing.length > 0
      ? `${failing.length} of ${rows.length} checks failed.`
      : "The audit did not pass (no failing check is recorded).";
  const fairnessFallback = report.kind === "FAIRNESS";
  return renderPage({
    title: TITLES[report.kind] ?? `${report.kind || "Unknown"} audit`,
    reportId: report.id,
    modelVersion: report.modelVersion.version,
    modelVersionId: report.modelVersion.id,
    schoolName: report.schoolName,
    createdAt: report.createdAt,
    verdict,
    reason,
    failing,
    sections: [
      html`<section class="checks-section"><h2>Checks</h2>${checksTable(rows, "Checks")}</section>`,
      html`<section class="figures-section"><h2>Figures</h2>${fairnessFallback ? html`<p class="muted">These figures are not in the fairness audit's format; shown as recorded.</p>` : ""}${figuresList(asFields(report.figures))}</section>`,
    ],
    method: html`<p>The ${report.kind || "unknown"} audit's checks and figures as recorded with the report; this kind of audit has no renderer of its own yet.</p>`,
  });
}
