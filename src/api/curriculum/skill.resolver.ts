import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { SkillConnection, SkillType } from "./skill.type.js";
import { CreateSkillInput, UpdateSkillInput } from "./skill.inputs.js";
import { TaskConnection, TaskType } from "./task.type.js";

@Resolver(() => SkillType)
export class SkillResolver {
  @Query(() => SkillConnection, { description: "The school's skills, in creation order." })
  async skills(@Args() page: ConnectionArgs, @Ctx() ctx: ApiContext): Promise<SkillConnection> {
    return toConnection(await ctx.services.skills.list(ctx.actor(), page), SkillType.from);
  }

  @Query(() => SkillType)
  async skill(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<SkillType> {
    return SkillType.from(await ctx.services.skills.get(ctx.actor(), id));
  }

  @Mutation(() => SkillType, { description: "Admin or service. A code already used in the school is a CONFLICT." })
  async createSkill(@Arg("input") input: CreateSkillInput, @Ctx() ctx: ApiContext): Promise<SkillType> {
    return SkillType.from(await ctx.services.skills.create(ctx.actor(), input));
  }

  @Mutation(() => SkillType)
  async updateSkill(@Arg("id", () => UUID) id: string, @Arg("input") input: UpdateSkillInput, @Ctx() ctx: ApiContext): Promise<SkillType> {
    return SkillType.from(await ctx.services.skills.update(ctx.actor(), id, input));
  }

  @Mutation(() => SkillType, {
    description:
      "Makes `prerequisiteId` a prerequisite of `skillId`. An edge that would close a cycle (or a self-loop) is BAD_USER_INPUT with reason PREREQUISITE_CYCLE and the cycle.",
  })
  async addPrerequisite(
    @Arg("skillId", () => UUID) skillId: string,
    @Arg("prerequisiteId", () => UUID) prerequisiteId: string,
    @Ctx() ctx: ApiContext,
  ): Promise<SkillType> {
    return SkillType.from(await ctx.services.skills.addPrerequisite(ctx.actor(), skillId, prerequisiteId));
  }

  @Mutation(() => SkillType)
  async removePrerequisite(
    @Arg("skillId", () => UUID) skillId: string,
    @Arg("prerequisiteId", () => UUID) prerequisiteId: string,
    @Ctx() ctx: ApiContext,
  ): Promise<SkillType> {
    return SkillType.from(await ctx.services.skills.removePrerequisite(ctx.actor(), skillId, prerequisiteId));
  }

  @FieldResolver(() => [SkillType], { description: "The skills to master before this one (direct prerequisites)." })
  async prerequisites(@Root() skill: SkillType, @Ctx() ctx: ApiContext): Promise<SkillType[]> {
    return (await ctx.loaders.prerequisitesOfSkill.load(skill.id)).map(SkillType.from);
  }

  @FieldResolver(() => [SkillType], { description: "The skills that have this one as a direct prerequisite." })
  async dependents(@Root() skill: SkillType, @Ctx() ctx: ApiContext): Promise<SkillType[]> {
    return (await ctx.loaders.dependentsOfSkill.load(skill.id)).map(SkillType.from);
  }

  @FieldResolver(() => TaskConnection, { description: "The tasks that exercise this skill." })
  async tasks(@Root() skill: SkillType, @Args() page: ConnectionArgs, @Ctx() ctx: ApiContext): Promise<TaskConnection> {
    return toConnection(await ctx.services.tasks.list(ctx.actor(), { skillId: skill.id }, page), TaskType.from);
  }
}
