import { Arg, Ctx, FieldResolver, Query, Resolver } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { AnalyticsType, CohortSkillMasteryType, PersonalisationEffectType } from "./analytics.type.js";

/** The school's aggregated analytics for dashboards (analysts and admins): the `analytics` views, suppression included. */
@Resolver(() => AnalyticsType)
export class AnalyticsResolver {
  @Query(() => AnalyticsType, { description: "The school's aggregated, small-cell-suppressed analytics (analysts and admins)." })
  async analytics(@Ctx() ctx: ApiContext): Promise<AnalyticsType> {
    return Object.assign(new AnalyticsType(), { k: await ctx.services.analytics.k(ctx.actor()) });
  }

  @FieldResolver(() => [CohortSkillMasteryType], {
    description: "Mastery by cohort × skill, the school's row (cohortId null) first in each skill; in skill code order.",
  })
  async masteryByCohortSkill(
    @Arg("cohortId", () => UUID, { nullable: true }) cohortId: string | null,
    @Arg("skillId", () => UUID, { nullable: true }) skillId: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<CohortSkillMasteryType[]> {
    return (await ctx.services.analytics.masteryByCohortSkill(ctx.actor(), { cohortId, skillId })).map(CohortSkillMasteryType.from);
  }

  @FieldResolver(() => [PersonalisationEffectType], {
    description: "The personalisation effect by cohort × personalised, the school's rows (cohortId null) first.",
  })
  async personalisationEffect(
    @Arg("cohortId", () => UUID, { nullable: true }) cohortId: string | null,
    @Ctx() ctx: ApiContext,
  ): Promise<PersonalisationEffectType[]> {
    return (await ctx.services.analytics.personalisationEffect(ctx.actor(), { cohortId })).map(PersonalisationEffectType.from);
  }
}
