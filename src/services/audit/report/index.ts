/**
 * Every stored audit report (persistence/model/audit-report.entity.ts) as a self-contained HTML page.
 * A kind with a renderer of its own gets it (FAIRNESS, PRIVACY) when its figures have the shape that
 * renderer reads; anything else (a kind this code does not know, an older or broken row) gets the generic
 * page: the verdict, the checks table and the figures as a definition list, so that no report is ever
 * unreadable.
 */
import type { FairnessAudit } from "../../../engine/fairness/types.js";
import type { PrivacyAudit } from "../privacy-audit.types.js";
import { renderFairnessReport } from "./fairness-report.js";
import {
  type CheckRow,
  checksTable,
  formatValue,
  type Html,
  html,
  MISSING,
  type ReportMeta,
  renderPage,
  type Verdict,
} from "./html-page.js";
import { renderPrivacyReport } from "./privacy-report.js";

export { escapeHtml, type ReportMeta } from "./html-page.js";
export { renderFairnessReport, type FairnessReportMeta } from "./fairness-report.js";
export { renderPrivacyReport } from "./privacy-report.js";

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
  const meta: ReportMeta = {
    reportId: report.id,
    modelVersion: report.modelVersion.version,
    modelVersionId: report.modelVersion.id,
    schoolName: report.schoolName,
    createdAt: report.createdAt,
  };
  if (report.kind === "FAIRNESS" && isFairnessAudit(report.figures)) return renderFairnessReport(meta, report.figures);
  if (report.kind === "PRIVACY" && isPrivacyAudit(report.figures)) return renderPrivacyReport(meta, report.figures);
  return renderGenericReport(report);
}

const isVerdict = (v: unknown) => v === "PASSED" || v === "FAILED" || v === "NOT_AUDITABLE";
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The shape renderFairnessReport relies on; anything else (an older or broken row) falls back to the generic page. */
function isFairnessAudit(figures: unknown): figures is FairnessAudit {
  const f = figures as Partial<Record<keyof FairnessAudit, unknown>> | null;
  return isObject(f) && isVerdict(f.status) && Array.isArray(f.comparisons) && Array.isArray(f.attributes) && Array.isArray(f.checks);
}

/**
 * The shape renderPrivacyReport relies on (the stored row's figures: the PrivacyAudit, maybe with an
 * `evaluation` key, which the page does not read); anything else falls back to the generic page.
 */
function isPrivacyAudit(figures: unknown): figures is PrivacyAudit {
  const f = figures as Partial<Record<keyof PrivacyAudit, unknown>> | null;
  return (
    isObject(f) &&
    isVerdict(f.status) &&
    typeof f.k === "number" &&
    Array.isArray(f.checks) &&
    f.checks.every(isObject) &&
    Array.isArray(f.suppression) &&
    f.suppression.every(isObject) &&
    isObject(f.subject) &&
    (f.membership === null || (isObject(f.membership) && Array.isArray(f.membership.attacks) && f.membership.attacks.every(isObject)))
  );
}

const TITLES: Readonly<Record<string, string>> = { FAIRNESS: "Fairness audit", PRIVACY: "Privacy audit" };
const KINDS_WITH_A_PAGE: Readonly<Record<string, string>> = { FAIRNESS: "fairness", PRIVACY: "privacy" };

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
  // A kind with a page of its own lands here only when its figures are not in the shape that page reads.
  const ownPage = KINDS_WITH_A_PAGE[report.kind];
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
      html`<section class="figures-section"><h2>Figures</h2>${ownPage ? html`<p class="muted">These figures are not in the ${ownPage} audit's format; shown as recorded.</p>` : ""}${figuresList(asFields(report.figures))}</section>`,
    ],
    method: html`<p>The ${report.kind || "unknown"} audit's checks and figures as recorded with the report; ${ownPage ? "they are not in the format its own page reads" : "this kind of audit has no renderer of its own yet"}.</p>`,
  });
}
