/**
 * `rollback-model` { schoolId, versionId? }: reactivates the version that was active before the
 * current one (services.modelSwitch.rollback) — every learner's state rebuilt under it, then the
 * switch, under the school's switch lock; not judged by the gates. rollbackModel pins `versionId`
 * (the previous version when it was asked), so a retry after the switch finds it active and succeeds
 * instead of rolling back once more; without it (`npm run job`, no retries) the previous version is
 * read when the job runs.
 */
import { abortableProgress, JobDefinition, JobFailure, payloadObject, uuidField } from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";
import { switchMessage, switchResult } from "./switch-outcome.js";
import { enqueuePolicyRetraining } from "./policy-retraining.js";

export interface RollbackModelPayload {
  readonly schoolId: string;
  readonly versionId?: string;
}

export const rollbackModel: JobDefinition<RollbackModelPayload> = {
  name: JobName.RollbackModel,
  description: "reactivate the model version that was active before the current one; learner states rebuilt under it",
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
    const out = await ctx.services.modelSwitch.rollback(p.schoolId, p.versionId, {
      signal: ctx.signal,
      runId: ctx.id,
      onProgress: abortableProgress(ctx),
    });
    if (!out) throw new JobFailure("there is no previously active version to roll back to");
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
