/** A fairness audit in a few lines of Markdown: the AuditReport's `rendering` (the HTML report has the plots). */
import type { FairnessAudit, FairnessCheck } from "../../engine/fairness/index.js";

const fmt = (x: number | null, digits = 3) => (x === null ? "—" : x.toFixed(digits));

/** A gap conditional on readiness shows its raw gap beside it. */
const gap = (c: FairnessCheck) => (c.rawGap === undefined ? fmt(c.gap) : `${fmt(c.gap)} (raw ${fmt(c.rawGap)})`);

const row = (c: FairnessCheck) =>
  `| ${c.attribute} | ${c.group} vs ${c.reference} | ${c.metric} | ${gap(c)} | ${fmt(c.threshold)} | ${fmt(c.pValue)} | ${fmt(c.adjustedPValue)} | ${c.status} |`;

export function fairnessMarkdown(a: FairnessAudit): string {
  const lines = [
    `# Fairness audit: ${a.status}`,
    "",
    a.reason,
    "",
    `${a.learners} held-out learners, ${a.attempts} attempts; ${a.params.rounds} permutation rounds, ${a.params.correction} correction at α = ${a.params.alpha}; groups under ${a.params.minGroupSize} learners are insufficient data.`,
    "",
    ...a.attributes.map(
      (x) =>
        `- **${x.name}**${x.intersection ? " (intersection)" : ""}: ${x.status} — ${x.groups.map((g) => `${g.label} ${g.learners}`).join(", ")}. ${x.reason}`,
    ),
  ];
  const gated = a.checks.filter((c) => c.status === "FAIL" || c.threshold !== null);
  if (gated.length)
    lines.push(
      "",
      "RECOMMENDED_SUCCESS and GOAL_ADVANCING_SHARE compare learners of equal readiness (the gap is conditional on readiness; the raw gap in brackets).",
      "",
      "| attribute | comparison | metric | gap | threshold | p | adjusted p | status |",
      "|---|---|---|---|---|---|---|---|",
      ...gated.map(row),
    );
  return lines.join("\n");
}
