import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { LearningPathType, PathStepType } from "./learning-path.type.js";
import { PathStepInput, UpdatePathStepInput } from "./learning-path.inputs.js";
import { GoalType } from "./goal.type.js";
import { NotFoundError } from "../../services/common/domain-error.js";
import { MAX_PATH_STEPS } from "../../services/common/input-bounds.js";

@Resolver(() => LearningPathType)
export class LearningPathResolver {
  @Query(() => LearningPathType)
  async learningPath(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<LearningPathType> {
    return LearningPathType.from(await ctx.services.learningPaths.get(ctx.actor(), id));
  }

  @Mutation(() => LearningPathType, {
    description: "Creates the goal's path or replaces all its steps with these, in this order (a hand-made path).",
  })
  async setPathSteps(
    @Arg("goalId", () => UUID) goalId: string,
    @Arg("steps", () => [PathStepInput], { description: `The steps in order: at most ${MAX_PATH_STEPS}.` }) steps: PathStepInput[],
    @Ctx() ctx: ApiContext,
  ): Promise<LearningPathType> {
    return LearningPathType.from(await ctx.services.learningPaths.setSteps(ctx.actor(), goalId, steps));
  }

  @Mutation(() => PathStepType, { description: "Marks a step done or skipped, pins it, or moves it (the others are renumbered)." })
  async updatePathStep(
    @Arg("id", () => UUID) id: string,
    @Arg("input") input: UpdatePathStepInput,
    @Ctx() ctx: ApiContext,
  ): Promise<PathStepType> {
    return PathStepType.from(await ctx.services.learningPaths.updateStep(ctx.actor(), id, input));
  }

  @FieldResolver(() => [PathStepType], { description: "The steps in position order." })
  async steps(@Root() path: LearningPathType, @Ctx() ctx: ApiContext): Promise<PathStepType[]> {
    return path.knownSteps ?? (await ctx.loaders.stepsOfPath.load(path.id)).map(PathStepType.from);
  }

  @FieldResolver(() => GoalType)
  async goal(@Root() path: LearningPathType, @Ctx() ctx: ApiContext): Promise<GoalType> {
    const goal = await ctx.loaders.goal.load(path.goalId);
    if (!goal) throw new NotFoundError("Goal", path.goalId);
    return GoalType.from(goal);
  }
}

@Resolver(() => PathStepType)
export class PathStepResolver {
  @FieldResolver(() => LearningPathType)
  async path(@Root() step: PathStepType, @Ctx() ctx: ApiContext): Promise<LearningPathType> {
    const path = await ctx.loaders.learningPath.load(step.pathId);
    if (!path) throw new NotFoundError("LearningPath", step.pathId);
    return LearningPathType.from(path);
  }
}
