import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { ApiContext } from "../context.js";
import { UUID } from "../common/scalars.js";
import { ConnectionArgs, toConnection } from "../common/connection.js";
import { NotFoundError } from "../../services/common/domain-error.js";
import { TaskConnection, TaskKind, TaskKindValues, TaskSkillType, TaskType } from "./task.type.js";
import { CreateTaskInput, UpdateTaskInput } from "./task.inputs.js";
import { SkillType } from "./skill.type.js";

@Resolver(() => TaskType)
export class TaskResolver {
  @Query(() => TaskConnection, { description: "The school's tasks, in creation order; optionally those exercising a skill, or of a kind." })
  async tasks(
    @Args() page: ConnectionArgs,
    @Arg("skillId", () => UUID, { nullable: true }) skillId: string | undefined,
    @Arg("kind", () => TaskKindValues, { nullable: true }) kind: TaskKind | undefined,
    @Ctx() ctx: ApiContext,
  ): Promise<TaskConnection> {
    const actor = ctx.actor();
    if (skillId) await ctx.services.skills.get(actor, skillId); // an unknown (or another school's) skill is NOT_FOUND
    return toConnection(await ctx.services.tasks.list(actor, { skillId, kind }, page), TaskType.from);
  }

  @Query(() => TaskType)
  async task(@Arg("id", () => UUID) id: string, @Ctx() ctx: ApiContext): Promise<TaskType> {
    return TaskType.from(await ctx.services.tasks.get(ctx.actor(), id));
  }

  @Mutation(() => TaskType, {
    description: "Admin or service. Unknown skills are NOT_FOUND; a code already used in the school is a CONFLICT.",
  })
  async createTask(@Arg("input") input: CreateTaskInput, @Ctx() ctx: ApiContext): Promise<TaskType> {
    return TaskType.from(await ctx.services.tasks.create(ctx.actor(), input));
  }

  @Mutation(() => TaskType, { description: "Admin or service. `skills`, when given, replaces the task's Q-matrix row." })
  async updateTask(@Arg("id", () => UUID) id: string, @Arg("input") input: UpdateTaskInput, @Ctx() ctx: ApiContext): Promise<TaskType> {
    return TaskType.from(await ctx.services.tasks.update(ctx.actor(), id, input));
  }

  @FieldResolver(() => [TaskSkillType], { description: "The task's Q-matrix row: the skills it exercises, with weights." })
  async skills(@Root() task: TaskType, @Ctx() ctx: ApiContext): Promise<TaskSkillType[]> {
    return (await ctx.loaders.skillsOfTask.load(task.id)).map(TaskSkillType.from);
  }
}

@Resolver(() => TaskSkillType)
export class TaskSkillResolver {
  @FieldResolver(() => SkillType)
  async skill(@Root() cell: TaskSkillType, @Ctx() ctx: ApiContext): Promise<SkillType> {
    const skill = await ctx.loaders.skill.load(cell.skillId);
    if (!skill) throw new NotFoundError("Skill", cell.skillId);
    return SkillType.from(skill);
  }
}
