import { Arg, Args, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { formatBound, MAX_SEED, OVERRIDE_REASON_LENGTH } from "../../services/common/input-bounds.js";
import { JobRunType } from "../jobs/job-run.type.js";
import { PolicyStatus, PolicyStatusValues, PolicyVersionConnection, PolicyVersionType } from "./policy-version.type.js";

/** The school's learned sequencing policies: admins read them and ask for a training (the train-policy job). */
@Resolver(() => PolicyVersionType)
export class PolicyVersionResolver {
  @Query(() => PolicyVersionConnection, { description: "The school's learned sequencing policies, oldest first (admins)." })
  async policyVersions(
    @Args() page: ConnectionArgs,
    @Arg("status", () => PolicyStatusValues, { nullable: true }) status: PolicyStatus | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<PolicyVersionConnection> {
    return toConnection(await ctx.services.policies.list(ctx.actor(), { status }, page), PolicyVersionType.from);
  }

  @Mutation(() => JobRunType, {
    description:
      "Enqueues the training of the school's learned sequencing policy (admins): the worker trains it in simulated schools on the curriculum, observed through the active model, and puts it live only if it beats the tuned ZPD rule on held-out simulated episodes (else REJECTED with the figures). Returns its run (QUEUED).",
  })
  async trainPolicy(
    @Arg("seed", () => Int, {
      nullable: true,
      description: `The training seed: at least 0, at most ${formatBound(MAX_SEED)} (default 1).`,
    })
    seed: number | undefined,
    @Arg("overrideReason", () => String, {
      nullable: true,
      description: `Put the policy live even if it does not beat the tuned ZPD rule, for this reason (at least ${OVERRIDE_REASON_LENGTH.min}, at most ${formatBound(OVERRIDE_REASON_LENGTH.max)} characters; stored in its notes).`,
    })
    overrideReason: string | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<JobRunType> {
    return JobRunType.from(await ctx.services.jobs.triggerPolicyTraining(ctx.actor(), { seed, overrideReason }));
  }
}
