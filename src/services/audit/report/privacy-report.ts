/**
 * A privacy audit (privacy-audit.types.ts) as a page people read before a model version is promoted:
 * what was audited, every check with the figures it was decided on, the SUPPRESSION check's re-reading of
 * each analytics view (and the cells that break a rule), and the MEMBERSHIP check's attacks with their
 * ROC curves against chance.
 *
 * The audit arrives as stored JSON, so any number may be null (NaN does not survive JSON) and any list
 * empty: missing values show as "—" and a chart with nothing to draw is left out with a note saying so.
 * The figures hold no personal data by construction (ids of views, cohorts, skills and counts); their
 * strings are escaped all the same.
 */
import type { AttackVerdict, MembershipAudit } from "../../../engine/privacy/index.js";
import { type PrivacyAudit, type PrivacyCheck, PrivacyCheckName, type ViewSuppression } from "../privacy-audit.types.js";
import {
  type CheckRow,
  checksTable,
  formatCount,
  formatNumber,
  formatValue,
  type Html,
  html,
  MISSING,
  type ReportMeta,
  renderPage,
  statusBadge,
  trustedHtml,
} from "./html-page.js";
import { membershipRocSpec } from "./privacy-charts.js";
import { chartLibraryVersions, renderVegaLite } from "./svg-chart.js";

/** What each check verifies, in plain words (from the enum's doc comments). */
const CHECK_MEANING: Readonly<Record<PrivacyCheckName, string>> = {
  [PrivacyCheckName.Suppression]:
    "re-reads every analytics view as it is released: no released cell counts between 1 and k − 1 learners, every suppressed cell is blank, and no total minus its released parts leaves between 1 and k − 1 learners",
  [PrivacyCheckName.Catalogue]:
    "no personal column can be reached from the analytics schema, and no business-intelligence role reaches beyond it",
  [PrivacyCheckName.Retention]:
    "no attempt, xAPI statement or xAPI document is older than the retention period (ZPD_RETENTION_DAYS) beyond the daily job's grace",
  [PrivacyCheckName.Erasure]: "no erased learner (erasure receipts) remains in the live data or in the model's training snapshot",
  [PrivacyCheckName.Consent]: "every learner of the model's training snapshot had consented to training",
  [PrivacyCheckName.Membership]:
    "membership inference: an adversary who sees the model's predictions cannot tell its training learners from held-out ones",
  [PrivacyCheckName.DifferentialPrivacy]:
    "with the school's privacy budget for training set, the model was trained with differential privacy (DP-SGD) within its ε and δ",
};

const SNAPSHOT: Readonly<Record<PrivacyAudit["subject"]["snapshot"], string>> = {
  IN_MEMORY: "the retraining's snapshot, in memory",
  STORED: "the learner list stored with the model version",
  MISSING: "none: the model's training snapshot could not be found",
};

const VIOLATION_RULE: Readonly<Record<string, string>> = {
  PRIMARY: "a released learner count between 1 and k − 1",
  NOT_BLANK: "a suppressed cell that shows a figure",
  RESIDUAL: "a total minus its released parts leaves between 1 and k − 1 learners",
};

/** A figure of unknown kind: whole numbers as counts, others to three decimals, the rest as recorded. */
const figureValue = (v: unknown): string =>
  typeof v === "number" && Number.isInteger(v) ? formatCount(v) : typeof v === "number" ? formatNumber(v) : formatValue(v);

function checkFigures(figures: PrivacyCheck["figures"] | null | undefined): Html | undefined {
  const entries = Object.entries(figures ?? {});
  if (entries.length === 0) return undefined;
  return html`<ul>${entries.map(([key, value]) => html`<li>${key}: ${figureValue(value)}</li>`)}</ul>`;
}

/** A NOT_AUDITABLE check either lets a promotion through (soft) or refuses it like a FAIL. */
const blockingNote = (c: PrivacyCheck) => (c.status !== "NOT_AUDITABLE" ? undefined : c.soft ? "does not block" : "blocks promotion");

const checkRow = (c: PrivacyCheck): CheckRow => ({
  name: c.name,
  status: c.status,
  statusNote: blockingNote(c),
  reason: c.reason,
  figures: checkFigures(c.figures),
});

