import { Arg, Args, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { formatBound, MAX_JOB_NAME_LENGTH, MAX_SEED, OVERRIDE_REASON_LENGTH } from "../../services/common/input-bounds.js";
import { JobRunConnection, JobRunType, JobStatus, JobStatusValues } from "./job-run.type.js";

/** The job system's admin operations: job runs, retraining now, promotion and rollback of models. */
@Resolver(() => JobRunType)
export class JobRunResolver {
  @Query(() => JobRunConnection, { description: "The school's job runs, oldest first (admins)." })
  async jobRuns(
    @Args() page: ConnectionArgs,
    @Arg("name", () => String, { nullable: true, description: `Only this job, e.g. retrain (at most ${MAX_JOB_NAME_LENGTH} characters).` })
    name: string | undefined,
    @Arg("status", () => JobStatusValues, { nullable: true }) status: JobStatus | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<JobRunConnection> {
    return toConnection(await ctx.services.jobs.list(ctx.actor(), { name, status }, page), JobRunType.from);
  }

  @Query(() => JobRunType, { description: "One job run of the school (admins)." })
  async jobRun(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<JobRunType> {
    return JobRunType.from(await ctx.services.jobs.get(ctx.actor(), id));
  }

  @Mutation(() => JobRunType, {
    description: "Enqueues a retraining of the school's model now (admins); the worker runs it. Returns its run (QUEUED).",
  })
  async triggerRetrain(
    @Arg("seed", () => Int, {
      nullable: true,
      description: `The split and training seed: at least 0, at most ${formatBound(MAX_SEED)} (default 1).`,
    })
    seed: number | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<JobRunType> {
    return JobRunType.from(await ctx.services.jobs.triggerRetrain(ctx.actor(), { seed }));
  }

  @Mutation(() => JobRunType, {
    description:
      "Enqueues the promotion of a model version of the school (admins): the worker re-checks the gates against the active model on the school's evaluation learners that neither version was trained on, rebuilds every learner's state under the version, then makes it active. Returns its run (QUEUED; a refusal by the gates ends it FAILED with their verdicts, unless overrideReason is given). NOT_FOUND: no such version in the school; CONFLICT: already active, or no weights.",
  })
  async promoteModel(
    @Arg("versionId", () => UUID) versionId: string,
    @Arg("overrideReason", () => String, {
      nullable: true,
      description: `Promote even if the gates refuse the version, for this reason (at least ${OVERRIDE_REASON_LENGTH.min}, at most ${formatBound(OVERRIDE_REASON_LENGTH.max)} characters; stored with the version as metrics.promotionOverride, with the admin and the time). BAD_USER_INPUT when too short or too long.`,
    })
    overrideReason: string | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<JobRunType> {
    return JobRunType.from(await ctx.services.modelSwitch.requestPromotion(ctx.actor(), versionId, overrideReason));
  }

  @Mutation(() => JobRunType, {
    description:
      "Enqueues the reactivation of the model version that was active before the current one (admins): the worker rebuilds every learner's state under it, then makes it active. Returns its run (QUEUED). CONFLICT: no previous version.",
  })
  async rollbackModel(@Ctx() ctx: ApiContext): Promise<JobRunType> {
    return JobRunType.from(await ctx.services.modelSwitch.requestRollback(ctx.actor()));
  }
}
