import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { GoalConnection, GoalType } from "./goal.type.js";
import { CreateGoalInput, UpdateGoalInput } from "./goal.inputs.js";
import { LearningPathType } from "./learning-path.type.js";
import { LearnerType } from "../learner/learner.type.js";
import { SkillType } from "../curriculum/skill.type.js";
import { NotFoundError } from "../../services/common/domain-error.js";

@Resolver(() => GoalType)
export class GoalResolver {
  @Query(() => GoalConnection, { description: "Goals the caller may see, of one learner when `learnerId` is given (not for analysts)." })
  async goals(
    @Args() page: ConnectionArgs,
    @Arg("learnerId", () => UUID, { nullable: true }) learnerId: string | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<GoalConnection> {
    return toConnection(await ctx.services.goals.list(ctx.actor(), { learnerId }, page), GoalType.from);
  }

  @Query(() => GoalType)
  async goal(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<GoalType> {
    return GoalType.from(await ctx.services.goals.get(ctx.actor(), id));
  }

  @Mutation(() => GoalType)
  async createGoal(@Arg("input") input: CreateGoalInput, @Ctx() ctx: ApiContext): Promise<GoalType> {
    return GoalType.from(await ctx.services.goals.create(ctx.actor(), input));
  }

  @Mutation(() => GoalType)
  async updateGoal(@Arg("id", () => UUID) id: string, @Arg("input") input: UpdateGoalInput, @Ctx() ctx: ApiContext): Promise<GoalType> {
    return GoalType.from(await ctx.services.goals.update(ctx.actor(), id, input));
  }

  @FieldResolver(() => [SkillType], { description: "The target skills, in code order." })
  async skills(@Root() goal: GoalType, @Ctx() ctx: ApiContext): Promise<SkillType[]> {
    return (await ctx.loaders.skillsOfGoal.load(goal.id)).map(SkillType.from);
  }

  @FieldResolver(() => LearnerType)
  async learner(@Root() goal: GoalType, @Ctx() ctx: ApiContext): Promise<LearnerType> {
    const learner = await ctx.loaders.learner.load(goal.learnerId);
    if (!learner) throw new NotFoundError("Learner", goal.learnerId);
    return LearnerType.from(learner);
  }

  @FieldResolver(() => LearningPathType, { nullable: true, description: "The goal's path; null until one is planned or set." })
  async path(@Root() goal: GoalType, @Ctx() ctx: ApiContext): Promise<LearningPathType | null> {
    const path = await ctx.loaders.pathOfGoal.load(goal.id);
    return path ? LearningPathType.from(path) : null;
  }
}

@Resolver(() => LearnerType)
export class LearnerGoalsResolver {
  @FieldResolver(() => GoalConnection, { description: "The learner's goals." })
  async goals(@Root() learner: LearnerType, @Args() page: ConnectionArgs, @Ctx() ctx: ApiContext): Promise<GoalConnection> {
    return toConnection(await ctx.services.goals.list(ctx.actor(), { learnerId: learner.id }, page), GoalType.from);
  }
}
