import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { LearnerType } from "../learner/learner.type.js";
import { LearnerStateInfoType, SkillMasteryType } from "./mastery.type.js";

@Resolver(() => LearnerType)
export class LearnerMasteryResolver {
  @FieldResolver(() => [SkillMasteryType], {
    description: "Per-skill mastery, in skill code order (skills with no estimate yet are absent).",
  })
  async mastery(@Root() learner: LearnerType, @Ctx() ctx: ApiContext): Promise<SkillMasteryType[]> {
    return (await ctx.loaders.masteryOfLearner.load(learner.id)).map(SkillMasteryType.from);
  }

  @FieldResolver(() => LearnerStateInfoType, {
    nullable: true,
    description: "The engine's state summary; null before the learner's first attempt.",
  })
  async state(@Root() learner: LearnerType, @Ctx() ctx: ApiContext): Promise<LearnerStateInfoType | null> {
    const s = await ctx.loaders.stateOfLearner.load(learner.id);
    return s ? LearnerStateInfoType.from(s) : null;
  }
}
