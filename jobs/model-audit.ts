/**
 * `fairness-audit` and `privacy-audit` { schoolId, versionId? }: an audit of a model version of the
 * school (the active one by default) on the school's evaluation learners that the version was not
 * trained on, with the data as it stands (services.audits.runAudit); the AuditReport is stored.
 * A FAILED audit of a serving model is the run's result, not the run's failure: the model stays
 * active, the report says why it would be refused now, and admins decide (retrain with a mitigation,
 * roll back).
 */
import { abortableProgress, JobDefinition, JobFailure, payloadObject, uuidField } from "./job.js";
import { AUDIT_JOBS } from "../src/services/audit/audit.service.js";
import { AuditKind } from "../src/persistence/model/audit-report.entity.js";

export interface ModelAuditPayload {
  readonly schoolId: string;
  readonly versionId?: string;
}

function modelAudit(kind: AuditKind): JobDefinition<ModelAuditPayload> {
  const what = kind.toLowerCase();
  return {
    name: AUDIT_JOBS[kind],
    description: `audit a model version (default: the active one) for ${what} on held-out learners; report stored`,
    parse(raw) {
      const p = payloadObject(this.name, raw, ["schoolId", "versionId"]);
      return {
        schoolId: uuidField(this.name, p, "schoolId"),
        ...(p.versionId !== undefined ? { versionId: uuidField(this.name, p, "versionId") } : {}),
      };
    },
    schoolId: (p) => p.schoolId,
    async run(p, ctx) {
      if (!(await ctx.services.jobs.schoolExists(p.schoolId))) throw new JobFailure(`school ${p.schoolId} does not exist`);
      const out = await ctx.services.audits.runAudit(kind, p.schoolId, p.versionId ?? null, abortableProgress(ctx));
      if (!out) {
        if (p.versionId) throw new JobFailure(`no model version ${p.versionId} in school ${p.schoolId}`);
        return { message: "no active model to audit", idle: true };
      }
      return {
        message: `${what} audit of version ${out.version}: ${out.status} — ${out.reason}`,
        result: { ...out },
      };
    },
  };
}

export const fairnessAudit = modelAudit(AuditKind.Fairness);
export const privacyAudit = modelAudit(AuditKind.Privacy);