/** The checks that refuse the promotion, one line each, for the banner. */
const blockingLines = (checks: readonly PrivacyCheck[]) =>
  checks
    .filter((c) => c.status === "FAIL" || (c.status === "NOT_AUDITABLE" && !c.soft))
    .map((c) => `${c.name}${c.status === "FAIL" ? "" : " (not auditable, blocks promotion)"}: ${c.reason || MISSING}`);

function subjectSection(audit: PrivacyAudit): Html {
  const s = audit.subject;
  return html`<section class="summary">
<h2>What was audited</h2>
<dl class="meta">
<dt>Training learners (members)</dt><dd>${s?.trainingLearners == null ? "unknown" : formatCount(s.trainingLearners)}</dd>
<dt>Held-out learners (non-members)</dt><dd>${formatCount(s?.heldOutLearners)}</dd>
<dt>Training snapshot</dt><dd>${(s && SNAPSHOT[s.snapshot]) ?? MISSING}</dd>
<dt>k (minimum learners per released cell)</dt><dd>${formatCount(audit.k)}</dd>
<dt>Audit time</dt><dd>${formatNumber(audit.seconds, 1)} s</dd>
</dl>
</section>`;
}

const cellKeys = (cell: Readonly<Record<string, unknown>> | null | undefined) =>
  Object.entries(cell ?? {})
    .map(([key, value]) => `${key} = ${figureValue(value)}`)
    .join(", ") || MISSING;

function suppressionSection(views: readonly ViewSuppression[], k: number): Html {
  if (views.length === 0) return html`<section class="suppression"><h2>Suppression</h2><p class="muted">No view was re-read.</p></section>`;
  const violations = views.flatMap((v) => (v.violations ?? []).map((x) => ({ ...x, view: v.view })));
  return html`<section class="suppression">
<h2>Suppression</h2>
<table class="views">
<caption>Each analytics view re-read as released (k = ${formatCount(k)})</caption>
<thead><tr><th scope="col">View</th><th scope="col" class="num">Rows</th><th scope="col">Learner counts (flag)</th><th scope="col" class="num">Released cells</th><th scope="col" class="num">Suppressed cells</th><th scope="col" class="num">Families checked</th><th scope="col" class="num">Violations</th><th scope="col">Note</th></tr></thead>
<tbody>
${views.map(
  (v) =>
    html`<tr class="view"><th scope="row">${v.view}</th><td class="num">${formatCount(v.rows)}</td><td>${(v.counts ?? []).map((c, i) => html`${i > 0 ? ", " : ""}${c.column} (${c.flag})`)}</td><td class="num">${formatCount(v.releasedCells)}</td><td class="num">${formatCount(v.suppressedCells)}</td><td class="num">${formatCount(v.familiesChecked)}</td><td class="num">${formatCount((v.violations ?? []).length)}</td><td>${v.note || MISSING}</td></tr>\n`,
)}</tbody>
</table>
${
  violations.length === 0
    ? html`<p>No violation: every released cell counts at least k learners or none.</p>`
    : html`<table class="violations">
<caption>Violations</caption>
<thead><tr><th scope="col">Rule</th><th scope="col">View</th><th scope="col">Cell</th><th scope="col">Column</th><th scope="col" class="num">Value</th></tr></thead>
<tbody>
${violations.map(
  (x) =>
    html`<tr class="violation"><th scope="row" title="${VIOLATION_RULE[x.rule] ?? ""}">${x.rule}</th><td>${x.view}</td><td>${cellKeys(x.cell)}</td><td>${x.column}</td><td class="num">${figureValue(x.value)}</td></tr>\n`,
)}</tbody>
</table>`
}
</section>`;
}

function attackRow(a: AttackVerdict): Html {
  const r = a.result;
  const interval = r?.aucInterval ? `[${formatNumber(r.aucInterval[0])}, ${formatNumber(r.aucInterval[1])}]` : MISSING;
  return html`<tr class="attack"><th scope="row">${a.attack}</th><td class="num">${formatNumber(r?.auc)}</td><td class="num">${interval}</td><td class="num">${formatNumber(r ? Math.abs(r.auc - 0.5) : null)}</td><td class="num">${formatNumber(r?.advantage)}</td><td class="num">${formatCount(r?.members)}</td><td class="num">${formatCount(r?.nonMembers)}</td><td>${statusBadge(a.status)}</td><td>${a.reason || MISSING}</td></tr>\n`;
}

