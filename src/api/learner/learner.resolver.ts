import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { LearnerConnection, LearnerProfileType, LearnerType } from "./learner.type.js";
import { CreateLearnerInput, UpdateLearnerInput } from "./learner.inputs.js";
import { CohortType } from "../cohort/cohort.type.js";

@Resolver(() => LearnerType)
export class LearnerResolver {
  @Query(() => LearnerConnection, {
    description: "Learners the caller may see: the school (admin, service), its cohorts (teacher), itself (learner).",
  })
  async learners(
    @Args() page: ConnectionArgs,
    @Arg("cohortId", () => UUID, { nullable: true }) cohortId: string | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<LearnerConnection> {
    return toConnection(await ctx.services.learners.list(ctx.actor(), { cohortId }, page), LearnerType.from);
  }

  @Query(() => LearnerType)
  async learner(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<LearnerType> {
    return LearnerType.from(await ctx.services.learners.get(ctx.actor(), id));
  }

  @Mutation(() => LearnerType)
  async createLearner(@Arg("input") input: CreateLearnerInput, @Ctx() ctx: ApiContext): Promise<LearnerType> {
    return LearnerType.from(await ctx.services.learners.create(ctx.actor(), input));
  }

  @Mutation(() => LearnerType)
  async updateLearner(
    @Arg("id", () => UUID) id: string,
    @Arg("input") input: UpdateLearnerInput,
    @Ctx() ctx: ApiContext,
  ): Promise<LearnerType> {
    return LearnerType.from(await ctx.services.learners.update(ctx.actor(), id, input));
  }

  @FieldResolver(() => LearnerProfileType, {
    nullable: true,
    description: "Personal data (admin, service, the learner's teachers, the learner).",
  })
  async profile(@Root() learner: LearnerType, @Ctx() ctx: ApiContext): Promise<LearnerProfileType | null> {
    const p = await ctx.loaders.learnerProfile.load(learner.id);
    return p ? Object.assign(new LearnerProfileType(), p) : null;
  }

  @FieldResolver(() => [CohortType])
  async cohorts(@Root() learner: LearnerType, @Ctx() ctx: ApiContext): Promise<CohortType[]> {
    const ids = await ctx.loaders.cohortIdsOfLearner.load(learner.id);
    const rows = await ctx.loaders.cohort.loadMany(ids);
    return rows.flatMap((r) => (r && !(r instanceof Error) ? [CohortType.from(r)] : []));
  }
}
