/**
 * The fairness gate: a candidate goes live only if its fairness audit on the held-out learners does not
 * fail (engine/fairness; FairnessAuditor). The verdict names each failing check — attribute, group,
 * metric, gap, p-value — and the full audit is stored as the version's AuditReport (kind FAIRNESS).
 */
import type { Gate, GateContext, GateVerdict } from "../training/gates.js";
import type { FairnessAuditor } from "./fairness-audit.service.js";

export class FairnessGate implements Gate {
  readonly name = "fairness";

  constructor(private readonly auditor: FairnessAuditor) {}

  async check(ctx: GateContext): Promise<GateVerdict> {
    const audit = await this.auditor.audit(ctx.schoolId, ctx.candidate, ctx.heldOut, { predictions: ctx.candidatePredictions });
    const record = this.auditor.record(audit);
    const count = (s: string) => audit.checks.filter((c) => c.status === s).length;
    return {
      gate: this.name,
      passed: record.passed,
      detail: `${audit.status}: ${audit.reason}`,
      figures: {
        learners: audit.learners,
        attempts: audit.attempts,
        failed: count("FAIL"),
        passed: count("PASS"),
        insufficient: count("INSUFFICIENT_DATA"),
        notAuditable: count("NOT_AUDITABLE"),
      },
      report: record,
    };
  }
}