async function membershipSection(m: MembershipAudit | null): Promise<Html> {
  if (!m)
    return html`<section class="membership"><h2>Membership inference</h2><p class="muted">Not run (the MEMBERSHIP check says why).</p></section>`;
  const attacks = m.attacks ?? [];
  const spec = membershipRocSpec(attacks);
  const plot = spec
    ? html`<figure data-plot="membership-roc">${trustedHtml(await renderVegaLite(spec))}<figcaption>ROC curve of each attack (members the positive class); the dashed diagonal is chance.</figcaption></figure>`
    : html`<p class="muted no-plot" data-plot="membership-roc">No ROC curve: no attack could be scored.</p>`;
  return html`<section class="membership">
<h2>Membership inference ${statusBadge(m.status)}</h2>
<p>${m.reason || MISSING}</p>
<p>Learners attacked: ${formatCount(m.members)} members (training learners), ${formatCount(m.nonMembers)} non-members (held-out learners).</p>
<table class="attacks">
<caption>Attacks</caption>
<thead><tr><th scope="col">Attack</th><th scope="col" class="num">AUC</th><th scope="col" class="num">Interval</th><th scope="col" class="num">|AUC − 0.5|</th><th scope="col" class="num">Advantage</th><th scope="col" class="num">Members</th><th scope="col" class="num">Non-members</th><th scope="col">Status</th><th scope="col">Reason</th></tr></thead>
<tbody>
${attacks.map(attackRow)}</tbody>
</table>
<div class="figures">${plot}</div>
</section>`;
}

function methodSection(audit: PrivacyAudit, libraries: string): Html {
  const p = audit.membership?.params;
  const threshold = p ? formatNumber(p.advantageThreshold, 2) : "the threshold (not recorded)";
  const level = p ? `${formatNumber(100 * (1 - p.alpha), 0)}% ` : "";
  return html`<p>Each check passes, fails, or is not auditable (it could not be run).
A NOT AUDITABLE check marked “does not block” lets the promotion through (too few learners to attack, receipts under a key no longer held);
any other NOT AUDITABLE check refuses it, like a failure: an audit that cannot see what it must check is never a pass.</p>
<ul>${Object.entries(CHECK_MEANING).map(([name, meaning]) => html`<li><strong>${name}</strong>: ${meaning}.</li>`)}</ul>
<p>Suppression: a view's learner-count columns are read with the flags that mark a cell suppressed (k = ${formatCount(audit.k)});
a family is a total and its parts (e.g. a cohort and its days), checked when the parts cannot overlap.</p>
<p>Membership inference: two attacks score each learner, members (training learners) and non-members (held-out learners${p ? `, at most ${formatCount(p.maxLearners)} a side, seed ${p.seed}` : ""}).
LOSS_THRESHOLD flags the learners whose answers the model predicts best
(Yeom et al. 2018); LIKELIHOOD_RATIO compares each learner's loss with shadow models trained with and without them (LiRA, Carlini et al. 2022).
How to read the ROC chart: each curve plots, over every score threshold, the share of members flagged against the share of non-members flagged.
A curve on the diagonal is chance; above it, the attack tells members apart (below it, it does too, turned around).
An attack fails the model when |AUC − 0.5| exceeds ${threshold} and its ${level}bootstrap interval${p ? ` (${formatCount(p.bootstrap)} resamples, α = ${formatNumber(p.alpha, 2)})` : ""} excludes 0.5.
The advantage is the attack's best true-positive rate minus false-positive rate. Charts rendered on the server with ${libraries}.</p>`;
}

export async function renderPrivacyReport(meta: ReportMeta, audit: PrivacyAudit): Promise<string> {
  const checks = audit.checks ?? [];
  const [membership, libraries] = await Promise.all([membershipSection(audit.membership ?? null), chartLibraryVersions()]);
  return renderPage({
    ...meta,
    title: "Privacy audit",
    verdict: audit.status,
    reason: audit.reason,
    failing: blockingLines(checks),
    sections: [
      subjectSection(audit),
      html`<section class="checks-section"><h2>Checks</h2>${checksTable(checks.map(checkRow), "Checks", "figures")}</section>`,
      suppressionSection(audit.suppression ?? [], audit.k),
      membership,
    ],
    method: methodSection(audit, libraries),
  });
}
