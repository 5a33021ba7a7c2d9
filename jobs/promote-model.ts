/**
 * `promote-model` { schoolId, versionId }: an admin's promotion of a stored model version
 * (services.modelSwitch.promote) — the gates re-checked against the active model, then every
 * learner's state rebuilt under the version and the switch, under the school's switch lock. A
 * refusal (the gates, no weights) fails the run at once with the verdicts in its error and result;
 * a crash is retried with backoff, and the retry resumes the staging (a version found active is a
 * success: what is still staged is adopted, the catch-up runs again).
 */
import { abortableProgress, JobDefinition, JobFailure, payloadObject, uuidField } from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";
import { switchMessage, switchResult } from "./switch-outcome.js";

export interface PromoteModelPayload {
  readonly schoolId: string;
  readonly versionId: string;
}

export const promoteModel: JobDefinition<PromoteModelPayload> = {
  name: JobName.PromoteModel,
  description: "make a model version active after re-checking the gates; learner states rebuilt under it",
  parse(raw) {
    const p = payloadObject(this.name, raw, ["schoolId", "versionId"]);
    return { schoolId: uuidField(this.name, p, "schoolId"), versionId: uuidField(this.name, p, "versionId") };
  },
  schoolId: (p) => p.schoolId,
  async run(p, ctx) {
    if (!(await ctx.services.jobs.schoolExists(p.schoolId))) throw new JobFailure(`school ${p.schoolId} does not exist`);
    const out = await ctx.services.modelSwitch.promote(p.schoolId, p.versionId, {
      signal: ctx.signal,
      runId: ctx.id,
      onProgress: abortableProgress(ctx),
    });
    if (!out.switched) throw new JobFailure(out.reason ?? "refused", switchResult(out));
    return { message: switchMessage(out), result: switchResult(out) };
  },
};
