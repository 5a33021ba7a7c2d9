import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { Role } from "../../services/auth/actor.js";
import { requireRole } from "../../services/auth/access-policy.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { CohortConnection, CohortType } from "./cohort.type.js";
import { CreateCohortInput, UpdateCohortInput } from "./cohort.inputs.js";
import { TeacherType } from "../school/school.type.js";
import { LearnerConnection, LearnerType } from "../learner/learner.type.js";

@Resolver(() => CohortType)
export class CohortResolver {
  @Query(() => CohortConnection, { description: "Cohorts of the school (a teacher sees its own)." })
  async cohorts(@Args() page: ConnectionArgs, @Ctx() ctx: ApiContext): Promise<CohortConnection> {
    return toConnection(await ctx.services.cohorts.list(ctx.actor(), page), CohortType.from);
  }

  @Query(() => CohortType)
  async cohort(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<CohortType> {
    return CohortType.from(await ctx.services.cohorts.get(ctx.actor(), id));
  }

  @Mutation(() => CohortType)
  async createCohort(@Arg("input") input: CreateCohortInput, @Ctx() ctx: ApiContext): Promise<CohortType> {
    return CohortType.from(await ctx.services.cohorts.create(ctx.actor(), input.name));
  }

  @Mutation(() => CohortType)
  async updateCohort(
    @Arg("id", () => UUID) id: string,
    @Arg("input") input: UpdateCohortInput,
    @Ctx() ctx: ApiContext,
  ): Promise<CohortType> {
    return CohortType.from(await ctx.services.cohorts.update(ctx.actor(), id, input.name));
  }

  @Mutation(() => CohortType)
  async enrollLearner(
    @Arg("cohortId", () => UUID) cohortId: string,
    @Arg("learnerId", () => UUID) learnerId: string,
    @Ctx() ctx: ApiContext,
  ): Promise<CohortType> {
    return CohortType.from(await ctx.services.cohorts.enroll(ctx.actor(), cohortId, learnerId));
  }

  @Mutation(() => CohortType)
  async unenrollLearner(
    @Arg("cohortId", () => UUID) cohortId: string,
    @Arg("learnerId", () => UUID) learnerId: string,
    @Ctx() ctx: ApiContext,
  ): Promise<CohortType> {
    return CohortType.from(await ctx.services.cohorts.unenroll(ctx.actor(), cohortId, learnerId));
  }

  @Mutation(() => CohortType)
  async assignTeacher(
    @Arg("cohortId", () => UUID) cohortId: string,
    @Arg("teacherId", () => UUID) teacherId: string,
    @Ctx() ctx: ApiContext,
  ): Promise<CohortType> {
    return CohortType.from(await ctx.services.cohorts.assignTeacher(ctx.actor(), cohortId, teacherId));
  }

  @Mutation(() => CohortType)
  async unassignTeacher(
    @Arg("cohortId", () => UUID) cohortId: string,
    @Arg("teacherId", () => UUID) teacherId: string,
    @Ctx() ctx: ApiContext,
  ): Promise<CohortType> {
    return CohortType.from(await ctx.services.cohorts.unassignTeacher(ctx.actor(), cohortId, teacherId));
  }

  @FieldResolver(() => [TeacherType], {
    description: "The cohort's teachers (not for learners: the access table gives them no teacher data; FORBIDDEN).",
  })
  async teachers(@Root() cohort: CohortType, @Ctx() ctx: ApiContext): Promise<TeacherType[]> {
    // A learner reaches its own cohorts (learner { cohorts }), but never their teachers' names.
    requireRole(ctx.actor(), Role.Admin, Role.Service, Role.Teacher, Role.Analyst);
    const ids = await ctx.loaders.teacherIdsOfCohort.load(cohort.id);
    const rows = await ctx.loaders.teacher.loadMany(ids);
    return rows.flatMap((r) => (r && !(r instanceof Error) ? [TeacherType.from(r)] : []));
  }

  @FieldResolver(() => LearnerConnection, { description: "Learners enrolled in the cohort (not for analysts)." })
  async learners(@Root() cohort: CohortType, @Args() page: ConnectionArgs, @Ctx() ctx: ApiContext): Promise<LearnerConnection> {
    return toConnection(await ctx.services.learners.list(ctx.actor(), { cohortId: cohort.id }, page), LearnerType.from);
  }
}
