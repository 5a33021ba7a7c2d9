import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { formatBound, MAX_PREDICTIONS, MAX_RECOMMENDATIONS, MAX_SIMILAR_TASKS } from "../../services/common/input-bounds.js";
import { GoalType } from "../goal/goal.type.js";
import { LearningPathType } from "../goal/learning-path.type.js";
import {
  GoalProgressType,
  LearnerMasteryType,
  MasteryEstimateType,
  PathPlanType,
  PolicyFallbackType,
  PredictionsType,
  RecommendationListType,
  ServedPolicyType,
  SimilarTaskType,
  TaskPredictionType,
} from "./personalisation.type.js";
import { PredictionBasis, SimilarityBasis, RecommendationStrategy, fromEngineStrategy, toEngineStrategy } from "./personalisation.enums.js";
import { lookup, reasonSkillIds, toPathStep, toPlannedSkill, toProgress, toRecommendation } from "./personalisation.mapper.js";

@Resolver()
export class PersonalisationResolver {
  @Query(() => LearnerMasteryType, { description: "A learner's mastery of every skill, with uncertainty and trend." })
  async mastery(@Arg("learnerId", () => UUID) learnerId: string, @Ctx() ctx: ApiContext): Promise<LearnerMasteryType> {
    const r = await ctx.services.personalisation.mastery(ctx.actor(), learnerId);
    const l = await lookup(
      ctx,
      r.skills.map((s) => s.skillId),
      [],
    );
    return Object.assign(new LearnerMasteryType(), {
      learnerId,
      personalisation: r.mode,
      notice: r.notice,
      skills: r.skills.map((s) =>
        Object.assign(new MasteryEstimateType(), {
          skill: l.skill(s.skillId),
          mastery: s.mastery,
          uncertainty: s.uncertainty,
          trend: s.trend,
          attempts: s.attempts,
        }),
      ),
    });
  }

  @Query(() => PredictionsType, { description: "P(correct) of the learner on each task." })
  async predictions(
    @Arg("learnerId", () => UUID) learnerId: string,
    @Arg("taskIds", () => [UUID], { description: `The tasks: at most ${formatBound(MAX_PREDICTIONS)}.` }) taskIds: string[],
    @Ctx() ctx: ApiContext,
  ): Promise<PredictionsType> {
    const r = await ctx.services.personalisation.predictions(ctx.actor(), learnerId, taskIds);
    const l = await lookup(
      ctx,
      [],
      r.items.map((i) => i.taskId),
    );
    return Object.assign(new PredictionsType(), {
      personalisation: r.mode,
      notice: r.notice,
      items: r.items.map((i) =>
        Object.assign(new TaskPredictionType(), {
          task: l.task(i.taskId),
          predictedSuccess: i.predictedSuccess,
          basis: i.basis as PredictionBasis,
        }),
      ),
    });
  }

  @Query(() => RecommendationListType, { description: "The next tasks for a learner (toward a goal when given), each with its reason." })
  async recommendations(
    @Arg("learnerId", () => UUID) learnerId: string,
    @Arg("goalId", () => UUID, { nullable: true }) goalId: string | undefined,
    @Arg("count", () => Int, { defaultValue: 5, description: `How many: at least 1, at most ${MAX_RECOMMENDATIONS}.` }) count: number,
    @Arg("strategy", () => RecommendationStrategy, { defaultValue: RecommendationStrategy.ZPD }) strategy: RecommendationStrategy,
    @Ctx() ctx: ApiContext,
  ): Promise<RecommendationListType> {
    const r = await ctx.services.personalisation.recommendations(ctx.actor(), learnerId, goalId, count, toEngineStrategy(strategy));
    const l = await lookup(
      ctx,
      r.items.flatMap((i) => [i.skillId, ...reasonSkillIds(i.reason)]),
      r.items.map((i) => i.taskId),
    );
    return Object.assign(new RecommendationListType(), {
      personalisation: r.mode,
      notice: r.notice,
      strategy: fromEngineStrategy(r.strategy),
      items: r.items.map((i) => toRecommendation(i, l)),
      fallback: r.fallback ? Object.assign(new PolicyFallbackType(), r.fallback) : null,
      policy: r.policy ? Object.assign(new ServedPolicyType(), r.policy) : null,
    });
  }

  @Query(() => [SimilarTaskType], {
    description: "Tasks that behave alike for learners (alternatives when a learner is stuck or bored), nearest first.",
  })
  async similarTasks(
    @Arg("taskId", () => UUID) taskId: string,
    @Arg("count", () => Int, { defaultValue: 5, description: `How many: at least 1, at most ${MAX_SIMILAR_TASKS}.` }) count: number,
    @Ctx() ctx: ApiContext,
  ): Promise<SimilarTaskType[]> {
    const items = await ctx.services.personalisation.similarTasks(ctx.actor(), taskId, count);
    const l = await lookup(
      ctx,
      [],
      items.map((i) => i.taskId),
    );
    return items.map((i) =>
      Object.assign(new SimilarTaskType(), { task: l.task(i.taskId), distance: i.distance, basis: i.basis as SimilarityBasis }),
    );
  }

  @Mutation(() => PathPlanType, {
    description: "Plan or re-plan the goal's learning path (teacher-pinned steps keep their place, skipped tasks stay out).",
  })
  async planPath(@Arg("goalId", () => UUID) goalId: string, @Ctx() ctx: ApiContext): Promise<PathPlanType> {
    const r = await ctx.services.personalisation.planPath(ctx.actor(), goalId);
    const l = await lookup(
      ctx,
      [...r.plan.skills.map((s) => s.skillId), ...r.steps.flatMap((s) => (s.skillId ? [s.skillId] : []))],
      r.steps.map((s) => s.taskId),
    );
    return Object.assign(new PathPlanType(), {
      path: LearningPathType.from(
        r.path,
        r.steps.map((s) => toPathStep(s, r.path.id, l)),
      ),
      skills: r.plan.skills.map((s) => toPlannedSkill(s, l)),
      progress: toProgress(r.progress),
      personalisation: r.mode,
      notice: r.notice,
    });
  }
}

@Resolver(() => GoalType)
export class GoalProgressResolver {
  @FieldResolver(() => GoalProgressType, {
    description: "Share of target skills mastered, predicted attempts remaining, on track against the deadline.",
  })
  async progress(@Root() goal: GoalType, @Ctx() ctx: ApiContext): Promise<GoalProgressType> {
    return toProgress(await ctx.services.personalisation.progress(ctx.actor(), goal.id));
  }
}
