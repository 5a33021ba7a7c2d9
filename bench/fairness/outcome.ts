/** What the benchmark reads from an audit: did it fail, which checks, and group B's gaps. */
import type { FairnessAudit, FairnessMetric } from "../../src/engine/fairness/types.js";

export interface AuditOutcome {
  readonly status: FairnessAudit["status"];
  /** "metric (group)" of each failing check. */
  readonly failing: readonly string[];
  /** Group B − the rest (A), per metric; ABROCA is unsigned. Null where the audit has no value. */
  readonly gapB: Readonly<Partial<Record<FairnessMetric, number | null>>>;
  /** Of the checks conditional on readiness: B's raw (unconditional) gap. */
  readonly rawGapB: Readonly<Partial<Record<FairnessMetric, number | null>>>;
}

/**
 * With two groups the audit compares only the smaller one with the rest (groups.ts): when that is A, B's
 * gap is the opposite of A's (ABROCA, an area, stays as it is).
 */
export function outcomeOf(audit: FairnessAudit, attribute = "group", group = "B"): AuditOutcome {
  const gapB: Partial<Record<FairnessMetric, number | null>> = {};
  const rawGapB: Partial<Record<FairnessMetric, number | null>> = {};
  const own = audit.comparisons.find((c) => c.attribute === attribute && c.group === group);
  const mirror = audit.comparisons.find((c) => c.attribute === attribute && c.group !== group && c.reference === "rest");
  const comparison = own ?? mirror;
  for (const c of comparison?.checks ?? []) {
    const sign = own || c.metric === "ABROCA" ? 1 : -1;
    gapB[c.metric] = c.gap === null ? null : sign * c.gap;
    if (c.rawGap !== undefined) rawGapB[c.metric] = c.rawGap === null ? null : sign * c.rawGap;
  }
  return {
    status: audit.status,
    failing: audit.checks.filter((c) => c.status === "FAIL").map((c) => `${c.metric} (${c.group})`),
    gapB,
    rawGapB,
  };
}
