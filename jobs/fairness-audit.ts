/**
 * `fairness-audit` { schoolId, versionId? }: the fairness audit of a model version of the school (the
 * active one by default) on the school's evaluation learners that the version was not trained on, with
 * the data as it stands (services.audits.runFairnessAudit); the AuditReport (kind FAIRNESS) is stored.
 * A FAILED audit of a serving model is the run's result, not the run's failure: the model stays
 * active, the report says why it would be refused now, and admins decide (retrain with a mitigation,
 * roll back).
 */
import { abortableProgress, JobDefinition, JobFailure, payloadObject, uuidField } from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";

export interface FairnessAuditPayload {
  readonly schoolId: string;
  readonly versionId?: string;
}

export const fairnessAudit: JobDefinition<FairnessAuditPayload> = {
  name: JobName.FairnessAudit,
  description: "audit a model version (default: the active one) for fairness on held-out learners; report stored",
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
    const out = await ctx.services.audits.runFairnessAudit(p.schoolId, p.versionId ?? null, abortableProgress(ctx));
    if (!out) {
      if (p.versionId) throw new JobFailure(`no model version ${p.versionId} in school ${p.schoolId}`);
      return { message: "no active model to audit", idle: true };
    }
    return {
      message: `fairness audit of version ${out.version}: ${out.status} — ${out.reason}`,
      result: { ...out },
    };
  },
};
