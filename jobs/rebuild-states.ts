/**
 * `rebuild-states` { schoolId }: rebuilds, in batches, every learner state that does not belong to
 * the school's active model yet (after a promotion or a rollback). Resumable: a retry takes the
 * learners the crashed attempt did not reach.
 */
import { abortableProgress, JobDefinition, JobFailure, payloadObject, uuidField } from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";

export interface RebuildStatesPayload {
  readonly schoolId: string;
}

export const rebuildStates: JobDefinition<RebuildStatesPayload> = {
  name: JobName.RebuildStates,
  description: "rebuild the learner states of a school under its active model",
  parse(raw) {
    const p = payloadObject(this.name, raw, ["schoolId"]);
    return { schoolId: uuidField(this.name, p, "schoolId") };
  },
  schoolId: (p) => p.schoolId,
  async run(p, ctx) {
    if (!(await ctx.services.jobs.schoolExists(p.schoolId))) throw new JobFailure(`school ${p.schoolId} does not exist`);
    const n = await ctx.services.training.rebuildStates(p.schoolId, abortableProgress(ctx, "rebuilding learner states"));
    return { message: `${n} learner state${n === 1 ? "" : "s"} rebuilt`, result: { rebuilt: n } };
  },
};
