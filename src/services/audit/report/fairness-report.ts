/**
 * A fairness audit (engine/fairness/types.ts) as a page people read before a model version is promoted:
 * what was audited (learners, attributes, groups, parameters and what each threshold means), then per
 * comparison of a group with its reference the charts that show the gaps (ROC with the ABROCA area,
 * reliability diagrams, difficulty of the recommended tasks) and every check with its p-values and verdict.
 *
 * The audit arrives as stored JSON, so any number may be null (NaN does not survive JSON) and any list
 * empty: missing values show as "—" and a chart with nothing to draw is left out with a note saying so.
 */
import type {
  AttributeSummary,
  FairnessAudit,
  FairnessCheck,
  FairnessComparison,
  FairnessMetric,
  GroupStats,
} from "../../../engine/fairness/types.js";
import type { FairnessParams } from "../../../engine/fairness/params.js";
import { calibrationSpec, type ChartSets, recommendedSpec, rocSpec } from "./fairness-charts.js";
import {
  type CheckRow,
  checksTable,
  formatCount,
  formatNumber,
  formatPValue,
  Html,
  html,
  MISSING,
  renderPage,
  type ReportMeta,
  statusBadge,
  trustedHtml,
} from "./html-page.js";
import { chartLibraryVersions, renderVegaLite } from "./svg-chart.js";

export type FairnessReportMeta = ReportMeta;

/** What each metric's gap measures, for readers who have not read types.ts. */
const METRIC_MEANING: Readonly<Record<FairnessMetric, string>> = {
  AUC: "difference in AUC (how well the model ranks correct above incorrect answers), attempts 2 onwards of each learner",
  ABROCA: "area between the group's and the reference's ROC curves (Gardner, Brooks & Baker 2019): a ranking gap at any threshold",
  ECE: "difference in expected calibration error (10 equal-width bins)",
  CALIBRATION_IN_THE_LARGE: "difference in mean predicted minus mean observed success: over- or under-prediction",
  EQUAL_OPPORTUNITY: "difference in true-positive rate at the threshold: share of correct answers predicted as likely",
  COLD_START_AUC: "difference in AUC on attempts 2–10: how well new learners are served",
  RECOMMENDED_SUCCESS:
    "difference in mean predicted success of the tasks recommended (their difficulty) between learners equally ready (conditional on readiness: each learner compared with the audited learners of the same readiness decile)",
  GOAL_ADVANCING_SHARE: "difference in the share of recommended tasks that advance the learner's goal, conditional on readiness",
  ATTEMPTS_TO_MASTERY: "difference in planned attempts to reach the goal",
};

const CORRECTION: Readonly<Record<FairnessParams["correction"], string>> = {
  holm: "Holm (family-wise error rate)",
  "benjamini-hochberg": "Benjamini–Hochberg (false discovery rate)",
};

const comparisonName = (c: { attribute: string; group: string; reference: string }) => `${c.attribute}: ${c.group} vs ${c.reference}`;

/** A failing check in one line, for the verdict banner. */
const failingLine = (c: FairnessCheck) =>
  `${comparisonName(c)} — ${c.metric} gap ${formatNumber(c.gap)} (threshold ${formatNumber(c.threshold)}, adjusted p ${formatPValue(c.adjustedPValue)})`;

const checkRow = (c: FairnessCheck): CheckRow => ({
  name: c.metric,
  gap: c.gap,
  threshold: c.threshold,
  pValue: c.pValue,
  adjustedPValue: c.adjustedPValue,
  status: c.status,
  reason: c.reason,
});

/** A comparison is audited when at least one check could pass or fail; otherwise it says why not. */
function comparisonStatus(c: FairnessComparison): "AUDITED" | "INSUFFICIENT_DATA" | "NOT_AUDITABLE" {
  const checks = c.checks ?? [];
  if (checks.some((k) => k.status === "PASS" || k.status === "FAIL")) return "AUDITED";
  return checks.some((k) => k.status === "INSUFFICIENT_DATA") ? "INSUFFICIENT_DATA" : "NOT_AUDITABLE";
}

