/**
 * `promote-model` { schoolId, versionId, override? }: an admin's promotion of a stored model version
 * (services.modelSwitch.promote) — the gates re-checked against the active model, then every
 * learner's state rebuilt under the version and the switch, under the school's switch lock. A
 * refusal (the gates, no weights) fails the run at once with the verdicts in its error and result,
 * unless the payload carries an admin's override { reason, by, at } (then it is stored with the version);
 * a crash is retried with backoff, and the retry resumes the staging (a version found active is a
 * success: what is still staged is adopted, the catch-up runs again).
 */
import { abortableProgress, JobDefinition, JobFailure, payloadObject, PayloadError, uuidField, type Payload } from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";
import { switchMessage, switchResult } from "./switch-outcome.js";
import { enqueuePolicyRetraining } from "./policy-retraining.js";
import { OVERRIDE_REASON_LENGTH } from "../src/services/common/input-bounds.js";
import type { PromotionOverride } from "../src/services/training/gates.js";

export interface PromoteModelPayload {
  readonly schoolId: string;
  readonly versionId: string;
  readonly override?: PromotionOverride;
}

function overrideField(job: string, p: Payload): PromotionOverride | undefined {
  if (p.override === undefined) return undefined;
  const o = payloadObject(`${job}: override`, p.override, ["reason", "by", "at"]);
  const { reason, by, at } = o;
  if (typeof reason !== "string" || reason.trim().length < OVERRIDE_REASON_LENGTH.min || reason.length > OVERRIDE_REASON_LENGTH.max)
    throw new PayloadError(`${job}: override.reason must hold ${OVERRIDE_REASON_LENGTH.min} to ${OVERRIDE_REASON_LENGTH.max} characters`);
  if (typeof by !== "string" || !by) throw new PayloadError(`${job}: override.by must name the admin (the token's subject)`);
  if (typeof at !== "string" || Number.isNaN(Date.parse(at))) throw new PayloadError(`${job}: override.at must be an ISO instant`);
  return { reason, by, at };
}

export const promoteModel: JobDefinition<PromoteModelPayload> = {
  name: JobName.PromoteModel,
  description: "make a model version active after re-checking the gates; learner states rebuilt under it",
  parse(raw) {
    const p = payloadObject(this.name, raw, ["schoolId", "versionId", "override"]);
    const override = overrideField(this.name, p);
    return {
      schoolId: uuidField(this.name, p, "schoolId"),
      versionId: uuidField(this.name, p, "versionId"),
      ...(override ? { override } : {}),
    };
  },
  schoolId: (p) => p.schoolId,
  async run(p, ctx) {
    if (!(await ctx.services.jobs.schoolExists(p.schoolId))) throw new JobFailure(`school ${p.schoolId} does not exist`);
    const out = await ctx.services.modelSwitch.promote(p.schoolId, p.versionId, {
      signal: ctx.signal,
      runId: ctx.id,
      override: p.override,
      onProgress: abortableProgress(ctx),
    });
    if (!out.switched) throw new JobFailure(out.reason ?? "refused", switchResult(out));
    // The school's learned policy observes through the model that was active: retrained for this one (policy-retraining.ts).
    // Not when this run switched nothing (the version was active already), unless it is the retry of a run that may have.
    const switched = !out.superseded && (!out.alreadyActive || ctx.attempt > 1);
    const policyJob = switched ? await enqueuePolicyRetraining(ctx, p.schoolId, out.modelVersionId) : null;
    return {
      message: policyJob ? `${switchMessage(out)}; policy retraining enqueued` : switchMessage(out),
      result: { ...switchResult(out), policyJob },
    };
  },
};
