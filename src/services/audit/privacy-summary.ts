/** A privacy audit in a few lines of Markdown: the AuditReport's `rendering` (the HTML report has the table and the ROC chart). */
import type { PrivacyAudit } from "./privacy-audit.types.js";

const fmt = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? "—" : x.toFixed(digits));

export function privacyMarkdown(a: PrivacyAudit): string {
  const s = a.subject;
  const lines = [
    `# Privacy audit: ${a.status}`,
    "",
    a.reason,
    "",
    `Trained on ${s.trainingLearners ?? "unknown"} learners (snapshot ${s.snapshot.toLowerCase().replace("_", " ")}), ${s.heldOutLearners} held out; k = ${a.k}; ${a.seconds.toFixed(1)} s.`,
    "",
    "| check | status | reason |",
    "|---|---|---|",
    ...a.checks.map((c) => `| ${c.name} | ${c.status}${c.soft ? " (does not block)" : ""} | ${c.reason.replace(/\|/g, "\\|")} |`),
  ];
  if (a.membership?.attacks.length) {
    lines.push("", "| attack | AUC | 95 % interval | status |", "|---|---|---|---|");
    for (const x of a.membership.attacks)
      lines.push(
        `| ${x.attack} | ${fmt(x.result?.auc)} | ${x.result ? `${fmt(x.result.aucInterval[0])} – ${fmt(x.result.aucInterval[1])}` : "—"} | ${x.status} |`,
      );
  }
  return lines.join("\n");
}
