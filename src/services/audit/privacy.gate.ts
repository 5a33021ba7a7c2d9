/**
 * The privacy gate: a candidate goes live only if its privacy audit (PrivacyAuditor) neither fails nor
 * cannot see what it was trained on. The verdict names each failing check; the full audit is stored as
 * the version's AuditReport (kind PRIVACY).
 */
import type { Gate, GateContext, GateVerdict } from "../training/gates.js";
import type { PrivacyAuditor } from "./privacy-audit.service.js";

export class PrivacyGate implements Gate {
  readonly name = "privacy";

  constructor(private readonly auditor: PrivacyAuditor) {}

  async check(ctx: GateContext): Promise<GateVerdict> {
    const audit = await this.auditor.audit(ctx.schoolId, {
      model: ctx.candidate,
      kind: ctx.subject.kind,
      trained: ctx.subject.trained,
      heldOut: ctx.heldOut,
      atTraining: ctx.subject.atTraining,
      ...(ctx.subject.recorded ? { recorded: ctx.subject.recorded } : {}),
      ...(ctx.subject.erasedSince ? { erasedSince: ctx.subject.erasedSince } : {}),
      ...(ctx.subject.trainingOptions ? { trainingOptions: ctx.subject.trainingOptions } : {}),
      ...(ctx.subject.membership ? { membership: ctx.subject.membership } : {}),
    });
    const record = this.auditor.record(audit);
    const count = (s: string) => audit.checks.filter((c) => c.status === s).length;
    const attack = (name: string) => audit.membership?.attacks.find((a) => a.attack === name)?.result?.auc ?? null;
    return {
      gate: this.name,
      passed: record.passed,
      detail: `${audit.status}: ${audit.reason}`,
      figures: {
        failed: count("FAIL"),
        passed: count("PASS"),
        notAuditable: count("NOT_AUDITABLE"),
        lossThresholdAuc: attack("LOSS_THRESHOLD"),
        likelihoodRatioAuc: attack("LIKELIHOOD_RATIO"),
        seconds: audit.seconds,
      },
      report: record,
    };
  }
}