function summarySection(audit: FairnessAudit): Html {
  const params = audit.params;
  const minGroupSize = params?.minGroupSize;
  const groups = (a: AttributeSummary) =>
    (a.groups ?? []).map((g, i) => {
      const small = typeof minGroupSize === "number" && g.learners < minGroupSize;
      return html`${i > 0 ? ", " : ""}<span class="${small ? "muted" : ""}">${g.label} (${formatCount(g.learners)}${small ? ", below the minimum" : ""})</span>`;
    });
  return html`<section class="summary">
<h2>Summary</h2>
<dl class="meta">
<dt>Held-out learners</dt><dd>${formatCount(audit.learners)}</dd>
<dt>Attempts</dt><dd>${formatCount(audit.attempts)}</dd>
<dt>Comparisons</dt><dd>${formatCount((audit.comparisons ?? []).length)}</dd>
<dt>Checks</dt><dd>${formatCount((audit.checks ?? []).length)}</dd>
</dl>
<table class="attributes">
<caption>Protected attributes and their groups (learners per group)</caption>
<thead><tr><th scope="col">Attribute</th><th scope="col">Groups</th><th scope="col">Status</th><th scope="col">Reason</th></tr></thead>
<tbody>
${(audit.attributes ?? []).map(
  (a) =>
    html`<tr><th scope="row">${a.name}${a.intersection ? html` <span class="muted">(intersection)</span>` : ""}</th><td>${groups(a)}</td><td>${statusBadge(a.status)}</td><td>${a.reason || MISSING}</td></tr>\n`,
)}</tbody>
</table>
${params ? paramsSection(params) : html`<p class="muted">The audit's parameters were not recorded.</p>`}
</section>`;
}

function paramsSection(params: FairnessParams): Html {
  const references = Object.entries(params.referenceGroups ?? {});
  const thresholds = Object.entries(params.thresholds ?? {}) as [FairnessMetric, number | null][];
  return html`<h3>Parameters</h3>
<dl class="meta">
<dt>Minimum group size</dt><dd>${formatCount(params.minGroupSize)} learners (a smaller group is reported as insufficient data)</dd>
<dt>Permutation rounds</dt><dd>${formatCount(params.rounds)} (seed ${String(params.seed ?? MISSING)})</dd>
<dt>Multiple-testing correction</dt><dd>${CORRECTION[params.correction] ?? params.correction} at α = ${formatNumber(params.alpha, 2)}</dd>
<dt>Equal-opportunity threshold</dt><dd>${formatNumber(params.threshold, 2)} (a prediction at or above it counts as “likely to succeed”)</dd>
<dt>Reference</dt><dd>${references.length === 0 ? "each group against the rest of the learners" : references.map(([a, g], i) => html`${i > 0 ? "; " : ""}${a}: ${g}`)}</dd>
<dt>Intersections</dt><dd>${params.intersections ? "audited (pairs of attributes)" : "not audited"}</dd>
</dl>
<table class="thresholds">
<caption>Thresholds: a gap fails when its size exceeds the threshold and it is significant after the correction</caption>
<thead><tr><th scope="col">Metric</th><th scope="col" class="num">Threshold</th><th scope="col">What the gap measures</th></tr></thead>
<tbody>
${thresholds.map(
  ([metric, t]) =>
    html`<tr><th scope="row">${metric}</th><td class="num">${t === null ? "reported only" : formatNumber(t)}</td><td>${METRIC_MEANING[metric] ?? MISSING}</td></tr>\n`,
)}</tbody>
</table>`;
}

function statsTable(sets: ChartSets): Html {
  const { group, reference } = sets;
  const row = (name: string, f: (s: GroupStats) => string) =>
    html`<tr><th scope="row">${name}</th><td class="num">${f(group)}</td><td class="num">${f(reference)}</td></tr>\n`;
  const n = (pick: (s: GroupStats) => number | null | undefined) => (s: GroupStats) => formatNumber(pick(s));
  const quartiles = (s: GroupStats) =>
    s.recommended?.quartiles ? s.recommended.quartiles.map((q) => formatNumber(q)).join(" / ") : MISSING;
  return html`<table class="stats">
<caption>Per-set figures</caption>
<thead><tr><th scope="col"></th><th scope="col" class="num">Group: ${group.label}</th><th scope="col" class="num">Reference: ${reference.label}</th></tr></thead>
<tbody>
${row("Learners", (s) => formatCount(s.learners))}${row("Attempts (2 onwards)", (s) => formatCount(s.attempts))}${row(
  "AUC",
  n((s) => s.auc),
)}${row(
  "Cold-start AUC (attempts 2–10)",
  n((s) => s.coldStartAuc),
)}${row(
  "ECE",
  n((s) => s.ece),
)}${row(
  "Mean predicted success",
  n((s) => s.meanPredicted),
)}${row(
  "Observed success rate",
  n((s) => s.meanObserved),
)}${row(
  "Calibration in the large",
  n((s) => s.calibrationInTheLarge),
)}${row(
  "True-positive rate",
  n((s) => s.truePositiveRate),
)}${row("Learners with recommendations", (s) => formatCount(s.recommended?.learners))}${row(
  "Recommended: mean predicted success",
  n((s) => s.recommended?.meanPredictedSuccess),
)}${row("Recommended: quartiles", quartiles)}${row(
  "Recommended: goal-advancing share",
  n((s) => s.recommended?.goalAdvancingShare),
)}${row(
  "Planned attempts to mastery",
  n((s) => s.recommended?.attemptsToMastery),
)}${row(
  "Readiness (mean predicted success of the tasks the recommender could choose)",
  n((s) => s.recommended?.meanReadiness),
)}${row(
  "Recommended: predicted success above learners as ready",
  n((s) => s.recommended?.successResidual),
)}${row(
  "Recommended: goal-advancing share above learners as ready",
  n((s) => s.recommended?.goalAdvancingShareResidual),
)}</tbody>
</table>`;
}

type Plot = "roc" | "calibration" | "recommended";

async function figure(plot: Plot, spec: ReturnType<typeof rocSpec>, caption: Html | string, missing: string): Promise<Html> {
  if (!spec) return html`<p class="muted no-plot" data-plot="${plot}">${missing}</p>`;
  return html`<figure data-plot="${plot}">${trustedHtml(await renderVegaLite(spec))}<figcaption>${caption}</figcaption></figure>`;
}

async function comparisonSection(c: FairnessComparison, index: number): Promise<Html> {
  const status = comparisonStatus(c);
  const checks = c.checks ?? [];
  const heading = html`<h3 id="comparison-${index + 1}">${comparisonName(c)} ${statusBadge(status)}</h3>`;
  const table = checksTable(checks.map(checkRow), "Checks");
  if (status !== "AUDITED" || !c.groupStats || !c.referenceStats) {
    const reasons = [...new Set(checks.map((k) => k.reason).filter(Boolean))];
    return html`<section class="comparison not-audited" data-status="${status}">
${heading}
<p>Not audited: ${reasons.length > 0 ? reasons.join(" ") : "no check could be computed."} Group: ${formatCount(c.groupStats?.learners)} learners; reference: ${formatCount(c.referenceStats?.learners)} learners.</p>
${table}
</section>`;
  }
  const sets: ChartSets = { group: c.groupStats, reference: c.referenceStats };
  const abroca = checks.find((k) => k.metric === "ABROCA");
  const figures = await Promise.all([
    figure(
      "roc",
      rocSpec(sets),
      html`ROC curves (attempts 2 onwards). Shaded: the area between them, ABROCA = ${formatNumber(abroca?.gap)}.`,
      "No ROC curve: neither set has both correct and incorrect answers.",
    ),
    figure(
      "calibration",
      calibrationSpec(sets),
      "Reliability diagram: observed success rate against mean predicted success per bin; the dashed diagonal is perfect calibration.",
      "No calibration bins for either set.",
    ),
    figure(
      "recommended",
      recommendedSpec(sets),
      "Difficulty of the recommended tasks: share of each set's recommended tasks per bin of predicted success.",
      "No recommendations to compare (recommendation parity not audited, or no learner got one).",
    ),
  ]);
  return html`<section class="comparison" data-status="${status}">
${heading}
<div class="figures">${figures}</div>
${statsTable(sets)}
${table}
</section>`;
}

function methodSection(audit: FairnessAudit, libraries: string): Html {
  const p = audit.params;
  return html`<p>The audit compares, per protected attribute, each group of held-out learners with its reference on the
predictions and recommendations of this model version. Group labels never reach the model, the recommender or training:
the audit reads what they produced without them. Each gap's p-value comes from a permutation test
(${p ? formatCount(p.rounds) : MISSING} rounds${p ? `, seed ${p.seed}` : ""}; two-sided, ABROCA one-sided) and is adjusted with the
${p ? (CORRECTION[p.correction] ?? p.correction) : MISSING} correction over every gated check of the audit. A check fails when its gap is larger
than its threshold and its adjusted p-value is below α${p ? ` = ${formatNumber(p.alpha, 2)}` : ""}. Charts rendered on the server with ${libraries}.</p>`;
}

export async function renderFairnessReport(meta: FairnessReportMeta, audit: FairnessAudit): Promise<string> {
  const comparisons = audit.comparisons ?? [];
  const [sections, libraries] = await Promise.all([Promise.all(comparisons.map(comparisonSection)), chartLibraryVersions()]);
  return renderPage({
    title: "Fairness audit",
    reportId: meta.reportId,
    modelVersion: meta.modelVersion,
    modelVersionId: meta.modelVersionId,
    schoolName: meta.schoolName,
    createdAt: meta.createdAt,
    verdict: audit.status,
    reason: audit.reason,
    failing: (audit.checks ?? []).filter((c) => c.status === "FAIL").map(failingLine),
    sections: [
      summarySection(audit),
      html`<h2>Comparisons</h2>${comparisons.length === 0 ? html`<p class="muted">No comparison was made.</p>` : ""}`,
      ...sections,
    ],
    method: methodSection(audit, libraries),
  });
}
